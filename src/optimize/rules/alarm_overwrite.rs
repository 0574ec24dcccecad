//! DO502 alarm-overwrite.

use std::collections::HashSet;

use oxc_ast::AstKind;
use oxc_ast::ast::*;
use oxc_span::{GetSpan, Span};

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::call_graph::{CallGraph, MAX_DEPTH, Step, path_text, runs_when_called};
use crate::optimize::model::class_facts::{
    calls_within, declared_names, is_entry, method_calls_named, parameter_names, set_alarm_calls,
    storage_text,
};
use crate::optimize::model::storage_api;
use crate::optimize::model::{FileModel, MethodRole, collect_binding_names};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};
use crate::optimize::semantic::{NodeId, argument, identifier_name, member_path, method_call};

declare_rule! {
    /// **What it does**
    ///
    /// Reports a Durable Object class that sets its alarm from two different paths
    /// (request handlers, RPC methods, the constructor, and the methods they call)
    /// to two different times, when neither path reads the current alarm with
    /// `getAlarm()` first. Reported once per class.
    ///
    /// **Why is this bad?**
    ///
    /// An object has exactly one alarm. `setAlarm` replaces whatever was scheduled,
    /// so the later call silently cancels the earlier schedule: a session cleanup
    /// set for tomorrow is lost when a game tick sets the alarm for five seconds
    /// from now, or the tick is lost when the cleanup pushes it to tomorrow.
    ///
    /// **Example**
    ///
    /// ```ts
    /// async startGame() {
    ///   await this.ctx.storage.setAlarm(Date.now() + 5_000); // next tick
    /// }
    ///
    /// async createSession(id: string) {
    ///   await this.ctx.storage.setAlarm(Date.now() + 86_400_000); // expiry
    /// }
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// async schedule(kind: string, at: number) {
    ///   this.ctx.storage.sql.exec("INSERT INTO jobs (kind, at) VALUES (?, ?)", kind, at);
    ///   const current = await this.ctx.storage.getAlarm();
    ///   if (current === null || at < current) await this.ctx.storage.setAlarm(at);
    /// }
    ///
    /// async alarm() {
    ///   // run every due job, then set the alarm to the earliest remaining one
    /// }
    /// ```
    ///
    /// **Known problems**
    ///
    /// `setAlarm` inside `alarm()` re-arms the one schedule and is not a competing
    /// path. A path that calls `getAlarm()`, sits under a condition about the alarm
    /// (`if (!alarmSet)`), or sets a time read from storage (the earliest pending
    /// job) counts as guarded. Two paths that set the same time (`Date.now() +
    /// IDLE_TIMEOUT`, an inactivity timer pushed back on each request) share one
    /// schedule and are not reported. "The same" is by meaning, not text: `Date.now()
    /// + delay` where `delay` is a parameter or local of each method is two
    /// different times.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/api/alarms/
    pub static RULE = Rule {
        name: "alarm-overwrite",
        area: Area::Alarms,
        severity: Severity::Warning,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "`setAlarm` from several paths without `getAlarm()`: the later call replaces the schedule",
        check: Check::File(check),
    };
}

/// Whether a `getAlarm()` call is in `function`.
fn reads_alarm(model: &FileModel<'_>, function: NodeId) -> bool {
    method_calls_named(model, function, "getAlarm")
        .next()
        .is_some()
}

/// Whether `node` runs under a condition about the alarm (its test mentions
/// an alarm or a schedule), searching up to `function`.
fn under_alarm_condition(model: &FileModel<'_>, node: NodeId, function: NodeId) -> bool {
    let mentions = |span: Span| {
        let text = model.text(span).to_ascii_lowercase();
        text.contains("alarm") || text.contains("schedul")
    };
    for ancestor in model.nodes.ancestors(node) {
        if ancestor == function {
            return false;
        }
        match model.nodes.kind(ancestor) {
            AstKind::IfStatement(statement) if mentions(statement.test.span()) => return true,
            AstKind::ConditionalExpression(conditional) if mentions(conditional.test.span()) => {
                return true;
            }
            AstKind::LogicalExpression(logical) if mentions(logical.left.span()) => return true,
            _ => {}
        }
    }
    false
}

/// Whether a call reads storage (`get`, `list`, a `SELECT`, `getAlarm`) or
/// takes a minimum: a time computed from a stored schedule.
fn is_schedule_read(model: &FileModel<'_>, id: NodeId, call: &CallExpression<'_>) -> bool {
    if member_path(&call.callee).as_deref() == Some(&["Math", "min"][..]) {
        return true;
    }
    let Some((receiver, method)) = method_call(call) else {
        return false;
    };
    match method {
        _ if storage_api::is_read_method(method) => model.storage_path_at(receiver, id).is_some(),
        "one" | "toArray" | "exec" => model
            .text(call.span)
            .to_ascii_lowercase()
            .contains("select"),
        _ => false,
    }
}

/// Whether the time given to the `setAlarm` at `site` comes from storage:
/// read in its argument, or in the initializer or an assignment of a local
/// it uses.
fn time_from_storage(
    model: &FileModel<'_>,
    site: NodeId,
    call: &CallExpression<'_>,
    function: NodeId,
) -> bool {
    let Some(time) = argument(call, 0) else {
        return false;
    };
    let Some(time_node) = model.node_with_span(site, time.span()) else {
        return false;
    };
    if calls_within(model, time_node)
        .any(|(id, inner_call)| is_schedule_read(model, id, inner_call))
        || matches!(model.nodes.kind(time_node), AstKind::CallExpression(inner_call) if is_schedule_read(model, time_node, inner_call))
    {
        return true;
    }
    let names: HashSet<&str> = model.referenced_names(time_node).into_iter().collect();
    model.nodes.descendants(function).any(|(id, node)| {
        let value_span = match node.kind {
            AstKind::VariableDeclarator(declarator) if binds_any(&declarator.id, &names) => {
                declarator.init.as_ref().map(GetSpan::span)
            }
            AstKind::AssignmentExpression(assignment)
                if matches!(&assignment.left, AssignmentTarget::AssignmentTargetIdentifier(ident)
                    if names.contains(ident.name.as_str())) =>
            {
                Some(assignment.right.span())
            }
            _ => None,
        };
        value_span
            .and_then(|span| model.node_with_span(id, span))
            .is_some_and(|value| {
                calls_within(model, value).any(|(call_id, inner_call)| is_schedule_read(model, call_id, inner_call))
                    || matches!(model.nodes.kind(value), AstKind::CallExpression(inner_call) if is_schedule_read(model, value, inner_call))
            })
    })
}

/// Whether a declaration binds one of `names` (`const next`, `const { at }`).
fn binds_any(pattern: &BindingPattern<'_>, names: &HashSet<&str>) -> bool {
    let mut bound = HashSet::new();
    collect_binding_names(pattern, &mut bound);
    bound.iter().any(|name| names.contains(name))
}

/// One unguarded `setAlarm` reached from an entry method.
struct Reached<'a> {
    site: NodeId,
    span: Span,
    /// The time as the entry gives it: the argument's text, or, when it is
    /// a parameter of the helper, the text the caller passes.
    time: String,
    /// What the time means: the time as the entry gives it, with each name
    /// declared in the method that sets it (a parameter or a local not
    /// replaced by the caller's argument) tied to that method. Two paths
    /// share one schedule only when their times mean the same.
    meaning: String,
    entry: &'a str,
    /// `fetch → schedule → setAlarm` when reached through helpers.
    path: String,
}

/// The meaning of a `setAlarm` time: `Date.now() + time` where `time` is a
/// parameter or local of the method differs from the same text in another
/// method; `Date.now() + IDLE_TIMEOUT` (a module constant) or
/// `Date.now() + this.ttl` (one field) is the same everywhere.
fn time_meaning(
    model: &FileModel<'_>,
    site: NodeId,
    call: &CallExpression<'_>,
    function: NodeId,
    time: &str,
) -> String {
    let Some(node) = argument(call, 0).and_then(|time| model.node_with_span(site, time.span()))
    else {
        return time.to_string();
    };
    let local = declared_names(model, function);
    let mut tied: Vec<&str> = model
        .referenced_names(node)
        .into_iter()
        .filter(|name| local.contains(name))
        .collect();
    tied.sort_unstable();
    tied.dedup();
    if tied.is_empty() {
        time.to_string()
    } else {
        format!("{time} (with {} of function #{function})", tied.join(", "))
    }
}

/// A walk over the methods one entry method reaches, collecting the
/// unguarded `setAlarm` calls on the way.
struct Walk<'m, 'a> {
    model: &'m FileModel<'a>,
    graph: &'m CallGraph<'m, 'a>,
    class: usize,
    sites: &'m [(NodeId, &'a CallExpression<'a>)],
    entry: &'a str,
    visited: HashSet<NodeId>,
    found: &'m mut Vec<Reached<'a>>,
}

fn normalized(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl<'a> Walk<'_, 'a> {
    /// The time text of `call` seen from the caller: a helper's parameter
    /// is replaced by the argument at the call that entered it.
    fn time_text(&self, call: &CallExpression<'a>, function: NodeId, path: &[Step<'a>]) -> String {
        let model = self.model;
        let Some(time) = argument(call, 0) else {
            return String::new();
        };
        if let (Some(name), Some(step)) = (identifier_name(time), path.last())
            && let Some(index) = parameter_names(model, function)
                .iter()
                .position(|parameter| *parameter == Some(name))
            && let AstKind::CallExpression(entering) = model.nodes.kind(step.site)
            && let Some(given) = argument(entering, index)
        {
            return normalized(model.text(given.span()));
        }
        normalized(model.text(time.span()))
    }

    fn visit(&mut self, function: NodeId, guarded: bool, path: Vec<Step<'a>>) {
        let model = self.model;
        if !self.visited.insert(function) || path.len() > MAX_DEPTH {
            return;
        }
        let guarded = guarded || reads_alarm(model, function);
        for &(site, call) in self.sites {
            if !model.nodes.contains(function, site) || !runs_when_called(model, site, function) {
                continue;
            }
            if guarded
                || under_alarm_condition(model, site, function)
                || time_from_storage(model, site, call, function)
            {
                continue;
            }
            let time = self.time_text(call, function, &path);
            let written = argument(call, 0)
                .map(|time| normalized(model.text(time.span())))
                .unwrap_or_default();
            // A helper's parameter replaced by the caller's argument means
            // what that argument means; otherwise names of this method tie
            // the time to it.
            let meaning = if time == written {
                time_meaning(model, site, call, function, &time)
            } else {
                time.clone()
            };
            self.found.push(Reached {
                site,
                span: call.span,
                time,
                meaning,
                entry: self.entry,
                path: if path.is_empty() {
                    self.entry.to_string()
                } else {
                    path_text(self.entry, &path, "setAlarm")
                },
            });
        }
        let alarm = model.classes[self.class]
            .method("alarm")
            .map(|method| method.function);
        for step in self.graph.callees(Some(self.class), function) {
            if Some(step.function) == alarm {
                continue;
            }
            let guarded_here = guarded || under_alarm_condition(model, step.site, function);
            let mut next = path.clone();
            next.push(step);
            self.visit(step.function, guarded_here, next);
        }
    }
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    let graph = CallGraph::new(model);
    for (class_index, class) in model.classes.iter().enumerate() {
        if !class.is_do() {
            continue;
        }
        let sites = set_alarm_calls(model, class_index);
        if sites.is_empty() {
            continue;
        }
        let mut found: Vec<Reached<'_>> = Vec::new();
        for method in class
            .methods
            .iter()
            .filter(|method| is_entry(method) && method.role != MethodRole::Alarm)
        {
            Walk {
                model,
                graph: &graph,
                class: class_index,
                sites: &sites,
                entry: method.name,
                visited: HashSet::new(),
                found: &mut found,
            }
            .visit(method.function, false, Vec::new());
        }
        // Two different sites, reached from two different entries, setting
        // two different times.
        let mut pair: Option<(&Reached<'_>, &Reached<'_>)> = None;
        'search: for (index, first) in found.iter().enumerate() {
            for second in &found[index + 1..] {
                // The same site counts too: a helper reached from two
                // entries that pass it different times.
                if first.entry != second.entry && first.meaning != second.meaning {
                    pair = Some(if first.span.start <= second.span.start {
                        (first, second)
                    } else {
                        (second, first)
                    });
                    break 'search;
                }
            }
        }
        let Some((first, second)) = pair else {
            continue;
        };
        let class_name = class.display_name();
        let storage = storage_text(model, class_index);
        report.push(
            Violation::new(second.span, format!(
                "`{class_name}` sets its one alarm from `{}` (`setAlarm({})`) and from `{}` (`setAlarm({})`) without reading it first: the later call silently replaces the other schedule",
                first.path, first.time, second.path, second.time
            ))
            .fix(format!(
                "keep the pending jobs in storage and set the alarm to the earliest one, e.g. in `{}`: `const at = {}; const current = await {storage}.getAlarm(); if (current === null || at < current) await {storage}.setAlarm(at);`, and let `alarm()` run every due job and re-arm for the next",
                model
                    .method_of(class_index, second.site)
                    .map_or(second.entry, |method| method.name),
                second.time
            ))
            .effect("no scheduled work is silently dropped when another path schedules something else")
            .class(class.name),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::optimize::rules::testing::assert_rule;

    #[test]
    fn pass_and_fail() {
        let fail = [r#"import { DurableObject } from "cloudflare:workers";
export class Game extends DurableObject {
  async startGame() { await this.ctx.storage.setAlarm(Date.now() + 5_000); }
  async createSession(id: string) { await this.ctx.storage.setAlarm(Date.now() + 86_400_000); }
  async alarm() {} }"#];
        let pass = [
            // Seed 001 TaskRunner: fetch sets it, alarm() re-arms.
            r#"export class TaskRunner { constructor(private state: DurableObjectState, env: unknown) {}
  async fetch() { await this.state.storage.setAlarm(Date.now() + 3600000); return new Response("Alarm set"); }
  async alarm() { await this.state.storage.setAlarm(Date.now() + 3600000); } }"#,
            // Guarded by getAlarm().
            r#"import { DurableObject } from "cloudflare:workers";
export class Jobs extends DurableObject {
  async a(at: number) { const current = await this.ctx.storage.getAlarm(); if (!current || at < current) await this.ctx.storage.setAlarm(at); }
  async b() { const current = await this.ctx.storage.getAlarm(); if (current === null) await this.ctx.storage.setAlarm(Date.now() + 1000); }
  async alarm() {} }"#,
            // The same inactivity timer pushed back from two paths.
            r#"import { DurableObject } from "cloudflare:workers";
const IDLE = 60_000;
export class Room extends DurableObject {
  async fetch() { await this.ctx.storage.setAlarm(Date.now() + IDLE); return new Response(); }
  async webSocketMessage() { await this.ctx.storage.setAlarm(Date.now() + IDLE); }
  async alarm() {} }"#,
        ];
        assert_rule("DO502", &pass, &fail, None);
    }
}
