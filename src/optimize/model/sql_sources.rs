//! Where SQL comes from besides `<sql>.exec(…)`: a framework's tagged
//! template over `exec` (the Agents SDK's `` this.sql`…` ``) and same-file
//! wrappers whose string parameter reaches `exec` (`sql2(query, ...args)`,
//! `this.query(q, ...params)`). Both become [`SqlExec`] entries, so every
//! SQL rule reads them like an `exec` call.

use oxc_ast::AstKind;
use oxc_span::GetSpan;

use super::class_facts::parameter_names;
use super::*;
use crate::optimize::semantic::{binding_name, identifier_name, this_member};
use crate::optimize::sql;

/// What a wrapper is called as.
enum WrapperName<'a> {
    /// `this.<name>(…)` inside the class.
    Method(usize, &'a str),
    /// `<name>(…)` anywhere in the file.
    Function(&'a str),
}

impl<'a> FileModel<'a> {
    pub(super) fn collect_sql_sources(&mut self) {
        let mut found = Vec::new();
        // Tagged templates: `this.sql\`…\`` in a Durable Object class whose
        // `sql` is not the storage's own `SqlStorage` (a framework's tag).
        for (id, node) in self.nodes.iter() {
            let AstKind::TaggedTemplateExpression(tagged) = node.kind else {
                continue;
            };
            if this_member(&tagged.tag) != Some("sql") {
                continue;
            }
            let Some(class) = self.class_of(id) else {
                continue;
            };
            let class_model = &self.classes[class];
            if !class_model.is_do() || class_model.field_aliases.contains_key("sql") {
                continue;
            }
            let quasi = &tagged.quasi;
            let mut text = String::new();
            for (index, part) in quasi.quasis.iter().enumerate() {
                text.push_str(
                    part.value
                        .cooked
                        .as_deref()
                        .unwrap_or(part.value.raw.as_str()),
                );
                if index < quasi.expressions.len() {
                    text.push('?');
                }
            }
            let statements = sql::analyze(&text);
            found.push(SqlExec {
                node: id,
                call: None,
                origin: SqlOrigin::TaggedTemplate,
                inner: None,
                span: tagged.span,
                callee_span: tagged.tag.span(),
                query_span: quasi.span,
                class: Some(class),
                // Every `${…}` is a bound parameter.
                source: SqlSource::Literal,
                confident: class_model.is_framework(),
                text: Some(text),
                statements,
            });
        }
        // Wrappers: a function one of whose parameters is `exec`'s SQL.
        let mut wrappers: Vec<(WrapperName<'a>, bool, NodeId, usize, NodeId)> = Vec::new();
        for exec in &self.sql_execs {
            let Some(name) = exec.query().and_then(identifier_name) else {
                continue;
            };
            let Some(function) = self.nodes.enclosing_function(exec.node) else {
                continue;
            };
            let Some(position) = parameter_names(self, function)
                .iter()
                .position(|parameter| *parameter == Some(name))
            else {
                continue;
            };
            if let Some(&(class, method)) = self.method_nodes.get(&function) {
                let method_name = self.classes[class].methods[method].name;
                wrappers.push((
                    WrapperName::Method(class, method_name),
                    exec.confident,
                    function,
                    position,
                    exec.node,
                ));
                continue;
            }
            let function_name = match self.nodes.kind(function) {
                AstKind::Function(declared) => {
                    declared.id.as_ref().map(|ident| ident.name.as_str())
                }
                _ => None,
            }
            .or_else(|| {
                self.nodes
                    .parent(function)
                    .and_then(|parent| match self.nodes.kind(parent) {
                        AstKind::VariableDeclarator(declarator) => binding_name(&declarator.id),
                        _ => None,
                    })
            });
            if let Some(function_name) = function_name {
                wrappers.push((
                    WrapperName::Function(function_name),
                    exec.confident,
                    function,
                    position,
                    exec.node,
                ));
            }
        }
        if !wrappers.is_empty() {
            for &id in &self.calls {
                let AstKind::CallExpression(call) = self.nodes.kind(id) else {
                    continue;
                };
                let wrapper = wrappers.iter().find(|(name, _, function, _, _)| {
                    !self.nodes.contains(*function, id)
                        && match name {
                            WrapperName::Method(class, method) => {
                                this_member(&call.callee) == Some(*method)
                                    && self.class_of(id) == Some(*class)
                            }
                            WrapperName::Function(function_name) => {
                                identifier_name(&call.callee) == Some(*function_name)
                            }
                        }
                });
                let Some((_, confident, _, position, inner)) = wrapper else {
                    continue;
                };
                let Some(query) = argument(call, *position) else {
                    continue;
                };
                let (source, text) = self.sql_text(query, 0);
                let statements = text.as_deref().and_then(sql::analyze);
                found.push(SqlExec {
                    node: id,
                    call: Some(call),
                    origin: SqlOrigin::Wrapper,
                    inner: Some(*inner),
                    span: call.span,
                    callee_span: call.callee.span(),
                    query_span: query.span(),
                    class: self.class_of(id),
                    source,
                    confident: *confident,
                    text,
                    statements,
                });
            }
        }
        if !found.is_empty() {
            self.sql_execs.extend(found);
            self.sql_execs.sort_by_key(|exec| exec.node);
        }
    }
}
