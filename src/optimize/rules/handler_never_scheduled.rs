//! DO504 handler-never-scheduled.

use oxc_ast::AstKind;
use oxc_ast::ast::Expression;

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::class_facts::{
    calls_within, has_empty_body, runtime_dispatched, storage_text,
};
use crate::optimize::model::{FileModel, MethodRole, StoragePath};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};

declare_rule! {
    /// **What it does**
    ///
    /// Reports an `alarm()` method in a Durable Object class when no code in the
    /// file ever calls `setAlarm`.
    ///
    /// **Why is this bad?**
    ///
    /// An alarm runs only after `storage.setAlarm(time)`. Without it the method is
    /// dead code, and whatever it was meant to do (expire sessions, flush a
    /// buffer, retry a delivery) silently never happens.
    ///
    /// **Example**
    ///
    /// ```ts
    /// export class Sessions extends DurableObject {
    ///   async create(userId: string) {
    ///     this.ctx.storage.sql.exec("INSERT INTO sessions (user_id, expires_at) VALUES (?, ?)", userId, Date.now() + 86_400_000);
    ///   }
    ///
    ///   async alarm() {
    ///     this.ctx.storage.sql.exec("DELETE FROM sessions WHERE expires_at <= ?", Date.now());
    ///   }
    /// }
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// async create(userId: string) {
    ///   const expiresAt = Date.now() + 86_400_000;
    ///   this.ctx.storage.sql.exec("INSERT INTO sessions (user_id, expires_at) VALUES (?, ?)", userId, expiresAt);
    ///   if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(expiresAt);
    /// }
    /// ```
    ///
    /// **Known problems**
    ///
    /// Any `setAlarm` in the file counts (another class or a module helper may set
    /// it), and so does passing the object, its state or its storage to a
    /// function outside the class (it may schedule). An empty `alarm()` is a
    /// placeholder that does nothing either way and is not reported. Framework
    /// subclasses schedule through their own APIs and are not checked.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/api/alarms/
    pub static RULE = Rule {
        name: "handler-never-scheduled",
        area: Area::Alarms,
        severity: Severity::Warning,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "An `alarm()` method that nothing schedules (`setAlarm` is never called)",
        check: Check::File(check),
    };
}

/// Whether the file mentions `setAlarm` anywhere in code (a call, a
/// reference, a string).
fn mentions_set_alarm(model: &FileModel<'_>) -> bool {
    model.nodes.iter().any(|(_, node)| match node.kind {
        AstKind::IdentifierName(ident) => ident.name == "setAlarm",
        AstKind::IdentifierReference(ident) => ident.name == "setAlarm",
        AstKind::StringLiteral(literal) => literal.value == "setAlarm",
        _ => false,
    })
}

/// Whether the class hands itself, its state or its storage to code outside
/// the class (`schedule(this.ctx.storage)`, `new Jobs(this)`), which may set
/// the alarm.
fn hands_out_storage(model: &FileModel<'_>, class: usize) -> bool {
    let class_node = model.classes[class].node;
    calls_within(model, class_node).any(|(id, call)| {
        if matches!(call.callee, Expression::Super(_)) {
            return false;
        }
        call.arguments.iter().any(|argument| {
            argument.as_expression().is_some_and(|argument| {
                matches!(
                    argument.get_inner_expression(),
                    Expression::ThisExpression(_)
                ) || matches!(
                    model.storage_path_at(argument, id),
                    Some(StoragePath::State | StoragePath::Storage)
                )
            })
        })
    }) || model.nodes.descendants(class_node).any(|(id, node)| {
        matches!(node.kind, AstKind::NewExpression(new) if new.arguments.iter().any(|argument| {
            argument.as_expression().is_some_and(|argument| {
                matches!(argument.get_inner_expression(), Expression::ThisExpression(_))
                    || matches!(
                        model.storage_path_at(argument, id),
                        Some(StoragePath::State | StoragePath::Storage)
                    )
            })
        }))
    })
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    if mentions_set_alarm(model) {
        return;
    }
    for (class_index, class) in model.classes.iter().enumerate() {
        if !runtime_dispatched(model, class_index) {
            continue;
        }
        let Some(alarm) = class
            .methods
            .iter()
            .find(|method| method.role == MethodRole::Alarm)
        else {
            continue;
        };
        if has_empty_body(model, alarm.function) || hands_out_storage(model, class_index) {
            continue;
        }
        let class_name = class.display_name();
        let storage = storage_text(model, class_index);
        report.push(
            Violation::new(alarm.key_span, format!(
                "`{class_name}.alarm()` never runs: nothing calls `setAlarm`, so the work in it never happens"
            ))
            .fix(format!(
                "schedule it where the work arises: `await {storage}.setAlarm(Date.now() + delayMs)` (re-arm at the end of `alarm()` for periodic work), or delete `alarm()` if it is dead code"
            ))
            .effect("the cleanup or deferred work in `alarm()` actually runs")
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
export class Sessions extends DurableObject {
  async alarm() { this.ctx.storage.sql.exec("DELETE FROM sessions WHERE expires_at <= ?", Date.now()); } }"#];
        let pass = [
            r#"import { DurableObject } from "cloudflare:workers";
export class Task extends DurableObject {
  async scheduleTask(delayMs: number) { await this.ctx.storage.setAlarm(Date.now() + delayMs); }
  async alarm() { await this.ctx.storage.setAlarm(Date.now() + 3600000); } }"#,
            r#"import { DurableObject } from "cloudflare:workers";
export class Stub extends DurableObject { async alarm() {} }"#,
            r#"import { DurableObject } from "cloudflare:workers";
import { every } from "./schedule";
export class Ticker extends DurableObject {
  constructor(ctx: DurableObjectState, env: unknown) { super(ctx, env); every(this.ctx.storage, 60_000); }
  async alarm() { console.log("tick"); } }"#,
        ];
        assert_rule("DO504", &pass, &fail, None);
    }
}
