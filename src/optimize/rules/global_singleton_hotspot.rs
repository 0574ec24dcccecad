//! DO603 global-singleton-hotspot.

use oxc_span::GetSpan;

use crate::optimize::answers::Scale;
use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::lifecycle::{on_worker_request, worker_request_functions};
use crate::optimize::model::named_objects::named_object_calls;
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};

declare_rule! {
    /// **What it does**
    ///
    /// At scale `large` only, reports `idFromName("constant")` or
    /// `getByName("constant")` (also the Agents SDK's `getAgentByName(ns,
    /// "constant")` and partyserver's `getServerByName`) on a Worker request path:
    /// every request, from everywhere, goes to one single object.
    ///
    /// **Why is this bad?**
    ///
    /// A Durable Object is single-threaded and lives in one place. One object tops
    /// out at roughly 1,000 simple requests per second, and every request from far
    /// away pays the round trip to wherever it lives. At large scale a global
    /// singleton is the bottleneck of the whole application.
    ///
    /// **Example**
    ///
    /// ```ts
    /// export default {
    ///   async fetch(request, env) {
    ///     const stub = env.COUNTER.getByName("global");
    ///     return Response.json(await stub.increment());
    ///   },
    /// };
    /// ```
    ///
    /// **Use instead**
    ///
    /// Shard by a key the traffic is spread over, or into a fixed number of shards:
    ///
    /// ```ts
    /// const shard = hash(userId) % 16;
    /// const stub = env.COUNTER.getByName(`global:${shard}`);
    /// ```
    ///
    /// and add the shards up when reading (fan out with `Promise.all`).
    ///
    /// **Known problems**
    ///
    /// Only at scale `large` (answer `scale: large`); smaller deployments are well
    /// served by a singleton. Only request paths count: a constant name used by
    /// `scheduled()`, `queue()` or a Durable Object's own code is not reported.
    /// Names read from `env` vars are not treated as constants.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/platform/limits/
    /// - https://developers.cloudflare.com/durable-objects/best-practices/rules-of-durable-objects/
    pub static RULE = Rule {
        name: "global-singleton-hotspot",
        area: Area::General,
        severity: Severity::Warning,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "A constant-name object on every request: a global bottleneck at large scale",
        check: Check::File(check),
    };
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    if context.answers.scale != Scale::Large {
        return;
    }
    let model = context.model;
    let worker = worker_request_functions(model);
    for (node, call, name) in named_object_calls(model) {
        if !on_worker_request(model, &worker, node)
            || model
                .class_of(node)
                .is_some_and(|class| model.classes[class].is_do())
        {
            continue;
        }
        let Some(constant) = model.constant_string(name, 0) else {
            continue;
        };
        report.push(
            Violation::new(call.span, format!(
                "every request goes to the one object named \"{constant}\" (`{}`): at large scale this single-threaded object is the bottleneck (about 1,000 requests/s per object)",
                context.text(call.callee.span())
            ))
            .fix(format!(
                "shard it: name the object `{constant}:${{hash(key) % N}}` with a key the traffic is spread over (user, room, region), and fan out over the N shards when reading"
            ))
            .effect("N shards serve about N × 1,000 requests/s, and each request reaches a nearby, less loaded object"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::optimize::answers::Scale;
    use crate::optimize::tester::Tester;

    fn count(source: &str, scale: Scale) -> usize {
        Tester::new("DO603")
            .source(source)
            .scale(scale)
            .run()
            .findings
            .len()
    }

    #[test]
    fn fires_only_at_large_scale_and_on_request_paths() {
        let fail = r#"const NAME = "global";
export default { async fetch(request: Request, env: Env) {
  const a = env.COUNTER.getByName("global");
  const b = env.LIMITER.get(env.LIMITER.idFromName(NAME));
  return new Response(); } };"#;
        assert_eq!(count(fail, Scale::Large), 2);
        assert_eq!(count(fail, Scale::Medium), 0);
        let pass = r#"export default {
  async fetch(request: Request, env: Env) {
    const room = new URL(request.url).pathname.slice(1);
    await env.ROOMS.getByName(`room:${room}`).ping();
    return new Response(); },
  async scheduled(event: ScheduledEvent, env: Env) {
    await env.REPORT.getByName("daily").run(); } };"#;
        assert_eq!(count(pass, Scale::Large), 0);
    }
}
