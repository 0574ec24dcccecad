//! DO801 untrusted-object-name: a name that names a Durable Object, traced
//! to the request by the name-origin engine
//! ([`crate::optimize::model::name_origin`]) and not validated before use.

use oxc_ast::AstKind;
use oxc_ast::ast::ClassElement;
use oxc_span::GetSpan;

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::lifecycle::worker_request_functions;
use crate::optimize::model::name_origin::NameOrigins;
use crate::optimize::model::named_objects::named_object_calls;
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};

declare_rule! {
    /// **What it does**
    ///
    /// Reports `idFromName(name)` / `getByName(name)` (and the Agents SDK's
    /// `getAgentByName(ns, name)`) whose name is read from the request — the URL
    /// path, a query parameter, a header, a cookie, the body, a route parameter —
    /// with no validation in between.
    ///
    /// **Why is this bad?**
    ///
    /// Every distinct name is a distinct Durable Object. A client that picks the
    /// name can create as many objects as it likes (each with its own storage,
    /// billed), probe names that belong to someone else, or pile its traffic onto
    /// one object. A name is an identifier of your application's data and deserves
    /// the same check as any other input.
    ///
    /// **Example**
    ///
    /// ```ts
    /// app.get("/room/:room", async (c) => {
    ///   const stub = c.env.ROOMS.getByName(c.req.param("room"));
    ///   return stub.fetch(c.req.raw);
    /// });
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// const ROOM = /^[a-z0-9-]{1,32}$/;
    ///
    /// app.get("/room/:room", async (c) => {
    ///   const room = c.req.param("room");
    ///   if (!ROOM.test(room)) return c.text("invalid room", 400);
    ///   const stub = c.env.ROOMS.getByName(room);
    ///   return stub.fetch(c.req.raw);
    /// });
    /// ```
    ///
    /// Accepted as validation (the catalog's precise reading): a regex `test` /
    /// `match` guard that returns or throws early (or encloses the call); an
    /// allow-list (`Set.has`, `array.includes`, `in`, comparison with literals, a
    /// `switch` on the name); a type guard or validator function (`isRoomId(x)`,
    /// `const room = parseRoom(x)`, `assertValidName(x)`); a schema with a pattern
    /// (zod `.regex()`, `.uuid()`, `z.enum()`, valibot `regex`, a Hono route
    /// parameter with a pattern `/:id{[0-9a-f]+}`, `zValidator` with such a schema);
    /// a KV / D1 lookup of the name that must succeed before the call; and names
    /// derived by hashing into a fixed number of shards (`hash(x) % 16`). The
    /// `CF-Connecting-IP` header (and `request.cf`) is set by Cloudflare and is
    /// trusted. A presence check (`if (!name)`), a `typeof` check, a length bound
    /// alone, or a bare `z.string()` is not validation.
    ///
    /// **Known problems**
    ///
    /// `idFromString(id)` is not reported: it throws for any string that is not an
    /// id this namespace created (with `newUniqueId`, or from a name), so a client
    /// cannot make it create new objects; whether the caller may reach that object
    /// is an authorization question this rule does not decide. Names routed by a
    /// framework (`routeAgentRequest`, `routePartykitRequest`, checked in their
    /// `onBefore*` hooks) are not reported. A framework's naming hook is read as
    /// a route: a static method of a Durable Object class that takes the request and
    /// returns the object's name (`static nameFromRequest(request)` in actors) is
    /// reported when what it returns comes from the request unvalidated. The trace stays within one function:
    /// a name passed in as a parameter by your own router is not followed. Code
    /// inside a Durable Object is not checked: the request it reads is the one the
    /// Worker chose to send, and what the Worker checked is not visible there.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/api/namespace/#idfromname
    /// - https://developers.cloudflare.com/durable-objects/best-practices/rules-of-durable-objects/
    pub static RULE = Rule {
        name: "untrusted-object-name",
        area: Area::General,
        severity: Severity::Warning,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "A Durable Object name read from the request with no validation",
        check: Check::File(check),
    };
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    check_naming_hooks(context, report);
    let model = context.model;
    let request_functions = worker_request_functions(model);
    for (node, call, name) in named_object_calls(model) {
        // Inside a Durable Object the request is the one the Worker chose to
        // send: what it checked before is not visible here.
        if model
            .class_of(node)
            .is_some_and(|class| model.classes[class].is_do())
        {
            continue;
        }
        let mut analysis = NameOrigins::new(model, request_functions.clone());
        let Some(source) = analysis.origin(node, name) else {
            continue;
        };
        if analysis.guarded(node) {
            continue;
        }
        let name_text = context.text(name.span());
        let shown = if name_text.len() > 40 {
            "the name".to_string()
        } else {
            format!("`{name_text}`")
        };
        // Suggest the check on the variable that holds the raw value.
        let simple = |text: &str| {
            !text.is_empty()
                && text
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '.')
        };
        let (setup, checked) = if simple(name_text) {
            (String::new(), name_text.to_string())
        } else if let Some(carrier) = analysis
            .carriers()
            .iter()
            .filter(|carrier| simple(carrier) && !carrier.contains('.'))
            .min()
        {
            (String::new(), carrier.clone())
        } else {
            (format!("const name = {name_text}; "), "name".to_string())
        };
        report.push(
            Violation::new(call.span, format!(
                "{shown} comes from {} and reaches `{}` unvalidated: any client can create as many Durable Objects as it likes, or reach one it should not",
                source.describe(),
                context.text(call.callee.span())
            ))
            .fix(format!(
                "validate before routing: `{setup}if (!/^[a-z0-9-]{{1,64}}$/.test({checked})) return new Response(\"invalid name\", {{ status: 400 }})`, an allow-list (`ALLOWED.has({checked})`), or a lookup that must succeed; and authenticate the caller"
            ))
            .effect("only names your application issued or accepts become objects; no unbounded object (and storage) creation"),
        );
    }
}

/// A framework's naming hook: a static method of a Durable Object class
/// (the runtime never calls one; a framework's router or your own does)
/// that takes the request and returns the object's name
/// (`static nameFromRequest(request)`), which the framework's router passes
/// to `idFromName`. It runs in the Worker, before any object exists: a value
/// it returns from the request unvalidated is an untrusted name.
fn check_naming_hooks(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    for class in model.classes.iter().filter(|class| class.is_do()) {
        for element in &class.class.body.body {
            let ClassElement::MethodDefinition(method) = element else {
                continue;
            };
            let Some(name) = crate::optimize::semantic::key_name(&method.key) else {
                continue;
            };
            let lower = name.to_ascii_lowercase();
            if !method.r#static
                || !lower.contains("name")
                || !lower.contains("request")
                || method.value.params.items.is_empty()
            {
                continue;
            }
            let Some(function) = model
                .nodes
                .descendants(class.node)
                .find(|(_, node)| {
                    matches!(node.kind, AstKind::Function(function) if function.span == method.value.span)
                })
                .map(|(id, _)| id)
            else {
                continue;
            };
            for (id, node) in model.nodes.descendants(function) {
                let AstKind::ReturnStatement(statement) = node.kind else {
                    continue;
                };
                let Some(argument) = &statement.argument else {
                    continue;
                };
                if model.nodes.enclosing_function(id) != Some(function) {
                    continue;
                }
                let mut analysis = NameOrigins::new(model, vec![function]);
                let Some(source) = analysis.origin(id, argument) else {
                    continue;
                };
                if analysis.guarded(id) {
                    continue;
                }
                let class_name = class.display_name();
                report.push(
                    Violation::new(argument.span(), format!(
                        "`{class_name}.{name}` returns a name that comes from {} unvalidated, and the framework's router passes it to `idFromName`: any client can create as many Durable Objects as it likes, or reach one it should not",
                        source.describe()
                    ))
                    .fix("validate in the hook before returning: `if (!/^[a-z0-9-]{1,64}$/.test(value)) return undefined;` (or an allow-list, or a lookup that must succeed), and authenticate the caller")
                    .effect("only names your application issued or accepts become objects; no unbounded object (and storage) creation"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::optimize::rules::testing::assert_rule;

    fn worker(body: &str) -> String {
        format!(
            "export default {{ async fetch(request: Request, env: Env): Promise<Response> {{\n{body}\n}} }};"
        )
    }

    #[test]
    fn pass_and_fail() {
        let fail = [
            worker("const url = new URL(request.url); const name = url.searchParams.get(\"room\"); if (!name) return new Response(\"missing\", { status: 400 }); return env.ROOMS.getByName(name).fetch(request);"),
            worker("const [, , room] = new URL(request.url).pathname.split(\"/\"); return env.ROOMS.get(env.ROOMS.idFromName(`room:${room}`)).fetch(request);"),
            worker("const { room } = await request.json() as { room: string }; if (room.length > 64) return new Response(\"long\"); return env.ROOMS.getByName(room).fetch(request);"),
            worker("const user = request.headers.get(\"X-User\")!; return env.USERS.getByName(user).fetch(request);"),
            "import { Hono } from \"hono\";\nconst app = new Hono<{ Bindings: Env }>();\napp.get(\"/room/:id\", (c) => c.env.ROOMS.getByName(c.req.param(\"id\")).fetch(c.req.raw));\nexport default app;".to_string(),
            "import { z } from \"zod\";\nconst Body = z.object({ room: z.string().max(64) });\n".to_string() + &worker("const body = Body.parse(await request.json()); return env.ROOMS.getByName(body.room).fetch(request);"),
            // The else branch of a regex test: the pattern did not match;
            // only a length bound is left (the chat demo's shape).
            worker("const name = new URL(request.url).pathname.slice(1); let id; if (name.match(/^[0-9a-f]{64}$/)) { id = env.ROOMS.idFromString(name); } else if (name.length <= 32) { id = env.ROOMS.idFromName(name); } else { return new Response(\"long\", { status: 404 }); } return env.ROOMS.get(id).fetch(request);"),
            // A deny-list is not validation.
            worker("const name = new URL(request.url).pathname.slice(1); if (/admin/.test(name)) return new Response(\"no\", { status: 403 }); return env.ROOMS.getByName(name).fetch(request);"),
        ];
        let pass = [
            worker("const name = new URL(request.url).searchParams.get(\"room\") ?? \"\"; if (!/^[a-z0-9-]{1,32}$/.test(name)) return new Response(\"bad\", { status: 400 }); return env.ROOMS.getByName(name).fetch(request);"),
            "const ROOMS = new Set([\"lobby\", \"main\"]);\n".to_string() + &worker("const name = new URL(request.url).pathname.slice(1); if (!ROOMS.has(name)) return new Response(\"no\", { status: 404 }); return env.ROOMS.getByName(name).fetch(request);"),
            worker("const ip = request.headers.get(\"CF-Connecting-IP\") ?? \"unknown\"; return env.LIMITER.getByName(ip).fetch(request);"),
            worker("const name = new URL(request.url).pathname.slice(1); const known = await env.KV.get(name); if (!known) return new Response(\"no\", { status: 404 }); return env.ROOMS.getByName(name).fetch(request);"),
            worker("const key = request.headers.get(\"X-Key\") ?? \"\"; const shard = hash(key) % 16; return env.COUNTERS.getByName(`shard:${shard}`).fetch(request);"),
            worker("const id = new URL(request.url).searchParams.get(\"id\")!; return env.GAMES.get(env.GAMES.idFromString(id)).fetch(request);"),
            worker("const room = parseRoom(new URL(request.url).pathname); return env.ROOMS.getByName(room).fetch(request);"),
            "import { z } from \"zod\";\nconst Body = z.object({ room: z.string().regex(/^[a-z]+$/) });\n".to_string() + &worker("const body = Body.parse(await request.json()); return env.ROOMS.getByName(body.room).fetch(request);"),
            "import { Hono } from \"hono\";\nconst app = new Hono<{ Bindings: Env }>();\napp.get(\"/room/:id{[a-z0-9]+}\", (c) => c.env.ROOMS.getByName(c.req.param(\"id\")).fetch(c.req.raw));\nexport default app;".to_string(),
            worker("const name = new URL(request.url).pathname.slice(1); switch (name) { case \"a\": case \"b\": return env.ROOMS.getByName(name).fetch(request); default: return new Response(\"no\", { status: 404 }); }"),
        ];
        let fail: Vec<&str> = fail.iter().map(String::as_str).collect();
        let pass: Vec<&str> = pass.iter().map(String::as_str).collect();
        assert_rule("DO801", &pass, &fail, None);
    }
}
