//! The name-origin engine: where a value handed to `idFromName` /
//! `getByName` (and the Agents SDK's `getAgentByName`) comes from in the
//! request, and whether it was validated before use. Used by DO801
//! (untrusted-object-name).
//!
//! A small, intraprocedural taint analysis: the value is traced back
//! through locals, destructuring, string operations and templates to the
//! request (URL, query, headers, body, route parameters, cookies); a same-file
//! helper's parameter is followed to its callers. Any call the analysis does
//! not know (a validator, an authentication or lookup helper, a hash) ends
//! the trace, and a guard on the traced value before the use (a regex test,
//! an allow-list, a validator, a lookup that must succeed, a constraining
//! route pattern or schema) clears it. Recursion is bounded by a depth
//! counter.

use std::collections::HashSet;

use oxc_ast::AstKind;
use oxc_ast::ast::*;
use oxc_span::GetSpan;

use super::lifecycle::{
    Binding, child_with_span, contains_exit, own_descendants, reassignments, resolve,
};
use super::{FileModel, collect_binding_names};
use crate::optimize::semantic::{
    NodeId, argument, binding_name, identifier_name, inner, key_name, member_path, method_call,
    static_member, type_name,
};

/// Where in the request a value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Url,
    Query,
    Header,
    Body,
    RouteParameter,
    Cookie,
}

impl Source {
    pub fn describe(self) -> &'static str {
        match self {
            Source::Url => "the request URL",
            Source::Query => "a query parameter",
            Source::Header => "a request header",
            Source::Body => "the request body",
            Source::RouteParameter => "a route parameter",
            Source::Cookie => "a cookie",
        }
    }
}

/// What an expression holds, as far as the request is concerned.
#[derive(Debug, Clone, Copy)]
pub enum Taint<'a> {
    /// Not from the request, or cleared by an unknown call (a validator).
    Clean,
    /// The `Request` itself (or Hono's `c.req`, itty's request).
    Request,
    /// Hono's context `c`.
    Context,
    Headers,
    /// A `URL` object made from the request.
    UrlObject,
    /// A value the client chose.
    Value(Source),
    /// The output of a schema's `parse` of a client value.
    Parsed(&'a Expression<'a>, Source),
}

/// Headers Cloudflare sets (and overwrites) itself.
const TRUSTED_HEADERS: &[&str] = &[
    "cf-connecting-ip",
    "cf-connecting-ipv6",
    "cf-ipcountry",
    "cf-ray",
];

/// String and array methods that keep a client value a client value.
const TRANSPARENT_METHODS: &[&str] = &[
    "split",
    "slice",
    "substring",
    "substr",
    "toLowerCase",
    "toUpperCase",
    "toLocaleLowerCase",
    "toLocaleUpperCase",
    "trim",
    "trimStart",
    "trimEnd",
    "replace",
    "replaceAll",
    "normalize",
    "padStart",
    "padEnd",
    "concat",
    "at",
    "pop",
    "shift",
    "join",
    "toString",
    "valueOf",
    "get",
    "getAll",
    "filter",
    "find",
    "flat",
    "reverse",
    "repeat",
    "charAt",
];

/// Functions that keep a client value a client value.
const TRANSPARENT_FUNCTIONS: &[&str] = &[
    "decodeURIComponent",
    "decodeURI",
    "encodeURIComponent",
    "encodeURI",
    "String",
    "Number",
    "parseInt",
    "parseFloat",
    "atob",
    "btoa",
    "unescape",
    "escape",
];

/// Calls in a guard that check nothing about the value's content.
const NON_VALIDATING: &[&str] = &[
    "String",
    "Number",
    "Boolean",
    "parseInt",
    "parseFloat",
    "isNaN",
    "isFinite",
    "isInteger",
    "isSafeInteger",
    "isArray",
    "stringify",
    "log",
    "warn",
    "error",
    "info",
    "debug",
    "encodeURIComponent",
    "decodeURIComponent",
    "decodeURI",
    "startsWith",
    "endsWith",
    "trim",
    "toLowerCase",
    "toUpperCase",
    "slice",
    "substring",
    "json",
    "text",
];

/// Schema methods and fragments that constrain a string to a finite or
/// patterned set.
const SCHEMA_PATTERNS: &[&str] = &[
    ".regex(",
    ".uuid(",
    ".ulid(",
    ".cuid(",
    ".cuid2(",
    ".nanoid(",
    ".email(",
    "enum(",
    "literal(",
    "nativeEnum(",
    "pattern",
    ".guid(",
    ".ip(",
    "picklist(",
    ".refine(",
    ".superRefine(",
    "format:",
    "v.regex",
    ".hex(",
    "regex(",
];

/// Schema validators for Hono routes: `zValidator("param", schema)`.
const ROUTE_VALIDATORS: &[&str] = &[
    "zValidator",
    "vValidator",
    "tbValidator",
    "sValidator",
    "arktypeValidator",
    "typiaValidator",
    "effectValidator",
];

fn hash_like(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        "hash", "sha", "md5", "digest", "fnv", "murmur", "crc", "djb",
    ]
    .iter()
    .any(|fragment| lower.contains(fragment))
}

fn normalize(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if c == '\'' || c == '`' { '"' } else { c })
        .collect()
}

pub struct NameOrigins<'m, 'a> {
    model: &'m FileModel<'a>,
    /// Functions that serve Worker requests (for destructured router
    /// parameters).
    request_functions: Vec<NodeId>,
    /// Normalized texts of every expression the client value passed through.
    carriers: HashSet<String>,
    depth: u8,
}

impl<'m, 'a> NameOrigins<'m, 'a> {
    /// An analysis of `model`; `request_functions` are the functions that
    /// serve Worker requests ([`super::lifecycle::worker_request_functions`]).
    pub fn new(model: &'m FileModel<'a>, request_functions: Vec<NodeId>) -> Self {
        NameOrigins {
            model,
            request_functions,
            carriers: HashSet::new(),
            depth: 0,
        }
    }

    /// Normalized texts of every expression the traced value passed
    /// through (to name the variable a fix should check).
    pub fn carriers(&self) -> &HashSet<String> {
        &self.carriers
    }

    /// Where the client value `expr` (inside node `within`) comes from in
    /// the request, if it does.
    pub fn origin(&mut self, within: NodeId, expr: &Expression<'a>) -> Option<Source> {
        let node = self.node_of(within, expr)?;
        value_of(self.taint(node))
    }

    fn node_of(&self, within: NodeId, expr: &Expression<'a>) -> Option<NodeId> {
        let span = expr.span();
        if self.model.nodes.kind(within).span() == span {
            return Some(within);
        }
        child_with_span(self.model, within, span)
    }

    /// The taint of the expression at `node`.
    fn taint(&mut self, node: NodeId) -> Taint<'a> {
        if self.depth > 24 {
            return Taint::Clean;
        }
        self.depth += 1;
        let result = self.taint_inner(node);
        self.depth -= 1;
        if matches!(result, Taint::Value(_) | Taint::Parsed(..)) {
            self.carriers.insert(normalize(
                self.model.text(self.model.nodes.kind(node).span()),
            ));
        }
        result
    }

    fn taint_of(&mut self, within: NodeId, expr: &Expression<'a>) -> Taint<'a> {
        match self.node_of(within, expr) {
            Some(node) => self.taint(node),
            None => Taint::Clean,
        }
    }

    fn taint_inner(&mut self, node: NodeId) -> Taint<'a> {
        let model = self.model;
        match model.nodes.kind(node) {
            AstKind::ParenthesizedExpression(expression) => {
                self.taint_of(node, &expression.expression)
            }
            AstKind::TSAsExpression(expression) => self.taint_of(node, &expression.expression),
            AstKind::TSSatisfiesExpression(expression) => {
                self.taint_of(node, &expression.expression)
            }
            AstKind::TSNonNullExpression(expression) => self.taint_of(node, &expression.expression),
            AstKind::AwaitExpression(expression) => self.taint_of(node, &expression.argument),
            AstKind::ChainExpression(_) => {
                let first = model.nodes.descendants(node).next().map(|(id, _)| id);
                first.map_or(Taint::Clean, |child| self.taint(child))
            }
            AstKind::IdentifierReference(ident) => self.identifier(node, ident.name.as_str()),
            AstKind::StaticMemberExpression(member) => {
                let object = self.taint_of(node, &member.object);
                self.member(object, member.property.name.as_str())
            }
            AstKind::ComputedMemberExpression(member) => {
                match self.taint_of(node, &member.object) {
                    Taint::Value(source) => Taint::Value(source),
                    Taint::Parsed(schema, source) => match inner(&member.expression) {
                        Expression::StringLiteral(key) => {
                            self.parsed_field(schema, source, key.value.as_str())
                        }
                        _ => Taint::Value(source),
                    },
                    Taint::Headers => Taint::Value(Source::Header),
                    _ => Taint::Clean,
                }
            }
            AstKind::CallExpression(call) => self.call(node, call),
            AstKind::NewExpression(new) => {
                let constructor = identifier_name(&new.callee);
                let first = new.arguments.first().and_then(Argument::as_expression);
                match (constructor, first) {
                    (Some("URL"), Some(first)) => match self.taint_of(node, first) {
                        Taint::Value(_) | Taint::Request => Taint::UrlObject,
                        _ => Taint::Clean,
                    },
                    (Some("URLSearchParams"), Some(first)) => match self.taint_of(node, first) {
                        Taint::Value(source) => Taint::Value(source),
                        _ => Taint::Clean,
                    },
                    _ => Taint::Clean,
                }
            }
            AstKind::TemplateLiteral(template) => {
                let mut found = Taint::Clean;
                for expression in &template.expressions {
                    if let Taint::Value(source) | Taint::Parsed(_, source) =
                        self.taint_of(node, expression)
                    {
                        found = Taint::Value(source);
                    }
                }
                found
            }
            AstKind::BinaryExpression(binary) => {
                if binary.operator != BinaryOperator::Addition {
                    // `hash % 16`, arithmetic and comparisons: bounded or boolean.
                    return Taint::Clean;
                }
                let left = self.taint_of(node, &binary.left);
                let right = self.taint_of(node, &binary.right);
                value_of(left)
                    .or(value_of(right))
                    .map_or(Taint::Clean, Taint::Value)
            }
            AstKind::LogicalExpression(logical) => {
                let right = self.taint_of(node, &logical.right);
                if logical.operator == LogicalOperator::And {
                    return right;
                }
                let left = self.taint_of(node, &logical.left);
                if value_of(left).is_some() {
                    return left;
                }
                // `CF-Connecting-IP ?? X-Forwarded-For`: on Cloudflare the
                // trusted header is always there; the fallback never runs.
                if let Expression::CallExpression(call) = inner(&logical.left)
                    && method_call(call)
                        .is_some_and(|(_, method)| matches!(method, "get" | "header"))
                    && argument(call, 0)
                        .and_then(|name| self.model.constant_string(name, 0))
                        .is_some_and(|name| {
                            TRUSTED_HEADERS.contains(&name.to_ascii_lowercase().as_str())
                        })
                {
                    return Taint::Clean;
                }
                right
            }
            AstKind::ConditionalExpression(conditional) => {
                // `ALLOWED.has(x) ? x : "lobby"`: a branch taken only when
                // the test validated the value is clean.
                let test = self.node_of(node, &conditional.test);
                let branch = |analysis: &mut Self, expr: &Expression<'a>, truth: bool| {
                    let taint = value_of(analysis.taint_of(node, expr))?;
                    match test {
                        Some(test) if analysis.validates_when(test, truth, 0) => None,
                        _ => Some(taint),
                    }
                };
                let consequent = branch(self, &conditional.consequent, true);
                let alternate = branch(self, &conditional.alternate, false);
                consequent.or(alternate).map_or(Taint::Clean, Taint::Value)
            }
            _ => Taint::Clean,
        }
    }

    fn member(&mut self, object: Taint<'a>, property: &str) -> Taint<'a> {
        match object {
            Taint::Request => match property {
                "url" | "path" => Taint::Value(Source::Url),
                "headers" => Taint::Headers,
                "params" => Taint::Value(Source::RouteParameter),
                "query" => Taint::Value(Source::Query),
                "body" | "content" => Taint::Value(Source::Body),
                // Hono's `c.req.raw` is the Request itself.
                "raw" => Taint::Request,
                _ => Taint::Clean,
            },
            Taint::Context => match property {
                "req" | "request" => Taint::Request,
                // Pages Functions: `context.params.room`.
                "params" => Taint::Value(Source::RouteParameter),
                _ => Taint::Clean,
            },
            Taint::UrlObject => match property {
                "searchParams" | "search" => Taint::Value(Source::Query),
                _ => Taint::Value(Source::Url),
            },
            Taint::Value(source) => match property {
                "length" => Taint::Clean,
                _ => Taint::Value(source),
            },
            Taint::Parsed(schema, source) => match property {
                "data" | "output" | "value" => Taint::Parsed(schema, source),
                "success" | "error" | "issues" => Taint::Clean,
                field => self.parsed_field(schema, source, field),
            },
            _ => Taint::Clean,
        }
    }

    fn parsed_field(
        &mut self,
        schema: &'a Expression<'a>,
        source: Source,
        field: &str,
    ) -> Taint<'a> {
        if schema_validates(self.model, schema, Some(field), 0) {
            Taint::Clean
        } else {
            Taint::Value(source)
        }
    }

    fn identifier(&mut self, node: NodeId, name: &str) -> Taint<'a> {
        let model = self.model;
        match resolve(model, node, name) {
            Some(Binding::Parameter {
                function,
                index,
                parameter,
            }) => {
                let typed = type_name(parameter.type_annotation.as_deref());
                if matches!(
                    typed,
                    Some("Request" | "IRequest" | "IRequestStrict" | "HonoRequest" | "RequestLike")
                ) {
                    return Taint::Request;
                }
                // Hono's `Context`, Pages' `EventContext`.
                if matches!(typed, Some("Context" | "EventContext")) && index == 0 {
                    return Taint::Context;
                }
                match &parameter.pattern {
                    BindingPattern::BindingIdentifier(_) => match name {
                        "request" | "req" if typed.is_none() || typed == Some("Request") => {
                            Taint::Request
                        }
                        "c" | "ctx" | "context"
                            if index == 0 && self.request_functions.contains(&function) =>
                        {
                            Taint::Context
                        }
                        _ => self.caller_argument(function, index),
                    },
                    // itty-router: `({ params, query }) => …`.
                    BindingPattern::ObjectPattern(pattern)
                        if index == 0 && self.request_functions.contains(&function) =>
                    {
                        let key = pattern.properties.iter().find_map(|property| {
                            let mut names = HashSet::new();
                            collect_binding_names(&property.value, &mut names);
                            names
                                .contains(name)
                                .then(|| key_name(&property.key))
                                .flatten()
                        });
                        match key {
                            Some(key) => self.member(Taint::Request, key),
                            None => Taint::Clean,
                        }
                    }
                    _ => Taint::Clean,
                }
            }
            Some(Binding::Local {
                declarator,
                node: declarator_node,
            }) => {
                let Some(init) = &declarator.init else {
                    // `let name; try { name = url.searchParams.get("n") } …`:
                    // the value is what a later assignment gives it.
                    return self.assigned_later(declarator_node, name);
                };
                let init_taint = self.taint_of(declarator_node, init);
                let taint = match &declarator.id {
                    BindingPattern::BindingIdentifier(_) => init_taint,
                    BindingPattern::ObjectPattern(pattern) => {
                        let key = pattern.properties.iter().find_map(|property| {
                            let mut names = HashSet::new();
                            collect_binding_names(&property.value, &mut names);
                            names
                                .contains(name)
                                .then(|| key_name(&property.key))
                                .flatten()
                        });
                        match key {
                            Some(key) => self.member(init_taint, key),
                            None => match init_taint {
                                Taint::Value(source) => Taint::Value(source),
                                _ => Taint::Clean,
                            },
                        }
                    }
                    BindingPattern::ArrayPattern(_) => match init_taint {
                        Taint::Value(source) | Taint::Parsed(_, source) => Taint::Value(source),
                        _ => Taint::Clean,
                    },
                    BindingPattern::AssignmentPattern(_) => init_taint,
                };
                if value_of(taint).is_none() {
                    // `let room = ""; try { room = url.searchParams.get(…) }`.
                    if matches!(declarator.id, BindingPattern::BindingIdentifier(_)) {
                        let later = self.assigned_later(declarator_node, name);
                        if value_of(later).is_some() {
                            return later;
                        }
                    }
                    return taint;
                }
                // A reassignment to a checked value (`name = parseName(name)`)
                // clears it; reassignments to constants keep it.
                let scope = model.nodes.enclosing_function(declarator_node).unwrap_or(0);
                for assignment in reassignments(model, scope, name) {
                    if matches!(
                        inner(&assignment.right),
                        Expression::StringLiteral(_)
                            | Expression::NumericLiteral(_)
                            | Expression::TemplateLiteral(_)
                    ) {
                        continue;
                    }
                    let Some(right) = child_with_span(model, scope, assignment.right.span()) else {
                        continue;
                    };
                    if value_of(self.taint(right)).is_none() {
                        return Taint::Clean;
                    }
                }
                taint
            }
            _ => Taint::Clean,
        }
    }

    /// A parameter of a named helper in this file (`handleApi(path, env)`):
    /// the client value one of its callers passes at `index`, unvalidated at
    /// that call site.
    fn caller_argument(&mut self, function: NodeId, index: usize) -> Taint<'a> {
        let model = self.model;
        if let Some(taint) = self.callback_argument(function, index) {
            return taint;
        }
        if let Some(taint) = self.factory_argument(function, index) {
            return taint;
        }
        let name = match model.nodes.kind(function) {
            AstKind::Function(function) => function.id.as_ref().map(|id| id.name.as_str()),
            AstKind::ArrowFunctionExpression(_) => None,
            _ => return Taint::Clean,
        };
        let name = name.or_else(|| {
            model
                .nodes
                .parent(function)
                .and_then(|parent| match model.nodes.kind(parent) {
                    AstKind::VariableDeclarator(declarator) => binding_name(&declarator.id),
                    _ => None,
                })
        });
        let Some(name) = name else {
            return Taint::Clean;
        };
        let callers: Vec<(NodeId, &'a CallExpression<'a>)> = model
            .nodes
            .iter()
            .filter_map(|(id, node)| match node.kind {
                AstKind::CallExpression(call)
                    if identifier_name(&call.callee) == Some(name)
                        && !model.nodes.contains(function, id) =>
                {
                    Some((id, call))
                }
                _ => None,
            })
            .collect();
        for (id, call) in callers {
            if call.arguments.iter().take(index + 1).any(|a| a.is_spread()) {
                continue;
            }
            let Some(argument) = argument(call, index) else {
                continue;
            };
            let taint = self.taint_of(id, argument);
            if value_of(taint).is_some() && !self.guarded(id) {
                return taint;
            }
        }
        Taint::Clean
    }

    /// A name declared without a value and assigned later (also inside a
    /// `try`): the first assignment that carries a client value.
    fn assigned_later(&mut self, declarator_node: NodeId, name: &str) -> Taint<'a> {
        let model = self.model;
        let scope = model.nodes.enclosing_function(declarator_node).unwrap_or(0);
        for assignment in reassignments(model, scope, name) {
            let Some(right) = model.node_with_span(scope, assignment.right.span()) else {
                continue;
            };
            let taint = self.taint(right);
            if value_of(taint).is_some() {
                return taint;
            }
        }
        Taint::Clean
    }

    /// The element parameter of a callback iterating a client value
    /// (`names.map((name) => …)`, `rooms.forEach(…)`): an element of it.
    fn callback_argument(&mut self, function: NodeId, index: usize) -> Option<Taint<'a>> {
        let model = self.model;
        if index != 0 || !model.is_iteration_callback(function) {
            return None;
        }
        let parent = model.nodes.parent(function)?;
        let AstKind::CallExpression(call) = model.nodes.kind(parent) else {
            return None;
        };
        let (receiver, _) = method_call(call)?;
        Some(match self.taint_of(parent, receiver) {
            Taint::Value(source) | Taint::Parsed(_, source) => Taint::Value(source),
            _ => Taint::Clean,
        })
    }

    /// A parameter of a closure a factory returns (`const open =
    /// forRoom(env); open(room)`): the values the closure's callers pass.
    fn factory_argument(&mut self, function: NodeId, index: usize) -> Option<Taint<'a>> {
        let model = self.model;
        let parent = model.nodes.parent(function)?;
        let returned = matches!(model.nodes.kind(parent), AstKind::ReturnStatement(_))
            || matches!(
                model.nodes.kind(parent),
                AstKind::ArrowFunctionExpression(_)
            )
            || model.nodes.parent(parent).is_some_and(|grand| {
                matches!(model.nodes.kind(parent), AstKind::ExpressionStatement(_))
                    && matches!(model.nodes.kind(grand), AstKind::FunctionBody(_))
            });
        if !returned {
            return None;
        }
        let factory = model.nodes.enclosing_function(function)?;
        let factory_name = match model.nodes.kind(factory) {
            AstKind::Function(declared) => declared.id.as_ref().map(|id| id.name.as_str()),
            _ => None,
        }
        .or_else(|| {
            model
                .nodes
                .parent(factory)
                .and_then(|parent| match model.nodes.kind(parent) {
                    AstKind::VariableDeclarator(declarator) => binding_name(&declarator.id),
                    _ => None,
                })
        })?;
        // The locals that hold a closure made by the factory.
        let holders: Vec<&'a str> = model
            .nodes
            .iter()
            .filter_map(|(_, node)| match node.kind {
                AstKind::VariableDeclarator(declarator) => {
                    match declarator.init.as_ref().map(inner) {
                        Some(Expression::CallExpression(made))
                            if identifier_name(&made.callee) == Some(factory_name) =>
                        {
                            binding_name(&declarator.id)
                        }
                        _ => None,
                    }
                }
                _ => None,
            })
            .collect();
        if holders.is_empty() {
            return None;
        }
        let callers: Vec<(NodeId, &'a CallExpression<'a>)> = model
            .nodes
            .iter()
            .filter_map(|(id, node)| match node.kind {
                AstKind::CallExpression(call)
                    if identifier_name(&call.callee)
                        .is_some_and(|name| holders.contains(&name)) =>
                {
                    Some((id, call))
                }
                _ => None,
            })
            .collect();
        for (id, call) in callers {
            let Some(argument) = argument(call, index) else {
                continue;
            };
            let taint = self.taint_of(id, argument);
            if value_of(taint).is_some() && !self.guarded(id) {
                return Some(taint);
            }
        }
        Some(Taint::Clean)
    }

    fn call(&mut self, node: NodeId, call: &'a CallExpression<'a>) -> Taint<'a> {
        let model = self.model;
        let any_argument_tainted = |analysis: &mut Self| {
            call.arguments
                .iter()
                .filter_map(Argument::as_expression)
                .find_map(|argument| match analysis.taint_of(node, argument) {
                    Taint::Value(source) | Taint::Parsed(_, source) => Some(source),
                    _ => None,
                })
        };
        if let Some(function) = identifier_name(&call.callee) {
            if TRANSPARENT_FUNCTIONS.contains(&function) || hash_like(function) {
                return any_argument_tainted(self).map_or(Taint::Clean, Taint::Value);
            }
            // `getCookie(c, "session")` (hono/cookie) and friends.
            if function.to_ascii_lowercase().contains("cookie") {
                let from_request = call
                    .arguments
                    .iter()
                    .filter_map(Argument::as_expression)
                    .any(|argument| {
                        matches!(
                            self.taint_of(node, argument),
                            Taint::Request | Taint::Context
                        )
                    });
                return if from_request {
                    Taint::Value(Source::Cookie)
                } else {
                    Taint::Clean
                };
            }
            return Taint::Clean;
        }
        let Some((receiver, method)) = method_call(call) else {
            return Taint::Clean;
        };
        if member_path(&call.callee).as_deref() == Some(&["JSON", "parse"]) {
            return any_argument_tainted(self).map_or(Taint::Clean, Taint::Value);
        }
        // `v.parse(Schema, input)` (valibot) / `Schema.parse(input)` (zod…).
        if matches!(
            method,
            "parse"
                | "safeParse"
                | "parseAsync"
                | "safeParseAsync"
                | "validate"
                | "validateSync"
                | "assert"
                | "is"
        ) {
            let valibot = identifier_name(receiver).is_some_and(|name| {
                model
                    .imports
                    .get(name)
                    .is_some_and(|import| import.source == "valibot")
            });
            let (schema, inputs): (Option<&'a Expression<'a>>, Vec<&'a Expression<'a>>) = if valibot
            {
                (
                    argument(call, 0),
                    call.arguments
                        .iter()
                        .skip(1)
                        .filter_map(Argument::as_expression)
                        .collect(),
                )
            } else {
                (
                    Some(receiver),
                    call.arguments
                        .iter()
                        .filter_map(Argument::as_expression)
                        .collect(),
                )
            };
            let mut source = None;
            for input in inputs {
                if let Taint::Value(found) | Taint::Parsed(_, found) = self.taint_of(node, input) {
                    source = Some(found);
                }
            }
            return match (schema, source) {
                (Some(schema), Some(source)) if method != "is" => Taint::Parsed(schema, source),
                _ => Taint::Clean,
            };
        }
        let receiver_taint = self.taint_of(node, receiver);
        match receiver_taint {
            Taint::Headers if method == "get" => header_taint(model, call, 0),
            Taint::Request => match method {
                "json" | "text" | "formData" | "arrayBuffer" | "blob" | "parseBody" => {
                    Taint::Value(Source::Body)
                }
                "clone" => Taint::Request,
                // Hono: `c.req.param("id")`, `c.req.query("q")`, `c.req.header("x")`.
                "param" => {
                    if self.route_pattern_constrains(node, call) {
                        Taint::Clean
                    } else {
                        Taint::Value(Source::RouteParameter)
                    }
                }
                "query" | "queries" => Taint::Value(Source::Query),
                "header" => header_taint(model, call, 0),
                "cookie" => Taint::Value(Source::Cookie),
                // `c.req.valid("json")`: whatever the route's validator checked.
                "valid" => match self.route_schema(node, call) {
                    Some(Some(schema)) => Taint::Parsed(schema, Source::Body),
                    _ => Taint::Clean,
                },
                _ => Taint::Clean,
            },
            Taint::Value(source) | Taint::Parsed(_, source) => {
                if TRANSPARENT_METHODS.contains(&method) {
                    Taint::Value(source)
                } else {
                    Taint::Clean
                }
            }
            Taint::UrlObject if method == "toString" => Taint::Value(Source::Url),
            _ => {
                if hash_like(method) {
                    any_argument_tainted(self).map_or(Taint::Clean, Taint::Value)
                } else {
                    Taint::Clean
                }
            }
        }
    }

    /// The route registration call (`app.get("/x/:id", …)`) around `node`.
    fn route_call(&self, node: NodeId) -> Option<&'a CallExpression<'a>> {
        self.model.nodes.ancestors(node).find_map(|ancestor| {
            match self.model.nodes.kind(ancestor) {
                AstKind::CallExpression(call)
                    if method_call(call).is_some_and(|(_, method)| {
                        matches!(
                            method,
                            "get" | "post" | "put" | "patch" | "delete" | "all" | "on" | "options"
                        )
                    }) && matches!(
                        argument(call, 0).map(inner),
                        Some(Expression::StringLiteral(_))
                    ) =>
                {
                    Some(call)
                }
                _ => None,
            }
        })
    }

    /// `c.req.param("id")` on a route `/:id{[0-9a-f]+}`: Hono checks the pattern.
    fn route_pattern_constrains(&self, node: NodeId, call: &CallExpression<'a>) -> bool {
        let Some(route) = self.route_call(node) else {
            return false;
        };
        let Some(Expression::StringLiteral(path)) = argument(route, 0).map(inner) else {
            return false;
        };
        let path = path.value.as_str();
        let constrained = |name: &str| {
            path.find(&format!(":{name}"))
                .is_some_and(|at| path[at + 1 + name.len()..].starts_with('{'))
        };
        match argument(call, 0).map(inner) {
            Some(Expression::StringLiteral(name)) => constrained(name.value.as_str()),
            // `c.req.param()` returns all of them: every one must be constrained.
            None => {
                let names: Vec<&str> = path
                    .split('/')
                    .filter_map(|segment| segment.strip_prefix(':'))
                    .map(|segment| segment.split(['{', '?']).next().unwrap_or(segment))
                    .collect();
                !names.is_empty() && names.iter().all(|name| constrained(name))
            }
            _ => false,
        }
    }

    /// The schema of the route's `zValidator(target, schema)`:
    /// `Some(Some(schema))`, `Some(None)` for a custom validator function,
    /// `None` when there is none.
    fn route_schema(
        &self,
        node: NodeId,
        call: &CallExpression<'a>,
    ) -> Option<Option<&'a Expression<'a>>> {
        let route = self.route_call(node)?;
        let target = match argument(call, 0).map(inner) {
            Some(Expression::StringLiteral(target)) => target.value.as_str(),
            _ => return Some(None),
        };
        route
            .arguments
            .iter()
            .filter_map(Argument::as_expression)
            .find_map(|argument| {
                let Expression::CallExpression(validator) = inner(argument) else {
                    return None;
                };
                let name = identifier_name(&validator.callee)?;
                let first = match crate::optimize::semantic::argument(validator, 0).map(inner) {
                    Some(Expression::StringLiteral(first)) => first.value.as_str(),
                    _ => return None,
                };
                if first != target {
                    return None;
                }
                if ROUTE_VALIDATORS.contains(&name) {
                    Some(crate::optimize::semantic::argument(validator, 1))
                } else if name == "validator" {
                    Some(None)
                } else {
                    None
                }
            })
    }

    /// Whether the test at `node`, when it evaluates to `truth`, implies
    /// that a carrier of the client value passed a check (negations, `&&`,
    /// `||`, and comparisons with non-empty literals are followed).
    fn validates_when(&mut self, node: NodeId, truth: bool, depth: u8) -> bool {
        if depth > 8 {
            return false;
        }
        let model = self.model;
        match model.nodes.kind(node) {
            AstKind::ParenthesizedExpression(expression) => self
                .node_of(node, &expression.expression)
                .is_some_and(|inner| self.validates_when(inner, truth, depth + 1)),
            AstKind::UnaryExpression(unary) if unary.operator == UnaryOperator::LogicalNot => self
                .node_of(node, &unary.argument)
                .is_some_and(|inner| self.validates_when(inner, !truth, depth + 1)),
            AstKind::LogicalExpression(logical)
                if logical.operator != LogicalOperator::Coalesce =>
            {
                let (Some(left), Some(right)) = (
                    self.node_of(node, &logical.left),
                    self.node_of(node, &logical.right),
                ) else {
                    return false;
                };
                let and = logical.operator == LogicalOperator::And;
                if and == truth {
                    // Both sides hold (`a && b` true, `a || b` false): either may validate.
                    self.validates_when(left, truth, depth + 1)
                        || self.validates_when(right, truth, depth + 1)
                } else {
                    // One side holds, we do not know which: both must validate.
                    self.validates_when(left, truth, depth + 1)
                        && self.validates_when(right, truth, depth + 1)
                }
            }
            AstKind::BinaryExpression(binary) => {
                let negated = match binary.operator {
                    BinaryOperator::StrictEquality | BinaryOperator::Equality => false,
                    BinaryOperator::StrictInequality | BinaryOperator::Inequality => true,
                    _ => return truth && self.validating_test(node, 0),
                };
                let equal = truth != negated;
                // `check(x) === false`, `check(x) !== true`.
                let boolean = |expr: &Expression<'_>| match inner(expr) {
                    Expression::BooleanLiteral(literal) => Some(literal.value),
                    _ => None,
                };
                if let Some(value) = boolean(&binary.right).or(boolean(&binary.left)) {
                    let other = if boolean(&binary.right).is_some() {
                        &binary.left
                    } else {
                        &binary.right
                    };
                    return self.node_of(node, other).is_some_and(|other| {
                        self.validates_when(other, equal == value, depth + 1)
                    });
                }
                // `row === null`, `row !== undefined`: a presence test of the
                // other side (`if (row === null) return` after a lookup).
                let nullish = |expr: &Expression<'_>| match inner(expr) {
                    Expression::NullLiteral(_) => true,
                    Expression::Identifier(ident) => ident.name == "undefined",
                    _ => false,
                };
                if nullish(&binary.left) || nullish(&binary.right) {
                    let other = if nullish(&binary.right) {
                        &binary.left
                    } else {
                        &binary.right
                    };
                    return self
                        .node_of(node, other)
                        .is_some_and(|other| self.validates_when(other, !equal, depth + 1));
                }
                // `x === "lobby"`: an allow-list of one.
                let literal = |expr: &Expression<'_>| matches!(inner(expr), Expression::StringLiteral(literal) if !literal.value.is_empty());
                equal
                    && ((literal(&binary.left) && self.is_carrier(&binary.right))
                        || (literal(&binary.right) && self.is_carrier(&binary.left)))
            }
            _ => truth && self.validating_test(node, depth),
        }
    }

    /// Whether the test at `node` checks a carrier of the client value:
    /// a regex, an allow-list, a validator or lookup call, a comparison
    /// with literals. Presence, `typeof` and length checks are not.
    fn validating_test(&mut self, node: NodeId, depth: u8) -> bool {
        let model = self.model;
        let subtree: Vec<(NodeId, AstKind<'a>)> = std::iter::once((node, model.nodes.kind(node)))
            .chain(own_descendants(model, node))
            .collect();
        for (id, kind) in subtree {
            match kind {
                AstKind::CallExpression(call) if self.validating_call(id, call) => return true,
                AstKind::BinaryExpression(binary) => {
                    let equality = matches!(
                        binary.operator,
                        BinaryOperator::StrictEquality
                            | BinaryOperator::Equality
                            | BinaryOperator::StrictInequality
                            | BinaryOperator::Inequality
                    );
                    let literal = |expr: &Expression<'_>| matches!(inner(expr), Expression::StringLiteral(literal) if !literal.value.is_empty());
                    if equality
                        && ((literal(&binary.left) && self.is_carrier(&binary.right))
                            || (literal(&binary.right) && self.is_carrier(&binary.left)))
                    {
                        return true;
                    }
                    if binary.operator == BinaryOperator::In && self.is_carrier(&binary.left) {
                        return true;
                    }
                }
                // `const ok = RE.test(name); if (!ok) return …`,
                // `const room = await env.DB…bind(name).first(); if (!room) …`.
                AstKind::IdentifierReference(ident) if depth < 2 => {
                    if let Some(Binding::Local {
                        declarator,
                        node: declarator_node,
                    }) = resolve(model, id, ident.name.as_str())
                        && declarator.init.is_some()
                        && !self.carriers.contains(ident.name.as_str())
                        && self.validating_test(declarator_node, depth + 1)
                    {
                        return true;
                    }
                }
                _ => {}
            }
        }
        false
    }

    fn is_carrier(&self, expr: &Expression<'_>) -> bool {
        self.carriers
            .contains(&normalize(self.model.text(expr.span())))
    }

    /// Whether the expression at `node` mentions a carrier.
    fn mentions_carrier(&self, node: NodeId) -> bool {
        std::iter::once(node)
            .chain(self.model.nodes.descendants(node).map(|(id, _)| id))
            .any(|id| {
                let kind = self.model.nodes.kind(id);
                matches!(
                    kind,
                    AstKind::IdentifierReference(_)
                        | AstKind::StaticMemberExpression(_)
                        | AstKind::ComputedMemberExpression(_)
                        | AstKind::CallExpression(_)
                ) && self
                    .carriers
                    .contains(&normalize(self.model.text(kind.span())))
            })
    }

    fn validating_call(&mut self, node: NodeId, call: &'a CallExpression<'a>) -> bool {
        let model = self.model;
        let argument_nodes: Vec<NodeId> = call
            .arguments
            .iter()
            .filter_map(Argument::as_expression)
            .filter_map(|argument| self.node_of(node, argument))
            .collect();
        let argument_is_carrier = argument_nodes
            .iter()
            .any(|&argument| self.mentions_carrier(argument));
        match method_call(call) {
            Some((receiver, method)) => {
                let receiver_is_carrier = self
                    .node_of(node, receiver)
                    .is_some_and(|receiver| self.mentions_carrier(receiver));
                match method {
                    // `RE.test(name)`, `RE.exec(name)`.
                    "test" | "exec" => argument_is_carrier,
                    // `name.match(RE)`.
                    "match" | "search" | "matchAll" => receiver_is_carrier,
                    // `ALLOWED.has(name)`, `[…].includes(name)`.
                    "has" | "includes" | "indexOf" | "hasOwnProperty" | "hasOwn" => {
                        argument_is_carrier && !receiver_is_carrier
                    }
                    "parse" | "safeParse" | "parseAsync" | "safeParseAsync" | "is" => {
                        argument_is_carrier && schema_validates(model, receiver, None, 0)
                    }
                    _ if NON_VALIDATING.contains(&method) => false,
                    // A validator or a lookup: `validator.isUUID(name)`,
                    // `env.ROOMS_KV.get(name)`, `db.prepare(…).bind(name)`.
                    _ => argument_is_carrier,
                }
            }
            None => {
                let Some(function) = identifier_name(&call.callee) else {
                    return false;
                };
                argument_is_carrier
                    && !NON_VALIDATING.contains(&function)
                    && !TRANSPARENT_FUNCTIONS.contains(&function)
                    && !hash_like(function)
            }
        }
    }

    /// Whether the branch of `if`/`?:` at `branching` that holds `child`
    /// can only be reached when `test` validated the value: the consequent
    /// when the test passes, the alternative when it fails.
    fn branch_validates(
        &mut self,
        branching: NodeId,
        test: &Expression<'a>,
        consequent: Span,
        child: Span,
    ) -> bool {
        if test.span().contains_inclusive(child) {
            return false;
        }
        let Some(test) = self.node_of(branching, test) else {
            return false;
        };
        let truth = consequent.contains_inclusive(child);
        self.validates_when(test, truth, 0)
    }

    /// Whether a guard before `sink` (or around it) validates the value.
    pub fn guarded(&mut self, sink: NodeId) -> bool {
        let model = self.model;
        let mut child = sink;
        for ancestor in model.nodes.ancestors(sink).collect::<Vec<_>>() {
            let child_span = model.nodes.kind(child).span();
            match model.nodes.kind(ancestor) {
                // The branch the sink is in must imply that the check passed:
                // `if (RE.test(x)) { sink }`, `if (!RE.test(x)) … else { sink }`.
                AstKind::IfStatement(statement)
                    if self.branch_validates(
                        ancestor,
                        &statement.test,
                        statement.consequent.span(),
                        child_span,
                    ) =>
                {
                    return true;
                }
                AstKind::ConditionalExpression(conditional)
                    if self.branch_validates(
                        ancestor,
                        &conditional.test,
                        conditional.consequent.span(),
                        child_span,
                    ) =>
                {
                    return true;
                }
                AstKind::LogicalExpression(logical) => {
                    if logical.right.span().contains_inclusive(child_span)
                        && let Some(test) = self.node_of(ancestor, &logical.left)
                    {
                        let truth = match logical.operator {
                            LogicalOperator::And => Some(true),
                            LogicalOperator::Or => Some(false),
                            LogicalOperator::Coalesce => None,
                        };
                        if truth.is_some_and(|truth| self.validates_when(test, truth, 0)) {
                            return true;
                        }
                    }
                }
                AstKind::SwitchStatement(switch) => {
                    let in_case = switch.cases.iter().any(|case| {
                        case.test
                            .as_ref()
                            .is_some_and(|test| matches!(inner(test), Expression::StringLiteral(_)))
                            && case.span.contains_inclusive(child_span)
                    });
                    if in_case && self.is_carrier(&switch.discriminant) {
                        return true;
                    }
                }
                _ => {}
            }
            // Earlier statements of the same block.
            let statements: Option<&'a oxc_allocator::Vec<'a, Statement<'a>>> =
                match model.nodes.kind(ancestor) {
                    AstKind::BlockStatement(block) => Some(&block.body),
                    AstKind::FunctionBody(body) => Some(&body.statements),
                    AstKind::SwitchCase(case) => Some(&case.consequent),
                    AstKind::Program(program) => Some(&program.body),
                    _ => None,
                };
            if let Some(statements) = statements {
                for statement in statements.iter() {
                    if statement.span().start >= child_span.start {
                        break;
                    }
                    if self.guarding_statement(ancestor, statement) {
                        return true;
                    }
                }
            }
            child = ancestor;
        }
        false
    }

    /// `if (!valid(name)) return …;`, `assertRoom(name);`, `Schema.parse(name);`.
    fn guarding_statement(&mut self, within: NodeId, statement: &'a Statement<'a>) -> bool {
        let model = self.model;
        match statement {
            Statement::IfStatement(statement) => {
                let Some(if_node) = child_with_span(model, within, statement.span) else {
                    return false;
                };
                let exits = |branch: &Statement<'_>| {
                    child_with_span(model, if_node, branch.span())
                        .is_some_and(|branch| contains_exit(model, branch))
                };
                let Some(test) = self.node_of(if_node, &statement.test) else {
                    return false;
                };
                // `if (!check) return;` continues only when the check passed;
                // `if (check) { … } else return;` too.
                (exits(&statement.consequent) && self.validates_when(test, false, 0))
                    || (statement.alternate.as_ref().is_some_and(exits)
                        && self.validates_when(test, true, 0))
            }
            Statement::ExpressionStatement(expression) => {
                let call = match inner(&expression.expression) {
                    Expression::AwaitExpression(await_expression) => {
                        inner(&await_expression.argument)
                    }
                    other => other,
                };
                let Expression::CallExpression(call) = call else {
                    return false;
                };
                let name = identifier_name(&call.callee)
                    .or_else(|| static_member(&call.callee).map(|(_, name)| name))
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                let asserting = [
                    "assert", "validat", "ensure", "verify", "check", "require", "parse",
                ]
                .iter()
                .any(|word| name.contains(word));
                asserting
                    && child_with_span(model, within, call.span)
                        .is_some_and(|node| self.validating_call(node, call))
            }
            _ => false,
        }
    }
}

fn value_of(taint: Taint<'_>) -> Option<Source> {
    match taint {
        Taint::Value(source) | Taint::Parsed(_, source) => Some(source),
        _ => None,
    }
}

fn header_taint<'a>(model: &FileModel<'a>, call: &CallExpression<'a>, index: usize) -> Taint<'a> {
    match argument(call, index).and_then(|name| model.constant_string(name, 0)) {
        Some(name) if TRUSTED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) => Taint::Clean,
        _ => Taint::Value(Source::Header),
    }
}

/// Whether a schema constrains the value (for an object schema, the
/// `field`): a pattern, a format, an enum or literal. An unresolvable schema
/// is given the benefit of the doubt.
fn schema_validates(
    model: &FileModel<'_>,
    schema: &Expression<'_>,
    field: Option<&str>,
    depth: u8,
) -> bool {
    if depth > 3 {
        return true;
    }
    let schema = match inner(schema) {
        Expression::Identifier(ident) => match model.constants.get(ident.name.as_str()) {
            Some(init) => *init,
            None => return true,
        },
        other => other,
    };
    let text = model.text(schema.span());
    let has_pattern = |text: &str| SCHEMA_PATTERNS.iter().any(|pattern| text.contains(pattern));
    let Some(field) = field else {
        return has_pattern(text);
    };
    // Find `field: <schema>` inside the object schema.
    let Some(schema_node) = model.node_with_span(0, schema.span()) else {
        return true;
    };
    let property = model
        .nodes
        .descendants(schema_node)
        .find_map(|(_, node)| match node.kind {
            AstKind::ObjectProperty(property) if key_name(&property.key) == Some(field) => {
                Some(property)
            }
            _ => None,
        });
    match property {
        Some(property) => match inner(&property.value) {
            Expression::Identifier(_) => schema_validates(model, &property.value, None, depth + 1),
            value => has_pattern(model.text(value.span())),
        },
        // The field is not in this schema (composed elsewhere): unknown.
        None => true,
    }
}
