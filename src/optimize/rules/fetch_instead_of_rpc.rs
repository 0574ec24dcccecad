//! DO606 fetch-instead-of-rpc.

use std::collections::{BTreeMap, HashMap};

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::{FetchStyle, FileFacts, StubFact};
use crate::optimize::rules::{Check, FixAvailability, ProjectContext, Report, Rule, Violation};

declare_rule! {
    /// **What it does**
    ///
    /// Reports a Durable Object class that the Worker reaches only through
    /// `stub.fetch(new Request(…))` or `stub.fetch(url, init)` (requests it builds
    /// itself, not WebSocket upgrades), while the project's `compatibility_date`
    /// (2024-04-03 or later) allows calling the class's methods over RPC. It is
    /// judged per class, and reported once, at the first such call.
    ///
    /// **Why is this bad?**
    ///
    /// Building an HTTP request to talk to your own object means inventing URLs,
    /// serializing arguments into bodies and parsing them back, routing on the
    /// path inside the object's `fetch`, and checking status codes on the way
    /// out — code that is easy to get wrong and that no type checker sees. RPC
    /// calls are typed end to end, pass structured values (and streams) without
    /// manual serialization, and skip the HTTP parsing on both sides.
    ///
    /// **Example**
    ///
    /// ```ts
    /// const stub = env.COUNTER.getByName(name);
    /// const response = await stub.fetch("https://counter/increment", { method: "POST" });
    /// const count = Number(await response.text());
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// export class Counter extends DurableObject {
    ///   async increment(): Promise<number> { /* … */ }
    /// }
    ///
    /// const count = await env.COUNTER.getByName(name).increment();
    /// ```
    ///
    /// **Known problems**
    ///
    /// Forwarding the incoming request (`stub.fetch(request)`, also with a rewritten
    /// URL: `new Request(url, request)`) is not reported: that is how WebSocket
    /// upgrades and HTTP proxies reach an object. A class that gets any RPC call is
    /// not reported. Classes bound from another Worker (`script_name`) are skipped,
    /// and when some RPC call in the project cannot be traced to its binding, no
    /// class is reported (it might be the one).
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/best-practices/create-durable-object-stubs-and-send-requests/
    /// - https://developers.cloudflare.com/workers/runtime-apis/rpc/
    pub static RULE = Rule {
        name: "fetch-instead-of-rpc",
        area: Area::General,
        severity: Severity::Info,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "A Durable Object reached only by building HTTP requests, where RPC is available",
        check: Check::Project(check),
    };
}

/// The first compatibility date with RPC to Durable Objects.
pub const RPC_DATE: &str = "2024-04-03";

fn allows_rpc(date: &str) -> bool {
    let date = date.trim();
    date.len() == 10 && date.as_bytes()[4] == b'-' && date >= RPC_DATE
}

fn check(context: &ProjectContext<'_>, report: &mut Report) {
    let project = context.project;
    for config in &project.configs {
        let Some(date) = &config.config.compatibility_date else {
            continue;
        };
        if !allows_rpc(&date.value) {
            continue;
        }
        // Stub calls of the config's files by binding, gathered once (a
        // config with many classes and calls stays linear).
        let mut by_binding: HashMap<&str, Vec<(&FileFacts, &StubFact)>> = HashMap::new();
        let mut untraced_rpc = false;
        for file in project.files_of(config) {
            for stub in &file.stubs {
                match stub.binding.as_deref() {
                    Some(binding) => by_binding.entry(binding).or_default().push((file, stub)),
                    // An RPC call we cannot attribute could be for any class.
                    None => untraced_rpc |= stub.method != "fetch",
                }
            }
        }
        if untraced_rpc {
            continue;
        }
        // Class → the binding names it is reached through (local classes).
        let mut classes: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for binding in &config.config.bindings {
            if binding.script_name.is_some() {
                continue;
            }
            classes
                .entry(binding.class_name.value.as_str())
                .or_default()
                .push(binding.name.value.as_str());
        }
        for (class, bindings) in classes {
            let mut unique = bindings.clone();
            unique.sort_unstable();
            unique.dedup();
            let calls: Vec<(&FileFacts, &StubFact)> = unique
                .iter()
                .filter_map(|binding| by_binding.get(binding))
                .flatten()
                .copied()
                .collect();
            if calls.iter().any(|(_, stub)| stub.method != "fetch") {
                continue;
            }
            let mut constructed: Vec<&(&FileFacts, &StubFact)> = calls
                .iter()
                .filter(|(_, stub)| stub.fetch_style == Some(FetchStyle::Constructed))
                .collect();
            constructed.sort_by(|a, b| {
                a.0.path
                    .cmp(&b.0.path)
                    .then(a.1.range.start.cmp(&b.1.range.start))
            });
            let Some((file, first)) = constructed.first() else {
                continue;
            };
            let count = constructed.len();
            report.push(
                Violation::at(first.range, format!(
                    "`{class}` is only reached by building HTTP requests for `stub.fetch` ({count} call{}{}), while compatibility_date {} allows RPC",
                    if count == 1 { "" } else { "s" },
                    if bindings.len() == 1 { format!(" through `{}`", bindings[0]) } else { String::new() },
                    date.value
                ))
                .in_file(&file.path)
                .fix(format!(
                    "give `{class}` public methods (e.g. `async increment(by: number): Promise<number>`) and call them on the stub: `await stub.increment(1)`; keep `fetch` only for WebSocket upgrades"
                ))
                .effect("typed calls without URL routing, body serialization and status checks; no HTTP parsing on either side"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::optimize::rules::testing::assert_rule;

    const CONFIG: &str = r#"{ "name": "x", "main": "index.ts", "compatibility_date": "2025-01-01",
  "durable_objects": { "bindings": [{ "name": "COUNTER", "class_name": "Counter" }] },
  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Counter"] }] }"#;

    const CLASS: &str = "import { DurableObject } from \"cloudflare:workers\";\nexport class Counter extends DurableObject { async fetch(request: Request) { return new Response(\"1\"); } increment() { return 1; } }\n";

    #[test]
    fn pass_and_fail() {
        let fail = [
            format!(
                "{CLASS}export default {{ async fetch(request: Request, env: Env) {{ const stub = env.COUNTER.getByName(\"a\"); return stub.fetch(new Request(\"https://do/increment\", {{ method: \"POST\" }})); }} }};"
            ),
            format!(
                "{CLASS}export default {{ async fetch(request: Request, env: Env) {{ const stub = env.COUNTER.get(env.COUNTER.idFromName(\"a\")); return stub.fetch(\"https://do/increment\"); }} }};"
            ),
        ];
        let pass = [
            // Also called over RPC.
            format!(
                "{CLASS}export default {{ async fetch(request: Request, env: Env) {{ const stub = env.COUNTER.getByName(\"a\"); await stub.increment(); return stub.fetch(new Request(\"https://do/x\")); }} }};"
            ),
            // Forwarding the incoming request (WebSocket upgrade, proxy).
            format!(
                "{CLASS}export default {{ async fetch(request: Request, env: Env) {{ const stub = env.COUNTER.getByName(\"a\"); const url = new URL(request.url); url.pathname = \"/ws\"; return stub.fetch(new Request(url, request)); }} }};"
            ),
            // A new URL, with the incoming request's method, headers and body.
            format!(
                "{CLASS}export default {{ async fetch(request: Request, env: Env) {{ const stub = env.COUNTER.getByName(\"a\"); return stub.fetch(new Request(\"https://do/x\", {{ method: request.method, headers: request.headers, body: request.body }})); }} }};"
            ),
            // A constructed WebSocket upgrade.
            format!(
                "{CLASS}export default {{ async fetch(request: Request, env: Env) {{ const stub = env.COUNTER.getByName(\"a\"); return stub.fetch(\"https://do/ws\", {{ headers: {{ Upgrade: \"websocket\" }} }}); }} }};"
            ),
        ];
        let fail: Vec<&str> = fail.iter().map(String::as_str).collect();
        let pass: Vec<&str> = pass.iter().map(String::as_str).collect();
        assert_rule("DO606", &pass, &fail, Some(CONFIG));
        // Before 2024-04-03 there is no RPC.
        let old = CONFIG.replace("2025-01-01", "2024-01-01");
        assert_rule("DO606", &[fail[0]], &[], Some(&old));
    }
}
