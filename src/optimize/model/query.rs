//! The query API rules use on a built [`FileModel`]: where a node is (class,
//! method, loop, request path), what an expression holds (storage path, SQL
//! text, constant string), and how a value is used (awaited, consumed).
//! Read-only; nothing here changes the model.

use std::collections::{HashMap, HashSet};

use oxc_ast::AstKind;
use oxc_ast::ast::*;
use oxc_span::{GetSpan, Span};

use super::*;
use crate::optimize::semantic::{
    NodeId, identifier_name, inner, is_this, key_name, member_path, method_call, static_member,
};

/// Whether a condition reads a field of the object (`this.ready`,
/// `!this.#seeded`, `this.state.x`), not only calls its methods
/// (`this.isTerminal(status)` decides per call, it is no one-time guard).
fn reads_a_field(test: &str) -> bool {
    let mut rest = test;
    while let Some(at) = rest.find("this.") {
        let after = &rest[at + 5..];
        let name_end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '#'))
            .unwrap_or(after.len());
        if name_end > 0 && !after[name_end..].trim_start().starts_with('(') {
            return true;
        }
        rest = &after[name_end..];
    }
    false
}

impl<'a> FileModel<'a> {
    /// The index of the first class named `name` in this file.
    pub fn class_named(&self, name: &str) -> Option<usize> {
        self.class_index.get(name).copied()
    }

    /// Whether anything Durable Objects related is in this file.
    pub fn is_relevant(&self) -> bool {
        self.classes.iter().any(ClassModel::is_do)
            || !self.sql_execs.is_empty()
            || !self.id_calls.is_empty()
            || !self.stub_calls.is_empty()
            // Framework helpers that name objects (`getAgentByName`).
            || self.imports.values().any(|import| {
                FRAMEWORK_BASES
                    .iter()
                    .any(|(package, _, _)| import.source == *package)
            })
    }

    pub fn text(&self, span: Span) -> &'a str {
        &self.source_text[span.start as usize..span.end as usize]
    }

    /// The class (index) whose body holds `node`, innermost first.
    pub fn class_of(&self, node: NodeId) -> Option<usize> {
        std::iter::once(node)
            .chain(self.nodes.ancestors(node))
            .find_map(|ancestor| self.class_nodes.get(&ancestor).copied())
    }

    /// The method of `class` whose function holds `node`.
    pub fn method_of(&self, class: usize, node: NodeId) -> Option<&MethodModel<'a>> {
        std::iter::once(node)
            .chain(self.nodes.ancestors(node))
            .find_map(|ancestor| match self.method_nodes.get(&ancestor) {
                Some(&(owner, method)) if owner == class => {
                    Some(&self.classes[class].methods[method])
                }
                _ => None,
            })
    }

    /// Where `expr` leads in the storage API, seen from inside `class` (or
    /// from module code when `class` is `None`).
    pub fn storage_path(&self, expr: &Expression<'a>, class: Option<usize>) -> Option<StoragePath> {
        let empty = HashMap::new();
        let (locals, fields) = match class {
            Some(index) => (
                &self.classes[index].local_aliases,
                &self.classes[index].field_aliases,
            ),
            None => (&empty, &empty),
        };
        AliasView {
            locals,
            fields,
            typed: &self.typed_aliases,
        }
        .classify(expr)
    }

    /// The storage path of a node's enclosing class.
    pub fn storage_path_at(&self, expr: &Expression<'a>, node: NodeId) -> Option<StoragePath> {
        self.storage_path(expr, self.class_of(node))
    }

    /// The SQL text of a query argument: literals, templates (constants
    /// substituted, other `${}` as `?`), `+` concatenations, and `const`
    /// names leading to one of these.
    pub fn sql_text(&self, expr: &Expression<'a>, depth: u8) -> (SqlSource, Option<String>) {
        match inner(expr) {
            Expression::StringLiteral(literal) => {
                (SqlSource::Literal, Some(literal.value.to_string()))
            }
            Expression::TemplateLiteral(template) => {
                let mut text = String::new();
                let mut built = false;
                for (index, quasi) in template.quasis.iter().enumerate() {
                    text.push_str(
                        quasi
                            .value
                            .cooked
                            .as_deref()
                            .unwrap_or(quasi.value.raw.as_str()),
                    );
                    if let Some(expression) = template.expressions.get(index) {
                        match self.constant_string(expression, depth) {
                            Some(constant) => text.push_str(&constant),
                            None => {
                                built = true;
                                text.push('?');
                            }
                        }
                    }
                }
                let source = if template.expressions.is_empty() {
                    SqlSource::Literal
                } else if built {
                    SqlSource::Built
                } else {
                    SqlSource::Literal
                };
                (source, Some(text))
            }
            Expression::BinaryExpression(binary) if binary.operator == BinaryOperator::Addition => {
                let (left_source, left) = self.sql_text(&binary.left, depth + 1);
                let (right_source, right) = self.sql_text(&binary.right, depth + 1);
                let left = left.or_else(|| Some("?".into()));
                let right = right.or_else(|| Some("?".into()));
                let source =
                    if left_source == SqlSource::Literal && right_source == SqlSource::Literal {
                        SqlSource::Literal
                    } else {
                        SqlSource::Built
                    };
                (
                    source,
                    Some(format!(
                        "{}{}",
                        left.unwrap_or_default(),
                        right.unwrap_or_default()
                    )),
                )
            }
            Expression::Identifier(ident) if depth < 4 => {
                match self.constants.get(ident.name.as_str()) {
                    Some(init) => self.sql_text(init, depth + 1),
                    None => (SqlSource::Unknown, None),
                }
            }
            _ => (SqlSource::Unknown, None),
        }
    }

    /// A compile-time string constant: a literal, or a `const` holding one.
    pub fn constant_string(&self, expr: &Expression<'a>, depth: u8) -> Option<String> {
        match inner(expr) {
            Expression::StringLiteral(literal) => Some(literal.value.to_string()),
            Expression::NumericLiteral(number) => Some(number.value.to_string()),
            Expression::TemplateLiteral(template) if template.expressions.is_empty() => {
                template.quasis.first().map(|quasi| {
                    quasi
                        .value
                        .cooked
                        .as_deref()
                        .unwrap_or(quasi.value.raw.as_str())
                        .to_string()
                })
            }
            Expression::Identifier(ident) if depth < 4 => {
                let init = self.constants.get(ident.name.as_str())?;
                self.constant_string(init, depth + 1)
            }
            Expression::StaticMemberExpression(member) if depth < 4 => {
                // `TABLES.events` where `const TABLES = { events: "events" }`.
                let object = identifier_name(&member.object)?;
                let Expression::ObjectExpression(object) = inner(self.constants.get(object)?)
                else {
                    return None;
                };
                object
                    .properties
                    .iter()
                    .find_map(|property| match property {
                        ObjectPropertyKind::ObjectProperty(property)
                            if key_name(&property.key) == Some(member.property.name.as_str()) =>
                        {
                            self.constant_string(&property.value, depth + 1)
                        }
                        _ => None,
                    })
            }
            _ => None,
        }
    }

    /// The function node an expression is (arrow or function expression).
    pub fn function_node(&self, expr: &Expression<'a>) -> Option<NodeId> {
        match inner(expr) {
            Expression::ArrowFunctionExpression(arrow) => self.node_of_span(arrow.span, true),
            Expression::FunctionExpression(function) => self.node_of_function(function),
            _ => None,
        }
    }

    /// Whether `node` runs as part of a Worker request (and not in a class).
    pub fn on_request_path(&self, node: NodeId) -> bool {
        self.request_paths
            .iter()
            .any(|&path| self.nodes.contains(path, node))
    }

    /// The loop whose body holds `node` (for, for…of, for…in, while,
    /// do…while, or the callback of `.forEach`/`.map`/…), searching up to
    /// `limit` and stopping at any other function boundary: a function's body
    /// runs when it is called, not once per iteration of an outer loop.
    pub fn enclosing_loop(&self, node: NodeId, limit: NodeId) -> Option<NodeId> {
        let mut child = node;
        for ancestor in self.nodes.ancestors(node) {
            if ancestor == limit {
                return None;
            }
            let child_span = self.nodes.kind(child).span();
            let body = match self.nodes.kind(ancestor) {
                AstKind::ForStatement(statement) => Some(statement.body.span()),
                AstKind::ForOfStatement(statement) => Some(statement.body.span()),
                AstKind::ForInStatement(statement) => Some(statement.body.span()),
                AstKind::WhileStatement(statement) => Some(statement.body.span()),
                AstKind::DoWhileStatement(statement) => Some(statement.body.span()),
                AstKind::ArrowFunctionExpression(_) | AstKind::Function(_) => {
                    if self.is_iteration_callback(ancestor) {
                        return Some(ancestor);
                    }
                    return None;
                }
                _ => None,
            };
            if body.is_some_and(|body| body.contains_inclusive(child_span)) {
                return Some(ancestor);
            }
            child = ancestor;
        }
        None
    }

    /// The class and method a node is written in.
    pub fn method_at(&self, node: NodeId) -> Option<(usize, &MethodModel<'a>)> {
        let class = self.class_of(node)?;
        Some((class, self.method_of(class, node)?))
    }

    /// Whether `node` only runs behind a one-time guard on an instance field
    /// (`if (!this.ready) …`, `this.ready ??= …`, `this.ready ||= …`, or an
    /// early `if (this.ready) return;` before it in the function `limit`),
    /// searching up to `limit`.
    pub fn guarded_by_field(&self, node: NodeId, limit: NodeId) -> bool {
        if self.early_return_on_field(node, limit) {
            return true;
        }
        for ancestor in self.nodes.ancestors(node) {
            if ancestor == limit {
                return false;
            }
            match self.nodes.kind(ancestor) {
                AstKind::IfStatement(statement)
                    if reads_a_field(self.text(statement.test.span())) =>
                {
                    return true;
                }
                AstKind::ConditionalExpression(conditional)
                    if reads_a_field(self.text(conditional.test.span())) =>
                {
                    return true;
                }
                AstKind::AssignmentExpression(assignment) => {
                    if matches!(
                        assignment.operator,
                        AssignmentOperator::LogicalNullish | AssignmentOperator::LogicalOr
                    ) {
                        return true;
                    }
                }
                _ => {}
            }
        }
        false
    }

    /// Whether the body of `function` starts (before the statement holding
    /// `node`) with `if (<test on this.…>) return …;`: the lazy initializer
    /// that runs its work once per instance.
    fn early_return_on_field(&self, node: NodeId, function: NodeId) -> bool {
        let statements: &[Statement<'_>] = match self.nodes.kind(function) {
            AstKind::Function(function) => match &function.body {
                Some(body) => &body.statements,
                None => return false,
            },
            AstKind::ArrowFunctionExpression(arrow) => match &arrow.body {
                ArrowFunctionBody::FunctionBody(body) => &body.statements,
                _ => return false,
            },
            _ => return false,
        };
        let at = self.nodes.kind(node).span().start;
        statements
            .iter()
            .take_while(|statement| statement.span().end <= at)
            .any(|statement| {
                let Statement::IfStatement(guard) = statement else {
                    return false;
                };
                let returns = match &guard.consequent {
                    Statement::ReturnStatement(_) => true,
                    Statement::BlockStatement(block) => {
                        matches!(block.body.as_slice(), [Statement::ReturnStatement(_)])
                    }
                    _ => false,
                };
                returns && guard.alternate.is_none() && reads_a_field(self.text(guard.test.span()))
            })
    }

    /// Whether two nodes sit in branches that exclude each other: the two arms
    /// of an `if`/`else` or of a `?:`, or two `switch` cases where the first
    /// ends with `break`, `return`, `throw` or `continue` (no fall-through);
    /// also when the path through `first` always leaves before it gets to
    /// `second` (see [`FileModel::leaves_before`]).
    pub fn exclusive_branches(&self, first: NodeId, second: NodeId) -> bool {
        if first < second && self.leaves_before(first, second)
            || second < first && self.leaves_before(second, first)
        {
            return true;
        }
        let model = self;
        let first_span = model.nodes.kind(first).span();
        let second_span = model.nodes.kind(second).span();
        let apart = |a: Span, b: Span| {
            (a.contains_inclusive(first_span) && b.contains_inclusive(second_span))
                || (b.contains_inclusive(first_span) && a.contains_inclusive(second_span))
        };
        model.nodes.ancestors(first).any(|ancestor| {
            if !model.nodes.contains(ancestor, second) {
                return false;
            }
            match model.nodes.kind(ancestor) {
                AstKind::IfStatement(statement) => statement
                    .alternate
                    .as_ref()
                    .is_some_and(|alternate| apart(statement.consequent.span(), alternate.span())),
                AstKind::ConditionalExpression(conditional) => {
                    apart(conditional.consequent.span(), conditional.alternate.span())
                }
                AstKind::SwitchStatement(switch) => {
                    let case_of = |span: Span| {
                        switch
                            .cases
                            .iter()
                            .position(|case| case.span.contains_inclusive(span))
                    };
                    match (case_of(first_span), case_of(second_span)) {
                        (Some(a), Some(b)) if a != b => {
                            let earlier = &switch.cases[a.min(b)];
                            earlier.consequent.last().is_some_and(|last| {
                                matches!(
                                    last,
                                    Statement::BreakStatement(_)
                                        | Statement::ReturnStatement(_)
                                        | Statement::ThrowStatement(_)
                                        | Statement::ContinueStatement(_)
                                ) || matches!(last, Statement::BlockStatement(block)
                                if block.body.last().is_some_and(|inner| matches!(
                                    inner,
                                    Statement::BreakStatement(_)
                                        | Statement::ReturnStatement(_)
                                        | Statement::ThrowStatement(_)
                                        | Statement::ContinueStatement(_)
                                )))
                            })
                        }
                        _ => false,
                    }
                }
                _ => false,
            }
        })
    }

    /// Whether every path through `first` leaves before it reaches the later
    /// node `second`: a statement list that holds `first` goes on with a
    /// `return`/`throw`, or a `continue`/`break` of a loop (or `switch`)
    /// that holds `second` (`if (!row) { insert(); await …; update();
    /// continue; }` then another write further down the loop); or `first`
    /// is in the test of an `if` whose body always leaves that way
    /// (`if (await this.park()) return;`).
    pub fn leaves_before(&self, first: NodeId, second: NodeId) -> bool {
        let second_start = self.nodes.kind(second).span().start;
        for ancestor in self.nodes.ancestors(first) {
            if self.nodes.contains(ancestor, second) {
                return false;
            }
            if matches!(
                self.nodes.kind(ancestor),
                AstKind::Function(_) | AstKind::ArrowFunctionExpression(_)
            ) {
                return false;
            }
            let Some(parent) = self.nodes.parent(ancestor) else {
                return false;
            };
            let span = self.nodes.kind(ancestor).span();
            let list: &[Statement<'a>] = match self.nodes.kind(parent) {
                AstKind::BlockStatement(block) => &block.body,
                AstKind::FunctionBody(body) => &body.statements,
                AstKind::SwitchCase(case) => &case.consequent,
                AstKind::IfStatement(statement) if statement.test.span() == span => {
                    if !self.nodes.contains(parent, second)
                        && self.always_leaves(&statement.consequent, parent, second)
                    {
                        return true;
                    }
                    continue;
                }
                _ => continue,
            };
            if !list.iter().any(|statement| statement.span() == span) {
                continue;
            }
            if list
                .iter()
                .filter(|statement| statement.span().start >= span.end)
                .take_while(|statement| statement.span().end <= second_start)
                .any(|statement| self.jumps_past(statement, parent, second))
            {
                return true;
            }
        }
        false
    }

    /// Whether `statement` (a sibling of a statement under `at`) always
    /// leaves: a jump, or a block that ends with one.
    fn always_leaves(&self, statement: &Statement<'a>, at: NodeId, second: NodeId) -> bool {
        match statement {
            Statement::BlockStatement(block) => block
                .body
                .iter()
                .any(|inner| self.jumps_past(inner, at, second)),
            other => self.jumps_past(other, at, second),
        }
    }

    /// Whether `statement`, a jump written inside `at`, skips `second`:
    /// `return` and `throw` always; an unlabelled `continue` when the loop it
    /// continues holds `second`; an unlabelled `break` when the loop or
    /// `switch` it leaves holds `second`.
    fn jumps_past(&self, statement: &Statement<'a>, at: NodeId, second: NodeId) -> bool {
        let target = |with_switch: bool| {
            std::iter::once(at)
                .chain(self.nodes.ancestors(at))
                .take_while(|&id| {
                    !matches!(
                        self.nodes.kind(id),
                        AstKind::Function(_) | AstKind::ArrowFunctionExpression(_)
                    )
                })
                .find(|&id| match self.nodes.kind(id) {
                    AstKind::ForStatement(_)
                    | AstKind::ForInStatement(_)
                    | AstKind::ForOfStatement(_)
                    | AstKind::WhileStatement(_)
                    | AstKind::DoWhileStatement(_) => true,
                    AstKind::SwitchStatement(_) => with_switch,
                    _ => false,
                })
        };
        match statement {
            Statement::ReturnStatement(_) | Statement::ThrowStatement(_) => true,
            Statement::ContinueStatement(jump) if jump.label.is_none() => {
                target(false).is_some_and(|target| self.nodes.contains(target, second))
            }
            Statement::BreakStatement(jump) if jump.label.is_none() => {
                target(true).is_some_and(|target| self.nodes.contains(target, second))
            }
            _ => false,
        }
    }

    /// Names declared or bound per iteration by a loop node: the loop
    /// variable(s), callback parameters, and every name declared in its body.
    pub fn loop_variant_names(&self, loop_node: NodeId) -> HashSet<&'a str> {
        let mut names = HashSet::new();
        match self.nodes.kind(loop_node) {
            AstKind::ArrowFunctionExpression(arrow) => {
                for param in &arrow.params.items {
                    collect_binding_names(&param.pattern, &mut names);
                }
            }
            AstKind::Function(function) => {
                for param in &function.params.items {
                    collect_binding_names(&param.pattern, &mut names);
                }
            }
            _ => {}
        }
        for (_, node) in self.nodes.descendants(loop_node) {
            match node.kind {
                AstKind::VariableDeclarator(declarator) => {
                    collect_binding_names(&declarator.id, &mut names)
                }
                AstKind::UpdateExpression(update) => {
                    if let SimpleAssignmentTarget::AssignmentTargetIdentifier(ident) =
                        &update.argument
                    {
                        names.insert(ident.name.as_str());
                    }
                }
                AstKind::AssignmentExpression(assignment) => {
                    if let AssignmentTarget::AssignmentTargetIdentifier(ident) = &assignment.left {
                        names.insert(ident.name.as_str());
                    }
                }
                _ => {}
            }
        }
        names
    }

    /// Identifier names referenced inside a span's subtree starting at `node`.
    pub fn referenced_names(&self, node: NodeId) -> Vec<&'a str> {
        std::iter::once((node, self.nodes.get(node)))
            .chain(self.nodes.descendants(node))
            .filter_map(|(_, node)| match node.kind {
                AstKind::IdentifierReference(ident) => Some(ident.name.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The node id of an expression inside `within` with exactly this span.
    pub fn node_with_span(&self, within: NodeId, span: Span) -> Option<NodeId> {
        std::iter::once(within)
            .chain(self.nodes.descendants(within).map(|(id, _)| id))
            .find(|&id| self.nodes.kind(id).span() == span)
    }

    /// Whether a function node is the callback of an array iteration method.
    pub fn is_iteration_callback(&self, function: NodeId) -> bool {
        let Some(parent) = self.nodes.parent(function) else {
            return false;
        };
        let AstKind::CallExpression(call) = self.nodes.kind(parent) else {
            return false;
        };
        method_call(call).is_some_and(|(_, method)| {
            matches!(
                method,
                "forEach" | "map" | "flatMap" | "filter" | "reduce" | "some" | "every" | "find"
            )
        }) && call
            .arguments
            .first()
            .is_some_and(|first| first.span() == self.nodes.kind(function).span())
    }

    /// Whether the value of `node` is awaited directly (`await x`, looking
    /// through parentheses and TS casts).
    pub fn is_awaited(&self, node: NodeId) -> bool {
        for ancestor in self.nodes.ancestors(node) {
            match self.nodes.kind(ancestor) {
                AstKind::AwaitExpression(_) => return true,
                AstKind::ParenthesizedExpression(_)
                | AstKind::TSAsExpression(_)
                | AstKind::TSNonNullExpression(_)
                | AstKind::TSSatisfiesExpression(_) => {}
                _ => return false,
            }
        }
        false
    }

    /// How the rows of a SQL statement are used: for a wrapper's call, how
    /// the wrapper itself reads its `exec` (`return exec(q).toArray()`),
    /// else how the caller reads what the wrapper returns.
    pub fn sql_consumption(&self, exec: &SqlExec<'a>) -> Consumption {
        if let Some(inner) = exec.inner {
            let inside = self.consumption(inner);
            if inside != Consumption::Unknown {
                return inside;
            }
        }
        self.consumption(exec.node)
    }

    /// How the cursor returned by the call at `node` is used.
    pub fn consumption(&self, node: NodeId) -> Consumption {
        // A framework's tagged template returns the rows as an array.
        if matches!(self.nodes.kind(node), AstKind::TaggedTemplateExpression(_)) {
            return Consumption::ToArray;
        }
        self.consumption_at(node, 0)
    }

    fn consumption_at(&self, node: NodeId, depth: u8) -> Consumption {
        let Some(parent) = self.nodes.parent(node) else {
            return Consumption::Unknown;
        };
        match self.nodes.kind(parent) {
            // `const cursor = sql.exec(…)` consumed later: how its uses read it.
            AstKind::VariableDeclarator(declarator) if depth < 2 => {
                let (Some(name), Some(function)) = (
                    crate::optimize::semantic::binding_name(&declarator.id),
                    self.nodes.enclosing_function(parent),
                ) else {
                    return Consumption::Unknown;
                };
                super::lifecycle::references(self, function, name)
                    .into_iter()
                    .filter(|&reference| reference > parent)
                    .map(|reference| self.consumption_at(reference, depth + 1))
                    .find(|consumption| *consumption != Consumption::Unknown)
                    .unwrap_or(Consumption::Unknown)
            }
            AstKind::ParenthesizedExpression(_)
            | AstKind::TSAsExpression(_)
            | AstKind::TSNonNullExpression(_)
            | AstKind::AwaitExpression(_)
                if depth < 4 =>
            {
                self.consumption_at(parent, depth + 1)
            }
            // `for (const row of cursor) rows.push(row)`: every row collected.
            AstKind::ForOfStatement(statement)
                if self.text(statement.body.span()).contains(".push(") =>
            {
                Consumption::ToArray
            }
            AstKind::StaticMemberExpression(member) => {
                let method = member.property.name.as_str();
                match method {
                    "toArray" => Consumption::ToArray,
                    "one" => Consumption::One,
                    "raw" => Consumption::Raw,
                    "rowsRead" | "rowsWritten" | "columnNames" => Consumption::Discarded,
                    "next" => Consumption::One,
                    _ => Consumption::Unknown,
                }
            }
            AstKind::ExpressionStatement(_) => Consumption::Discarded,
            AstKind::SpreadElement(_) | AstKind::ArrayExpression(_) => Consumption::ToArray,
            AstKind::ForOfStatement(_) => Consumption::Iterated,
            AstKind::CallExpression(call) => {
                // `Array.from(cursor)`, `Response.json(cursor)`.
                match member_path(&call.callee).as_deref() {
                    Some(["Array", "from"]) | Some(["Response", "json"]) => Consumption::ToArray,
                    _ => Consumption::Unknown,
                }
            }
            _ => Consumption::Unknown,
        }
    }

    pub(super) fn node_of_function(&self, function: &Function<'a>) -> Option<NodeId> {
        self.node_of_span(function.span, false)
    }

    /// The function (or arrow) node with exactly this span.
    pub(super) fn node_of_span(&self, span: Span, arrow: bool) -> Option<NodeId> {
        // Nodes are in pre-order, so spans start in non-decreasing order:
        // binary search the first node starting at `span.start`.
        let count = self.nodes.len();
        let mut low = 0usize;
        let mut high = count;
        while low < high {
            let middle = (low + high) / 2;
            if self.nodes.kind(middle as NodeId).span().start < span.start {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        (low..count)
            .take_while(|&index| self.nodes.kind(index as NodeId).span().start == span.start)
            .map(|index| index as NodeId)
            .find(|&index| {
                let kind = self.nodes.kind(index);
                kind.span() == span
                    && match kind {
                        AstKind::Function(_) => !arrow,
                        AstKind::ArrowFunctionExpression(_) => arrow,
                        _ => false,
                    }
            })
    }
}

pub(super) struct AliasView<'m, 'a> {
    pub(super) locals: &'m HashMap<&'a str, StoragePath>,
    pub(super) fields: &'m HashMap<&'a str, StoragePath>,
    pub(super) typed: &'m HashMap<&'a str, StoragePath>,
}

impl<'a> AliasView<'_, 'a> {
    pub(super) fn classify(&self, expr: &Expression<'a>) -> Option<StoragePath> {
        match inner(expr) {
            Expression::Identifier(ident) => {
                let name = ident.name.as_str();
                self.locals
                    .get(name)
                    .or_else(|| self.typed.get(name))
                    .copied()
            }
            _ => {
                let (object, property) = static_member(expr)?;
                if is_this(object) {
                    return self.fields.get(property).copied();
                }
                step(self.classify(object)?, property)
            }
        }
    }
}

/// `State.storage` → Storage, `Storage.sql` → Sql, `Storage.kv` → Kv.
pub(super) fn step(base: StoragePath, property: &str) -> Option<StoragePath> {
    match (base, property) {
        (StoragePath::State, "storage") => Some(StoragePath::Storage),
        (StoragePath::Storage, "sql") => Some(StoragePath::Sql),
        (StoragePath::Storage, "kv") => Some(StoragePath::Kv),
        _ => None,
    }
}
