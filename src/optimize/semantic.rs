//! A flat table of a file's AST nodes with parent links, built in one
//! traversal, plus small helpers over expressions.
//!
//! Nodes are numbered in pre-order, so the descendants of node `n` are exactly
//! the ids in `n + 1 .. nodes[n].subtree_end`: "every call inside this method"
//! is a range check, and "is this inside a loop" is a walk up the parents.
//! Nothing here allocates per query; the table is built once per file and
//! shared read-only by the model and the rules.

use oxc_ast::AstKind;
use oxc_ast::ast::*;
use oxc_ast_visit::Visit;
use oxc_span::GetSpan;

/// Index of a node in [`Nodes`].
pub type NodeId = u32;

#[derive(Debug, Clone, Copy)]
pub struct Node<'a> {
    pub kind: AstKind<'a>,
    pub parent: Option<NodeId>,
    /// One past the last descendant.
    pub subtree_end: NodeId,
}

/// Every node of one program, in pre-order.
pub struct Nodes<'a> {
    nodes: Vec<Node<'a>>,
}

impl<'a> Nodes<'a> {
    pub fn build(program: &'a Program<'a>) -> Self {
        let mut builder = Builder {
            nodes: Vec::with_capacity(program.source_text.len() / 6 + 16),
            stack: Vec::with_capacity(64),
        };
        builder.visit_program(program);
        Nodes {
            nodes: builder.nodes,
        }
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn get(&self, id: NodeId) -> &Node<'a> {
        &self.nodes[id as usize]
    }

    pub fn kind(&self, id: NodeId) -> AstKind<'a> {
        self.nodes[id as usize].kind
    }

    pub fn parent(&self, id: NodeId) -> Option<NodeId> {
        self.nodes[id as usize].parent
    }

    pub fn iter(&self) -> impl Iterator<Item = (NodeId, &Node<'a>)> {
        self.nodes
            .iter()
            .enumerate()
            .map(|(index, node)| (index as NodeId, node))
    }

    /// Parents from the nearest up to the program.
    pub fn ancestors(&self, id: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        std::iter::successors(self.parent(id), move |&current| self.parent(current))
    }

    /// Whether `inner` lies inside `outer` (or is it).
    pub fn contains(&self, outer: NodeId, inner: NodeId) -> bool {
        inner >= outer && inner < self.nodes[outer as usize].subtree_end
    }

    /// The descendants of `id`, in source order.
    pub fn descendants(&self, id: NodeId) -> impl Iterator<Item = (NodeId, &Node<'a>)> {
        let end = self.nodes[id as usize].subtree_end;
        ((id + 1)..end).map(move |child| (child, &self.nodes[child as usize]))
    }

    /// The nearest enclosing function (declaration, expression, method body or
    /// arrow), not counting `id` itself.
    pub fn enclosing_function(&self, id: NodeId) -> Option<NodeId> {
        self.ancestors(id).find(|&ancestor| {
            matches!(
                self.kind(ancestor),
                AstKind::Function(_) | AstKind::ArrowFunctionExpression(_)
            )
        })
    }
}

struct Builder<'a> {
    nodes: Vec<Node<'a>>,
    stack: Vec<NodeId>,
}

impl<'a> Visit<'a> for Builder<'a> {
    fn enter_node(&mut self, kind: AstKind<'a>) {
        let id = self.nodes.len() as NodeId;
        self.nodes.push(Node {
            kind,
            parent: self.stack.last().copied(),
            subtree_end: id + 1,
        });
        self.stack.push(id);
    }

    fn leave_node(&mut self, _kind: AstKind<'a>) {
        if let Some(id) = self.stack.pop() {
            self.nodes[id as usize].subtree_end = self.nodes.len() as NodeId;
        }
    }
}

/// Strip parentheses, `as`, `satisfies`, `!` and `<T>` casts.
pub fn inner<'b, 'a>(expr: &'b Expression<'a>) -> &'b Expression<'a> {
    expr.get_inner_expression()
}

/// `object.property` → (object, property), looking through casts.
pub fn static_member<'b, 'a>(expr: &'b Expression<'a>) -> Option<(&'b Expression<'a>, &'a str)> {
    match inner(expr) {
        Expression::StaticMemberExpression(member) => {
            Some((&member.object, member.property.name.as_str()))
        }
        Expression::ComputedMemberExpression(member) => match inner(&member.expression) {
            Expression::StringLiteral(literal) => Some((&member.object, literal.value.as_str())),
            _ => None,
        },
        Expression::ChainExpression(chain) => match &chain.expression {
            ChainElement::StaticMemberExpression(member) => {
                Some((&member.object, member.property.name.as_str()))
            }
            _ => None,
        },
        _ => None,
    }
}

/// A call's callee as `receiver.method`.
pub fn method_call<'b, 'a>(call: &'b CallExpression<'a>) -> Option<(&'b Expression<'a>, &'a str)> {
    static_member(&call.callee)
}

/// The identifier name of an expression, looking through casts.
pub fn identifier_name<'a>(expr: &Expression<'a>) -> Option<&'a str> {
    match inner(expr) {
        Expression::Identifier(ident) => Some(ident.name.as_str()),
        _ => None,
    }
}

pub fn is_this(expr: &Expression<'_>) -> bool {
    matches!(inner(expr), Expression::ThisExpression(_))
}

/// `this.name` → `name`.
pub fn this_member<'a>(expr: &Expression<'a>) -> Option<&'a str> {
    static_member(expr).and_then(|(object, property)| is_this(object).then_some(property))
}

/// The dotted path of an expression made of identifiers, `this` and static
/// members (`this.env.ROOMS` → `["this", "env", "ROOMS"]`).
pub fn member_path<'a>(expr: &Expression<'a>) -> Option<Vec<&'a str>> {
    match inner(expr) {
        Expression::Identifier(ident) => Some(vec![ident.name.as_str()]),
        Expression::ThisExpression(_) => Some(vec!["this"]),
        _ => {
            let (object, property) = static_member(expr)?;
            let mut path = member_path(object)?;
            path.push(property);
            Some(path)
        }
    }
}

/// The first argument as an expression (not a spread).
pub fn argument<'b, 'a>(call: &'b CallExpression<'a>, index: usize) -> Option<&'b Expression<'a>> {
    call.arguments.get(index).and_then(Argument::as_expression)
}

/// A property key's static name.
pub fn key_name<'a>(key: &PropertyKey<'a>) -> Option<&'a str> {
    match key {
        PropertyKey::StaticIdentifier(ident) => Some(ident.name.as_str()),
        PropertyKey::PrivateIdentifier(ident) => Some(ident.name.as_str()),
        PropertyKey::StringLiteral(literal) => Some(literal.value.as_str()),
        _ => None,
    }
}

/// A type annotation's simple name (`DurableObjectState`, `SqlStorage`).
pub fn type_name<'a>(annotation: Option<&TSTypeAnnotation<'a>>) -> Option<&'a str> {
    match &annotation?.type_annotation {
        TSType::TSTypeReference(reference) => match &reference.type_name {
            TSTypeName::IdentifierReference(ident) => Some(ident.name.as_str()),
            TSTypeName::QualifiedName(name) => Some(name.right.name.as_str()),
            TSTypeName::ThisExpression(_) => None,
        },
        _ => None,
    }
}

/// The name bound by a simple binding pattern.
pub fn binding_name<'a>(pattern: &BindingPattern<'a>) -> Option<&'a str> {
    match pattern {
        BindingPattern::BindingIdentifier(ident) => Some(ident.name.as_str()),
        BindingPattern::AssignmentPattern(assignment) => binding_name(&assignment.left),
        _ => None,
    }
}

/// The span of any node kind.
pub fn span_of(kind: AstKind<'_>) -> oxc_span::Span {
    kind.span()
}
