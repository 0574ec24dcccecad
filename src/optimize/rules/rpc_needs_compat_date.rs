//! DO705 rpc-needs-compat-date.

use std::collections::HashSet;

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::StubFact;
use crate::optimize::model::configs::{Ownership, active_configs, deployments};
use crate::optimize::rules::{Check, FixAvailability, ProjectContext, Report, Rule, Violation};
use crate::text::slash_path;

declare_rule! {
    /// **What it does**
    ///
    /// Reports a `compatibility_date` before `2024-04-03` (without the `rpc`
    /// compatibility flag) in a Worker whose code calls methods other than `fetch`
    /// on Durable Object stubs of its own bindings (`env.ROOM.getByName(n).join()`,
    /// `stub.increment()`). Each deployment is checked with the date it uses: an
    /// environment's own `compatibility_date` and `compatibility_flags`, else the
    /// top level's.
    ///
    /// **Why is this bad?**
    ///
    /// Calling a Durable Object's public methods over RPC needs the `rpc`
    /// compatibility flag, on by default from `2024-04-03`. With an older date the
    /// stub has only `fetch`, so every such call throws *TypeError: stub.join is
    /// not a function*.
    ///
    /// **Example**
    ///
    /// ```jsonc
    /// { "compatibility_date": "2024-01-15" }
    /// ```
    ///
    /// ```ts
    /// const count = await env.COUNTER.getByName("global").increment();
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```jsonc
    /// { "compatibility_date": "2025-04-01" }
    /// ```
    ///
    /// Read the compatibility-date changelog between the two dates first: other
    /// flags change with it.
    ///
    /// **Known problems**
    ///
    /// Calls are matched to bindings by name (`env.COUNTER`); stubs reached through
    /// helpers the analyzer cannot follow are not counted, so the rule stays quiet
    /// rather than guess. Other Workers' stubs (`script_name` bindings) count: the
    /// caller's date decides.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/best-practices/create-durable-object-stubs-and-send-requests/
    /// - https://developers.cloudflare.com/workers/configuration/compatibility-flags/#durable-object-stubs-and-service-bindings-support-rpc
    /// - https://developers.cloudflare.com/workers/configuration/compatibility-dates/
    pub static RULE = Rule {
        name: "rpc-needs-compat-date",
        area: Area::General,
        severity: Severity::Error,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "Stub RPC methods are called while `compatibility_date` is before 2024-04-03",
        check: Check::Project(check),
    };
}

/// The first compatibility date with RPC on Durable Object stubs.
const RPC_DATE: &str = "2024-04-03";

/// A `YYYY-MM-DD` date (compared as text).
fn is_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(index, byte)| match index {
            4 | 7 => *byte == b'-',
            _ => byte.is_ascii_digit(),
        })
}

/// Stub methods that exist without RPC.
fn is_rpc_method(stub: &StubFact) -> bool {
    !matches!(stub.method.as_str(), "fetch" | "connect")
}

fn check(context: &ProjectContext<'_>, report: &mut Report) {
    let project = context.project;
    let ownership = Ownership::new(project);
    for loaded in active_configs(project) {
        let config = &loaded.config;
        let owned = ownership.files(loaded);
        let mut reported = HashSet::new();
        for deployment in deployments(config) {
            let Some(date) = config.effective_compatibility_date(deployment) else {
                continue;
            };
            if !is_date(&date.value) || date.value.as_str() >= RPC_DATE {
                continue;
            }
            if config
                .effective_compatibility_flags(deployment)
                .iter()
                .any(|flag| flag.value == "rpc")
            {
                continue;
            }
            let names: HashSet<&str> = config
                .bindings
                .iter()
                .filter(|binding| binding.environment.as_deref() == deployment)
                .map(|binding| binding.name.value.as_str())
                .collect();
            let calls: Vec<(&std::path::Path, &StubFact)> = owned
                .iter()
                .flat_map(|file| {
                    file.stubs
                        .iter()
                        .map(move |stub| (file.path.as_path(), stub))
                })
                .filter(|(_, stub)| {
                    is_rpc_method(stub)
                        && stub
                            .binding
                            .as_deref()
                            .is_some_and(|binding| names.contains(binding))
                })
                .collect();
            let Some((file, first)) = calls.first() else {
                continue;
            };
            if !reported.insert(date.range) {
                continue;
            }
            let others = match calls.len() {
                1 => String::new(),
                count => format!(" (and {} more RPC call(s))", count - 1),
            };
            report.push(
                Violation::at(
                    date.range,
                    format!(
                        "`compatibility_date` is {}, before {RPC_DATE} when Durable Object stubs gained RPC, but {} calls `{}()` on a stub of `{}`{others}: without the `rpc` flag the stub has only `fetch`, so the call throws \"TypeError: stub.{} is not a function\"",
                        date.value,
                        slash_path(file),
                        first.method,
                        first.binding.as_deref().unwrap_or("a binding"),
                        first.method,
                    ),
                )
                .in_file(loaded.path.clone())
                .fix(format!(
                    "set `compatibility_date` to {RPC_DATE} or later (review the compatibility flags that change in between)"
                ))
                .effect("RPC calls on Durable Object stubs work instead of throwing"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::optimize::tester::project_findings;

    const WORKER: &str = "export default {\n  async fetch(request: Request, env: Env) {\n    const stub = env.COUNTER.get(env.COUNTER.idFromName(\"a\"));\n    return Response.json(await stub.increment());\n  },\n};\n";
    const FETCH_ONLY: &str = "export default {\n  async fetch(request: Request, env: Env) {\n    const stub = env.COUNTER.get(env.COUNTER.idFromName(\"a\"));\n    return stub.fetch(request);\n  },\n};\n";

    fn findings(config: &str, source: &str) -> Vec<String> {
        project_findings(
            "DO705",
            &[("wrangler.jsonc", config), ("src/index.ts", source)],
        )
    }

    const OLD: &str = "{\n  \"compatibility_date\": \"2024-01-01\",\n  \"durable_objects\": { \"bindings\": [{ \"name\": \"COUNTER\", \"class_name\": \"Counter\" }] }\n}";

    #[test]
    fn fires_on_old_date_with_rpc_calls() {
        assert_eq!(findings(OLD, WORKER), vec!["DO705:wrangler.jsonc:2"]);
    }

    #[test]
    fn quiet_for_new_dates_flags_and_fetch() {
        assert!(findings(OLD, FETCH_ONLY).is_empty());
        let new = OLD.replace("2024-01-01", "2024-04-03");
        assert!(findings(&new, WORKER).is_empty());
        let flagged = OLD.replace(
            "\"compatibility_date\": \"2024-01-01\",",
            "\"compatibility_date\": \"2024-01-01\", \"compatibility_flags\": [\"rpc\"],",
        );
        assert!(findings(&flagged, WORKER).is_empty());
        let unbound = OLD.replace("\"COUNTER\"", "\"OTHER\"");
        assert!(findings(&unbound, WORKER).is_empty());
    }
}
