//! The per-file call graph the "where does this run" rules walk: from a
//! handler, the constructor or `alarm()` into the class's own methods
//! (`this.helper()`, `this.#init()`, also those of bases declared in the
//! same file), into functions of the same file (`function f`, `const f =
//! () => …`) and simple closures held in a local `const`, transitively.
//!
//! A call counts when it runs while its caller runs: directly, or in a
//! callback handed to another call (`blockConcurrencyWhile(async () => …)`,
//! `.then(…)`); not in a function stored for later. The walk is breadth
//! first, visits each function once (recursion is harmless) and stops at
//! [`MAX_DEPTH`] steps, so the cost is bounded by the functions of one file.

use std::cell::RefCell;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet, VecDeque};

use oxc_ast::AstKind;
use oxc_ast::ast::*;

use super::class_facts::{calls_within, method_in_hierarchy};
use super::{FileModel, MethodModel, MethodRole};
use crate::optimize::semantic::{NodeId, inner, is_this, this_member};

/// How many calls deep the walk goes from an entry.
pub const MAX_DEPTH: usize = 6;

/// One step of a path: the call `site` that enters `function`, named `name`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step<'a> {
    pub site: NodeId,
    pub function: NodeId,
    pub name: &'a str,
}

/// A function reached from an entry, with the calls that lead there (empty
/// for the entry itself).
#[derive(Debug, Clone)]
pub struct Reached<'a> {
    pub function: NodeId,
    pub path: Vec<Step<'a>>,
}

/// Callees by (class, function).
type CalleeMemo<'a> = HashMap<(Option<usize>, NodeId), Vec<Step<'a>>>;

/// The call graph of one file: built once per rule run (it only indexes the
/// file's top-level function declarations), answering per function.
pub struct CallGraph<'m, 'a> {
    model: &'m FileModel<'a>,
    functions: HashMap<&'a str, NodeId>,
    /// Names some `const`/`let` anywhere in the file binds to a function.
    closures: HashSet<&'a str>,
    /// Callees already computed, by (class, function).
    memo: RefCell<CalleeMemo<'a>>,
}

impl<'m, 'a> CallGraph<'m, 'a> {
    pub fn new(model: &'m FileModel<'a>) -> Self {
        let mut functions = HashMap::new();
        let mut duplicates = HashSet::new();
        for (node, entry) in model.nodes.iter() {
            let AstKind::Function(function) = entry.kind else {
                continue;
            };
            if !function.is_declaration() || model.nodes.enclosing_function(node).is_some() {
                continue;
            }
            let Some(name) = function.id.as_ref().map(|ident| ident.name.as_str()) else {
                continue;
            };
            if functions.insert(name, node).is_some() {
                duplicates.insert(name);
            }
        }
        for name in duplicates {
            functions.remove(name);
        }
        let closures = model
            .nodes
            .iter()
            .filter_map(|(_, node)| match node.kind {
                AstKind::VariableDeclarator(declarator)
                    if declarator.init.as_ref().is_some_and(|init| {
                        matches!(
                            inner(init),
                            Expression::ArrowFunctionExpression(_)
                                | Expression::FunctionExpression(_)
                        )
                    }) =>
                {
                    crate::optimize::semantic::binding_name(&declarator.id)
                }
                _ => None,
            })
            .collect();
        Self {
            model,
            functions,
            closures,
            memo: RefCell::new(HashMap::new()),
        }
    }

    /// The function a plain call `name(…)` made at `site` runs: a closure in
    /// a `const` of an enclosing function, else a function of the file.
    fn function_named(&self, site: NodeId, name: &str) -> Option<NodeId> {
        use super::lifecycle::{Binding, resolve};
        let model = self.model;
        if !self.closures.contains(name) && !self.functions.contains_key(name) {
            return None;
        }
        match resolve(model, site, name) {
            Some(Binding::Local { declarator, .. }) => {
                return declarator
                    .init
                    .as_ref()
                    .and_then(|init| model.function_node(init));
            }
            Some(Binding::Parameter { .. } | Binding::LoopVariable { .. }) => return None,
            Some(Binding::Declaration) | None => {}
        }
        self.functions.get(name).copied().or_else(|| {
            model
                .constants
                .get(name)
                .and_then(|init| model.function_node(init))
        })
    }

    /// The calls `function` makes to functions this graph knows, in source
    /// order: `this.m()` / `this.#m()` of `class` (not its constructor),
    /// same-file functions and closures called by name.
    pub fn callees(&self, class: Option<usize>, function: NodeId) -> Vec<Step<'a>> {
        if let Some(steps) = self.memo.borrow().get(&(class, function)) {
            return steps.clone();
        }
        let steps = self.compute_callees(class, function);
        self.memo
            .borrow_mut()
            .insert((class, function), steps.clone());
        steps
    }

    fn compute_callees(&self, class: Option<usize>, function: NodeId) -> Vec<Step<'a>> {
        let model = self.model;
        let mut steps = Vec::new();
        for (site, call) in calls_within(model, function) {
            if !runs_during(model, site, function) {
                continue;
            }
            let target = match inner(&call.callee) {
                Expression::PrivateFieldExpression(private) if is_this(&private.object) => class
                    .and_then(|class| {
                        let method = method_in_hierarchy(model, class, &private.field.name)?;
                        // `#init`, as written.
                        let written = model.text(private.field.span);
                        let name = if written.starts_with('#') {
                            written
                        } else {
                            method.name
                        };
                        Some((method.function, name, method.role))
                    }),
                Expression::Identifier(ident) => self
                    .function_named(site, ident.name.as_str())
                    .map(|node| (node, ident.name.as_str(), MethodRole::Internal)),
                callee => this_member(callee).and_then(|name| {
                    let method = method_in_hierarchy(model, class?, name)?;
                    Some((method.function, method.name, method.role))
                }),
            };
            let Some((target, name, role)) = target else {
                continue;
            };
            if role == MethodRole::Constructor || target == function {
                continue;
            }
            steps.push(Step {
                site,
                function: target,
                name,
            });
        }
        steps
    }

    /// Every function `entry` reaches, breadth first (shortest path), each
    /// once, at most [`MAX_DEPTH`] calls deep. `follow(site, caller)` can
    /// refuse a call (a guarded call site, a call that enters `alarm()`).
    pub fn reachable(
        &self,
        class: Option<usize>,
        entry: NodeId,
        mut follow: impl FnMut(&Step<'a>, NodeId) -> bool,
    ) -> Vec<Reached<'a>> {
        let mut seen = HashSet::from([entry]);
        let mut out = vec![Reached {
            function: entry,
            path: Vec::new(),
        }];
        let mut queue = VecDeque::from([0usize]);
        while let Some(index) = queue.pop_front() {
            let (function, depth) = (out[index].function, out[index].path.len());
            if depth >= MAX_DEPTH {
                continue;
            }
            for step in self.callees(class, function) {
                if seen.contains(&step.function) || !follow(&step, function) {
                    continue;
                }
                seen.insert(step.function);
                let mut path = out[index].path.clone();
                path.push(step);
                out.push(Reached {
                    function: step.function,
                    path,
                });
                queue.push_back(out.len() - 1);
            }
        }
        out
    }
}

/// Per-function answers to "what is the first place, in this function or
/// in what it calls, where `own` holds?", each function computed once (so a
/// rule that asks for many helpers stays linear in the functions of a file).
/// The walk is depth first in source order, follows only the calls
/// `follow(step, caller)` accepts, and keeps paths at most [`MAX_DEPTH`]
/// calls long; a call back into a function still being computed (recursion)
/// counts as finding nothing.
pub struct FirstReach<'g, 'm, 'a, T> {
    graph: &'g CallGraph<'m, 'a>,
    class: Option<usize>,
    /// Per function: what `own` found, and the next step towards it with
    /// the path's length (`None` while being computed or when nothing).
    memo: HashMap<NodeId, Option<(T, Option<Step<'a>>, usize)>>,
}

impl<'g, 'm, 'a, T: Clone> FirstReach<'g, 'm, 'a, T> {
    pub fn new(graph: &'g CallGraph<'m, 'a>, class: Option<usize>) -> Self {
        Self {
            graph,
            class,
            memo: HashMap::new(),
        }
    }

    /// The first finding of `own` reached from `entry`, with the path of
    /// calls from `entry` to the function where it holds.
    pub fn find(
        &mut self,
        entry: NodeId,
        own: &mut impl FnMut(NodeId) -> Option<T>,
        follow: &impl Fn(&Step<'a>, NodeId) -> bool,
    ) -> Option<(Vec<Step<'a>>, T)> {
        // Iterative post-order: (function, index of the next callee to try).
        let mut stack: Vec<(NodeId, usize)> = Vec::new();
        if let Entry::Vacant(slot) = self.memo.entry(entry) {
            let found = own(entry);
            if found.is_none() {
                stack.push((entry, 0));
            }
            slot.insert(found.map(|found| (found, None, 0)));
        }
        while let Some(&(function, index)) = stack.last() {
            let callees = self.graph.callees(self.class, function);
            let Some(step) = callees.get(index).copied() else {
                stack.pop();
                continue;
            };
            if !follow(&step, function) {
                stack.last_mut().expect("top").1 += 1;
                continue;
            }
            if let Entry::Vacant(slot) = self.memo.entry(step.function) {
                let found = own(step.function);
                let pending = found.is_none();
                slot.insert(found.map(|found| (found, None, 0)));
                if pending {
                    stack.push((step.function, 0));
                    continue;
                }
            }
            match self.memo.get(&step.function).cloned().flatten() {
                Some((found, _, length)) if length < MAX_DEPTH => {
                    self.memo
                        .insert(function, Some((found, Some(step), length + 1)));
                    stack.pop();
                }
                _ => stack.last_mut().expect("top").1 += 1,
            }
        }
        let (found, mut next, _) = self.memo.get(&entry).cloned().flatten()?;
        let mut path = Vec::new();
        while let Some(step) = next {
            path.push(step);
            next = self
                .memo
                .get(&step.function)
                .cloned()
                .flatten()
                .and_then(|(_, next, _)| next);
        }
        Some((path, found))
    }
}

impl<'m, 'a> CallGraph<'m, 'a> {
    /// The first handler of `class` that reaches `helper` through calls no
    /// one-time field guard protects (`if (!this.ready)`, `??=`, an early
    /// `return`), with the path there. DO103 and DO104 report work in a
    /// helper this way.
    pub fn unguarded_handler_path(
        &self,
        class: usize,
        helper: NodeId,
    ) -> Option<(&'m MethodModel<'a>, Reached<'a>)> {
        let model = self.model;
        model.classes[class].handlers().find_map(|entry| {
            self.reachable(Some(class), entry.function, |step, caller| {
                !model.guarded_by_field(step.site, caller)
            })
            .into_iter()
            .find(|reach| reach.function == helper && !reach.path.is_empty())
            .map(|reach| (entry, reach))
        })
    }
}

/// Whether `node` runs when `function` runs: directly, or in callbacks
/// passed to a call (`blockConcurrencyWhile(async () => …)`), not in a
/// function stored for later (`{ setAlarm: (t) => storage.setAlarm(t) }`).
pub fn runs_when_called(model: &FileModel<'_>, node: NodeId, function: NodeId) -> bool {
    let mut current = model.nodes.enclosing_function(node);
    while let Some(inner_function) = current {
        if inner_function == function {
            return true;
        }
        let passed_to_call = model
            .nodes
            .parent(inner_function)
            .is_some_and(|parent| matches!(model.nodes.kind(parent), AstKind::CallExpression(_)));
        if !passed_to_call {
            return false;
        }
        current = model.nodes.enclosing_function(inner_function);
    }
    false
}

/// Calls that keep a callback for later instead of running it now: event
/// listeners, route registrations, timers.
const REGISTRATIONS: &[&str] = &[
    "addEventListener",
    "on",
    "once",
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "all",
    "use",
    "route",
    "subscribe",
    "setTimeout",
    "setInterval",
    "queueMicrotask",
];

/// Like [`runs_when_called`], but a callback handed to a registration
/// (`app.get("/", (c) => this.list(c))`, `ws.addEventListener(…)`,
/// `setTimeout(…)`) runs later, not during the call.
pub fn runs_during(model: &FileModel<'_>, node: NodeId, function: NodeId) -> bool {
    if !runs_when_called(model, node, function) {
        return false;
    }
    let mut current = model.nodes.enclosing_function(node);
    while let Some(inner_function) = current {
        if inner_function == function {
            return true;
        }
        let registered = model.nodes.parent(inner_function).is_some_and(|parent| {
            matches!(model.nodes.kind(parent), AstKind::CallExpression(call)
                if crate::optimize::semantic::method_call(call)
                    .map(|(_, name)| name)
                    .or_else(|| crate::optimize::semantic::identifier_name(&call.callee))
                    .is_some_and(|name| REGISTRATIONS.contains(&name)))
        });
        if registered {
            return false;
        }
        current = model.nodes.enclosing_function(inner_function);
    }
    false
}

/// A path for a message: `fetch → addMessage → storage.put`.
pub fn path_text(entry: &str, path: &[Step<'_>], last: &str) -> String {
    let mut text = entry.to_string();
    for step in path {
        text.push_str(" → ");
        text.push_str(step.name);
    }
    if !last.is_empty() {
        text.push_str(" → ");
        text.push_str(last);
    }
    text
}

/// The short name of the work a call does, for a path: the last two parts
/// of its callee (`storage.put`, `sql.exec`, `fetch`).
pub fn work_name<'a>(model: &FileModel<'a>, call: &CallExpression<'a>) -> String {
    let text = model.text(oxc_span::GetSpan::span(&call.callee));
    let parts: Vec<&str> = text
        .split('.')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect();
    let start = parts.len().saturating_sub(2);
    parts[start..].join(".")
}
