//! Building a [`FileModel`] from a parsed program: one pass over the node
//! table per kind of fact (declarations and classes, storage aliases, calls
//! with their SQL, the Worker's request paths). Runs once per file, while
//! the AST is alive; everything after it only reads the model.

use std::collections::{HashMap, HashSet};

use oxc_ast::AstKind;
use oxc_ast::ast::*;
use oxc_span::GetSpan;

use super::query::{AliasView, step};
use super::*;
use crate::optimize::semantic::{
    NodeId, Nodes, argument, binding_name, identifier_name, inner, is_this, key_name, member_path,
    method_call, static_member, this_member, type_name,
};
use crate::optimize::sql::{self};

impl<'a> FileModel<'a> {
    pub fn build(program: &'a Program<'a>, hints: &ProjectHints) -> Self {
        let nodes = Nodes::build(program);
        let mut model = FileModel {
            source_text: program.source_text,
            program,
            nodes,
            imports: HashMap::new(),
            constants: HashMap::new(),
            classes: Vec::new(),
            typed_aliases: HashMap::new(),
            sql_execs: Vec::new(),
            id_calls: Vec::new(),
            stub_calls: Vec::new(),
            request_paths: Vec::new(),
            background_paths: Vec::new(),
            exports: Vec::new(),
            calls: Vec::new(),
            class_index: HashMap::new(),
            class_nodes: HashMap::new(),
            method_nodes: HashMap::new(),
        };
        model.collect_declarations(hints);
        model.demote_helper_classes();
        for (index, class) in model.classes.iter().enumerate() {
            if let Some(name) = class.name {
                model.class_index.entry(name).or_insert(index);
            }
            model.class_nodes.insert(class.node, index);
            for (method, model_method) in class.methods.iter().enumerate() {
                model
                    .method_nodes
                    .insert(model_method.function, (index, method));
            }
        }
        model.resolve_local_inheritance();
        for index in 0..model.classes.len() {
            model.collect_aliases(index);
        }
        model.collect_calls();
        model.collect_sql_sources();
        model.collect_request_paths();
        model
    }

    /// Whether a declaration sits at the top of the module (directly, or
    /// under `export`).
    fn is_module_level(&self, declaration: NodeId) -> bool {
        match self.nodes.parent(declaration) {
            Some(parent) => match self.nodes.kind(parent) {
                AstKind::Program(_) => true,
                AstKind::ExportNamedDeclaration(_) => self
                    .nodes
                    .parent(parent)
                    .is_some_and(|grand| matches!(self.nodes.kind(grand), AstKind::Program(_))),
                _ => false,
            },
            None => false,
        }
    }

    fn collect_declarations(&mut self, hints: &ProjectHints) {
        let mut duplicate_constants = HashSet::new();
        let mut maybe_constants: HashMap<&'a str, &'a Expression<'a>> = HashMap::new();
        let mut reassigned: HashSet<&'a str> = HashSet::new();
        for (id, node) in self.nodes.iter() {
            match node.kind {
                AstKind::ImportDeclaration(import) => {
                    for specifier in import.specifiers.iter().flatten() {
                        let (local, imported) = match specifier {
                            ImportDeclarationSpecifier::ImportSpecifier(spec) => {
                                (spec.local.name.as_str(), module_export_name(&spec.imported))
                            }
                            ImportDeclarationSpecifier::ImportDefaultSpecifier(spec) => {
                                (spec.local.name.as_str(), "default")
                            }
                            ImportDeclarationSpecifier::ImportNamespaceSpecifier(spec) => {
                                (spec.local.name.as_str(), "*")
                            }
                        };
                        self.imports.insert(
                            local,
                            Import {
                                source: import.source.value.as_str(),
                                imported,
                            },
                        );
                    }
                }
                AstKind::VariableDeclarator(declarator) => {
                    // A name bound by destructuring (`const { sql } = opts`)
                    // shadows a constant of the same name elsewhere.
                    if binding_name(&declarator.id).is_none() {
                        let mut names = HashSet::new();
                        super::collect_binding_names(&declarator.id, &mut names);
                        duplicate_constants.extend(names);
                    }
                    let declaration =
                        self.nodes
                            .parent(id)
                            .and_then(|parent| match self.nodes.kind(parent) {
                                AstKind::VariableDeclaration(declaration) => {
                                    Some((parent, declaration.kind))
                                }
                                _ => None,
                            });
                    if let Some((declaration_id, kind)) = declaration
                        && let (Some(name), Some(init)) =
                            (binding_name(&declarator.id), declarator.init.as_ref())
                    {
                        if kind == VariableDeclarationKind::Const {
                            if self.constants.insert(name, init).is_some() {
                                duplicate_constants.insert(name);
                            }
                        } else if self.is_module_level(declaration_id) {
                            // Bundlers turn `const` into `var`: a module-level
                            // `var`/`let` never assigned again is as constant.
                            if maybe_constants.insert(name, init).is_some() {
                                duplicate_constants.insert(name);
                            }
                        }
                    }
                }
                AstKind::AssignmentExpression(assignment) => {
                    if let AssignmentTarget::AssignmentTargetIdentifier(target) = &assignment.left {
                        reassigned.insert(target.name.as_str());
                    }
                }
                AstKind::UpdateExpression(update) => {
                    if let SimpleAssignmentTarget::AssignmentTargetIdentifier(target) =
                        &update.argument
                    {
                        reassigned.insert(target.name.as_str());
                    }
                }
                AstKind::Class(class) => {
                    let model = self.class_model(id, class, hints);
                    self.classes.push(model);
                }
                AstKind::ExportFromDeclaration(export) => {
                    for specifier in &export.specifiers {
                        self.exports.push(ExportFact::From {
                            exported: module_export_name(&specifier.exported).to_string(),
                            imported: module_export_name(&specifier.local).to_string(),
                            source: export.source.value.to_string(),
                        });
                    }
                }
                AstKind::ExportNamedDeclaration(export) => {
                    for specifier in &export.specifiers {
                        let local = module_export_name(&specifier.local);
                        let exported = module_export_name(&specifier.exported).to_string();
                        match self.imports.get(local) {
                            Some(import) if import.imported != "*" => {
                                self.exports.push(ExportFact::From {
                                    exported,
                                    imported: import.imported.to_string(),
                                    source: import.source.to_string(),
                                })
                            }
                            _ => self.exports.push(ExportFact::Name(exported)),
                        }
                    }
                }
                AstKind::ExportDeclaration(export) => {
                    for name in declaration_names(&export.declaration) {
                        self.exports.push(ExportFact::Name(name.to_string()));
                    }
                }
                AstKind::ExportAllDeclaration(export) => match &export.exported {
                    Some(name) => self
                        .exports
                        .push(ExportFact::Name(module_export_name(name).to_string())),
                    None => self
                        .exports
                        .push(ExportFact::All(export.source.value.to_string())),
                },
                AstKind::ExportDefaultDeclaration(_) => {
                    self.exports.push(ExportFact::Name("default".into()))
                }
                AstKind::FormalParameter(parameter) => {
                    let path = match type_name(parameter.type_annotation.as_deref()) {
                        Some("DurableObjectState") => Some(StoragePath::State),
                        Some("DurableObjectStorage") | Some("DurableObjectTransaction") => {
                            Some(StoragePath::Storage)
                        }
                        Some("SqlStorage") => Some(StoragePath::Sql),
                        _ => None,
                    };
                    if let (Some(path), Some(name)) = (path, binding_name(&parameter.pattern)) {
                        self.typed_aliases.insert(name, path);
                    }
                    // A parameter shadows a constant of the same name.
                    let mut names = HashSet::new();
                    super::collect_binding_names(&parameter.pattern, &mut names);
                    duplicate_constants.extend(names);
                }
                _ => {}
            }
        }
        for (name, init) in maybe_constants {
            if !reassigned.contains(name) && self.constants.insert(name, init).is_some() {
                duplicate_constants.insert(name);
            }
        }
        for name in duplicate_constants {
            self.constants.remove(name);
        }
        // `export { Room }` after `class Room` marks the class exported.
        let exported: HashSet<String> = self
            .exports
            .iter()
            .filter_map(|fact| match fact {
                ExportFact::Name(name) => Some(name.clone()),
                _ => None,
            })
            .collect();
        for class in &mut self.classes {
            if class.name.is_some_and(|name| exported.contains(name)) {
                class.exported = true;
            }
        }
    }

    fn class_model(
        &self,
        id: NodeId,
        class: &'a Class<'a>,
        hints: &ProjectHints,
    ) -> ClassModel<'a> {
        let name = class.id.as_ref().map(|ident| ident.name.as_str());
        let exported = self.nodes.ancestors(id).take(2).any(|ancestor| {
            matches!(
                self.nodes.kind(ancestor),
                AstKind::ExportDeclaration(_) | AstKind::ExportDefaultDeclaration(_)
            )
        });
        let mut kind = DoKind::NotDo;
        if let Some(heritage) = &class.heritage
            && let Some(base) = identifier_name(&heritage.expression)
        {
            kind = match self.imports.get(base) {
                Some(import) => classify_import(import),
                // A global `DurableObject` (older types) or a local class.
                None if base == "DurableObject" => DoKind::Native,
                None => DoKind::Inherited {
                    base: base.to_string(),
                    source: String::new(),
                },
            };
        }
        if kind == DoKind::NotDo
            && class.implements.iter().any(|implemented| {
                matches!(&implemented.expression, TSTypeName::IdentifierReference(ident) if ident.name == "DurableObject")
            })
        {
            kind = DoKind::Native;
        }
        let mut methods = Vec::new();
        let mut fields = Vec::new();
        let mut state_parameter_only = false;
        for element in &class.body.body {
            match element {
                ClassElement::MethodDefinition(method) => {
                    let Some(method_name) = key_name(&method.key) else {
                        continue;
                    };
                    let function = self.node_of_function(&method.value);
                    let role = method_role(method_name, method, &kind);
                    if role == MethodRole::Constructor
                        && kind == DoKind::NotDo
                        && method.value.params.items.first().is_some_and(|param| {
                            type_name(param.type_annotation.as_deref())
                                == Some("DurableObjectState")
                        })
                    {
                        kind = DoKind::Native;
                        state_parameter_only = true;
                    }
                    // TS parameter properties: `constructor(private state: DurableObjectState)`.
                    if role == MethodRole::Constructor {
                        for param in &method.value.params.items {
                            if (param.accessibility.is_some() || param.readonly)
                                && let Some(param_name) = binding_name(&param.pattern)
                            {
                                fields.push(FieldModel {
                                    name: param_name,
                                    span: param.span,
                                    value: None,
                                    type_name: type_name(param.type_annotation.as_deref()),
                                });
                            }
                        }
                    }
                    if let Some(function) = function {
                        methods.push(MethodModel {
                            name: method_name,
                            role,
                            function,
                            span: method.span,
                            key_span: method.key.span(),
                            is_async: method.value.r#async,
                        });
                    }
                }
                ClassElement::PropertyDefinition(property) => {
                    let Some(field_name) = key_name(&property.key) else {
                        continue;
                    };
                    if property.r#static {
                        continue;
                    }
                    let function_value =
                        property
                            .value
                            .as_ref()
                            .and_then(|value| match inner(value) {
                                Expression::ArrowFunctionExpression(arrow) => {
                                    Some((self.node_of_span(arrow.span, true), arrow.r#async))
                                }
                                Expression::FunctionExpression(function) => {
                                    Some((self.node_of_function(function), function.r#async))
                                }
                                _ => None,
                            });
                    if let Some((Some(function), is_async)) = function_value {
                        let private = property
                            .accessibility
                            .is_some_and(|access| !matches!(access, TSAccessibility::Public))
                            || matches!(property.key, PropertyKey::PrivateIdentifier(_));
                        methods.push(MethodModel {
                            name: field_name,
                            role: if private {
                                MethodRole::Internal
                            } else {
                                method_role_by_name(field_name, &kind)
                            },
                            function,
                            span: property.span,
                            key_span: property.key.span(),
                            is_async,
                        });
                    } else {
                        fields.push(FieldModel {
                            name: field_name,
                            span: property.span,
                            value: property.value.as_ref(),
                            type_name: type_name(property.type_annotation.as_deref()),
                        });
                    }
                }
                _ => {}
            }
        }
        let bound = name.is_some_and(|name| hints.bound_classes.contains(name));
        if kind == DoKind::NotDo && bound {
            // A bound class whose base comes from a package (not
            // `cloudflare:workers`, not a file of the project) is a
            // framework class: its base dispatches the hooks.
            let package_base = class
                .heritage
                .as_ref()
                .and_then(|heritage| identifier_name(&heritage.expression))
                .and_then(|base| self.imports.get(base))
                .is_some_and(|import| {
                    !import.source.starts_with('.') && import.source != "cloudflare:workers"
                });
            kind = if package_base {
                DoKind::Framework(PACKAGE_FRAMEWORK)
            } else {
                DoKind::Native
            };
        }
        let state_parameter_only = state_parameter_only && kind == DoKind::Native && !bound;
        // Roles depend on the final kind (framework hooks).
        for method in &mut methods {
            if matches!(
                method.role,
                MethodRole::Rpc | MethodRole::FrameworkHook | MethodRole::Startup
            ) {
                method.role = method_role_by_name(method.name, &kind);
            }
        }
        let installs_dispatcher = self.nodes.descendants(id).any(|(_, node)| {
            matches!(node.kind, AstKind::CallExpression(call)
                if method_call(call).is_some_and(|(_, method)| method == "install")
                    && call.arguments.iter().any(|arg| arg.as_expression().is_some_and(is_this)))
        });
        ClassModel {
            node: id,
            class,
            name,
            name_span: class.id.as_ref().map_or(class.span, |ident| ident.span),
            kind,
            exported,
            methods,
            fields,
            local_aliases: HashMap::new(),
            field_aliases: HashMap::new(),
            installs_dispatcher,
            state_parameter_only,
        }
    }

    /// A class that is a Durable Object only because its constructor takes a
    /// `DurableObjectState`, and that the module does not export, is a
    /// helper the real Durable Object builds (`new Sessions(ctx)`).
    fn demote_helper_classes(&mut self) {
        let exported_names: HashSet<String> = self
            .exports
            .iter()
            .filter_map(|export| match export {
                ExportFact::Name(name) => Some(name.clone()),
                _ => None,
            })
            .collect();
        for class in &mut self.classes {
            if class.state_parameter_only
                && !class.exported
                && !class.name.is_some_and(|name| exported_names.contains(name))
            {
                class.kind = DoKind::NotDo;
            }
        }
    }

    /// Classes extending a class of the same file take its kind.
    fn resolve_local_inheritance(&mut self) {
        for _ in 0..4 {
            let mut changed = false;
            for index in 0..self.classes.len() {
                let DoKind::Inherited { base, source } = &self.classes[index].kind else {
                    continue;
                };
                if !source.is_empty() {
                    continue;
                }
                let resolved = self
                    .class_index
                    .get(base.as_str())
                    .map(|&found| self.classes[found].kind.clone());
                let new_kind = match resolved {
                    Some(DoKind::Inherited { source, .. }) if source.is_empty() => continue,
                    Some(kind) => kind,
                    None => DoKind::NotDo,
                };
                self.classes[index].kind = new_kind;
                changed = true;
            }
            if !changed {
                break;
            }
        }
        for class in &mut self.classes {
            if matches!(&class.kind, DoKind::Inherited { source, .. } if source.is_empty()) {
                class.kind = DoKind::NotDo;
            }
            let kind = class.kind.clone();
            for method in &mut class.methods {
                if matches!(
                    method.role,
                    MethodRole::Rpc | MethodRole::FrameworkHook | MethodRole::Startup
                ) {
                    method.role = method_role_by_name(method.name, &kind);
                }
            }
        }
    }

    /// Storage aliases of one class: constructor parameters, `this.x = …`
    /// fields, class fields and locals.
    fn collect_aliases(&mut self, index: usize) {
        let class_node = self.classes[index].node;
        let is_do = self.classes[index].is_do();
        let mut locals: HashMap<&'a str, StoragePath> = HashMap::new();
        let mut fields: HashMap<&'a str, StoragePath> = HashMap::new();
        if is_do {
            fields.insert("ctx", StoragePath::State);
            fields.insert("state", StoragePath::State);
        }
        if let Some(constructor) = self.classes[index].constructor() {
            let function = constructor.function;
            if let AstKind::Function(function) = self.nodes.kind(function)
                && let Some(first) = function.params.items.first()
                && let Some(name) = binding_name(&first.pattern)
            {
                let typed = type_name(first.type_annotation.as_deref());
                if typed == Some("DurableObjectState") || (is_do && typed.is_none()) {
                    locals.insert(name, StoragePath::State);
                    if first.accessibility.is_some() || first.readonly {
                        fields.insert(name, StoragePath::State);
                    }
                }
            }
        }
        for field in &self.classes[index].fields {
            let typed = match field.type_name {
                Some("DurableObjectState") => Some(StoragePath::State),
                Some("DurableObjectStorage") => Some(StoragePath::Storage),
                Some("SqlStorage") => Some(StoragePath::Sql),
                _ => None,
            };
            if let Some(path) = typed {
                fields.insert(field.name, path);
            }
        }
        // Two passes reach aliases of aliases (`const s = this.storage`).
        for _ in 0..2 {
            for (_, node) in self.nodes.descendants(class_node) {
                match node.kind {
                    AstKind::VariableDeclarator(declarator) => {
                        let Some(init) = &declarator.init else {
                            continue;
                        };
                        let resolver = AliasView {
                            locals: &locals,
                            fields: &fields,
                            typed: &self.typed_aliases,
                        };
                        match &declarator.id {
                            BindingPattern::BindingIdentifier(ident) => {
                                if let Some(path) = resolver.classify(init) {
                                    locals.insert(ident.name.as_str(), path);
                                }
                            }
                            BindingPattern::ObjectPattern(pattern) => {
                                let Some(base) = resolver.classify(init) else {
                                    continue;
                                };
                                for property in &pattern.properties {
                                    let (Some(key), Some(local)) =
                                        (key_name(&property.key), binding_name(&property.value))
                                    else {
                                        continue;
                                    };
                                    if let Some(path) = step(base, key) {
                                        locals.insert(local, path);
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                    AstKind::AssignmentExpression(assignment) => {
                        let AssignmentTarget::StaticMemberExpression(member) = &assignment.left
                        else {
                            continue;
                        };
                        if !is_this(&member.object) {
                            continue;
                        }
                        let resolver = AliasView {
                            locals: &locals,
                            fields: &fields,
                            typed: &self.typed_aliases,
                        };
                        if let Some(path) = resolver.classify(&assignment.right) {
                            fields.insert(member.property.name.as_str(), path);
                        }
                    }
                    AstKind::PropertyDefinition(property) => {
                        let (Some(name), Some(value)) = (key_name(&property.key), &property.value)
                        else {
                            continue;
                        };
                        let resolver = AliasView {
                            locals: &locals,
                            fields: &fields,
                            typed: &self.typed_aliases,
                        };
                        if let Some(path) = resolver.classify(value) {
                            fields.insert(name, path);
                        }
                    }
                    _ => {}
                }
            }
        }
        self.classes[index].local_aliases = locals;
        self.classes[index].field_aliases = fields;
    }

    fn collect_calls(&mut self) {
        let mut stub_names: HashMap<(Option<NodeId>, &'a str), Option<&'a str>> = HashMap::new();
        let mut id_names: HashMap<(Option<NodeId>, &'a str), Option<&'a str>> = HashMap::new();
        let mut namespace_names: HashMap<(Option<NodeId>, &'a str), &'a str> = HashMap::new();
        // Declarations first, so that uses later in the function resolve.
        for (id, node) in self.nodes.iter() {
            if let AstKind::CallExpression(_) = node.kind {
                self.calls.push(id);
            }
            let AstKind::VariableDeclarator(declarator) = node.kind else {
                continue;
            };
            let (Some(name), Some(init)) = (binding_name(&declarator.id), &declarator.init) else {
                continue;
            };
            let scope = self.nodes.enclosing_function(id);
            let init = strip_await(init);
            if let Expression::CallExpression(call) = init
                && let Some((receiver, method)) = method_call(call)
            {
                let binding = namespace_binding(receiver);
                match method {
                    "idFromName" | "idFromString" | "newUniqueId" => {
                        id_names.insert((scope, name), binding);
                    }
                    "getByName" => {
                        stub_names.insert((scope, name), binding);
                    }
                    "get" if is_id_expression(argument(call, 0), scope, &id_names) => {
                        stub_names.insert((scope, name), binding);
                    }
                    _ => {}
                }
            } else if let Some(path) = member_path(init)
                && path.len() >= 2
                && (path[path.len() - 2] == "env")
                && looks_like_binding(path[path.len() - 1])
            {
                namespace_names.insert((scope, name), path[path.len() - 1]);
            }
        }
        self.collect_stub_fields(&mut stub_names, &id_names);
        let lookup = |map: &HashMap<(Option<NodeId>, &'a str), Option<&'a str>>,
                      scope: Option<NodeId>,
                      name: &str,
                      nodes: &Nodes<'a>|
         -> Option<Option<&'a str>> {
            std::iter::once(scope)
                .chain(
                    scope
                        .map(|s| {
                            nodes
                                .ancestors(s)
                                .filter(|&a| {
                                    matches!(
                                        nodes.kind(a),
                                        AstKind::Function(_) | AstKind::ArrowFunctionExpression(_)
                                    )
                                })
                                .map(Some)
                                .collect::<Vec<_>>()
                        })
                        .into_iter()
                        .flatten(),
                )
                .chain(std::iter::once(None))
                .find_map(|scope| map.get(&(scope, name)).copied())
        };
        for index in 0..self.calls.len() {
            let id = self.calls[index];
            let AstKind::CallExpression(call) = self.nodes.kind(id) else {
                continue;
            };
            let Some((receiver, method)) = method_call(call) else {
                continue;
            };
            let scope = self.nodes.enclosing_function(id);
            // Namespaces: env.X, this.env.X, c.env.X, or a local alias of one.
            let binding = namespace_binding(receiver).or_else(|| {
                identifier_name(receiver).and_then(|name| {
                    namespace_names
                        .get(&(scope, name))
                        .copied()
                        .or_else(|| namespace_names.get(&(None, name)).copied())
                })
            });
            let id_kind = match method {
                "idFromName" => Some(IdKind::FromName),
                "idFromString" => Some(IdKind::FromString),
                "newUniqueId" => Some(IdKind::NewUnique),
                "getByName" => Some(IdKind::GetByName),
                _ => None,
            };
            if let Some(kind) = id_kind
                && (binding.is_some() || namespace_like(receiver))
            {
                self.id_calls.push(IdCall {
                    node: id,
                    call,
                    kind,
                    binding,
                });
                continue;
            }
            if method == "exec" {
                let class = self.class_of(id);
                let confident = self.storage_path(receiver, class) == Some(StoragePath::Sql)
                    || member_path(receiver)
                        .is_some_and(|path| path.ends_with(&["storage", "sql"]));
                let is_sql = confident
                    || static_member(receiver).is_some_and(|(_, property)| property == "sql")
                    || identifier_name(receiver) == Some("sql");
                if is_sql {
                    let (source, text) = match argument(call, 0) {
                        Some(query) => self.sql_text(query, 0),
                        None => (SqlSource::Unknown, None),
                    };
                    let statements = text.as_deref().and_then(sql::analyze);
                    self.sql_execs.push(SqlExec {
                        node: id,
                        call: Some(call),
                        origin: SqlOrigin::Exec,
                        inner: None,
                        span: call.span,
                        callee_span: call.callee.span(),
                        query_span: argument(call, 0).map_or(call.span, GetSpan::span),
                        class,
                        source,
                        confident,
                        text,
                        statements,
                    });
                }
                continue;
            }
            // Stub calls: `stub.m()`, `NS.get(id).m()`, `NS.getByName(n).m()`.
            let stub_binding = match inner(receiver) {
                Expression::Identifier(ident) => {
                    lookup(&stub_names, scope, ident.name.as_str(), &self.nodes)
                }
                Expression::CallExpression(inner_call) => match method_call(inner_call) {
                    Some((ns, "getByName")) if namespace_like(ns) => Some(namespace_binding(ns)),
                    Some((ns, "get"))
                        if namespace_like(ns)
                            && is_id_expression(argument(inner_call, 0), scope, &id_names) =>
                    {
                        Some(namespace_binding(ns))
                    }
                    _ => None,
                },
                _ => this_member(receiver)
                    .and_then(|field| lookup(&stub_names, None, field, &self.nodes)),
            };
            if let Some(stub_binding) = stub_binding
                && !matches!(method, "then" | "catch" | "finally" | "toString")
            {
                self.stub_calls.push(StubCall {
                    node: id,
                    call,
                    method,
                    binding: stub_binding,
                    stub_key: self.text(receiver.span()).to_string(),
                });
            }
        }
    }

    /// Stubs kept in fields, directly or through a stub factory: `this.room =
    /// env.ROOM.getByName(name)`; `new Client(() => env.LIMITER.get(id))`
    /// whose constructor keeps the function (`this.getStub = getStub`) and
    /// calls it (`this.stub = getStub()`, later `this.stub =
    /// this.getStub()`). Fields are recorded with no scope, as `this.<field>`
    /// is looked up.
    fn collect_stub_fields(
        &self,
        stub_names: &mut HashMap<(Option<NodeId>, &'a str), Option<&'a str>>,
        id_names: &HashMap<(Option<NodeId>, &'a str), Option<&'a str>>,
    ) {
        let stub_of = |expr: &Expression<'a>, scope: Option<NodeId>| -> Option<Option<&'a str>> {
            let Expression::CallExpression(call) = inner(strip_await(expr)) else {
                return None;
            };
            match method_call(call) {
                Some((ns, "getByName")) if namespace_like(ns) => Some(namespace_binding(ns)),
                Some((ns, "get"))
                    if namespace_like(ns)
                        && is_id_expression(argument(call, 0), scope, id_names) =>
                {
                    Some(namespace_binding(ns))
                }
                _ => None,
            }
        };
        // A function whose body is (or returns) a stub expression.
        let factory_of = |expr: &Expression<'a>, node: NodeId| -> Option<Option<&'a str>> {
            match inner(expr) {
                Expression::ArrowFunctionExpression(arrow) => match &arrow.body {
                    ArrowFunctionBody::FunctionBody(body) => {
                        body.statements
                            .iter()
                            .find_map(|statement| match statement {
                                Statement::ReturnStatement(ret) => ret
                                    .argument
                                    .as_ref()
                                    .and_then(|value| stub_of(value, Some(node))),
                                _ => None,
                            })
                    }
                    body => body
                        .as_expression()
                        .and_then(|value| stub_of(value, Some(node))),
                },
                _ => None,
            }
        };
        // (class index, constructor parameter index) -> binding, from the
        // `new Class(…)` sites that pass a stub factory.
        let mut factory_parameters: HashMap<(usize, usize), Option<&'a str>> = HashMap::new();
        for (id, node) in self.nodes.iter() {
            let AstKind::NewExpression(new) = node.kind else {
                continue;
            };
            let Some(class) =
                identifier_name(&new.callee).and_then(|name| self.class_index.get(name))
            else {
                continue;
            };
            for (index, argument) in new.arguments.iter().enumerate() {
                if let Some(expr) = argument.as_expression()
                    && let Some(binding) = factory_of(expr, id)
                {
                    factory_parameters.insert((*class, index), binding);
                }
            }
        }
        for (class_index, class) in self.classes.iter().enumerate() {
            let mut factories: HashMap<&'a str, Option<&'a str>> = HashMap::new();
            let parameters: Vec<Option<&'a str>> = class
                .constructor()
                .map(|constructor| match self.nodes.kind(constructor.function) {
                    AstKind::Function(function) => function
                        .params
                        .items
                        .iter()
                        .map(|parameter| binding_name(&parameter.pattern))
                        .collect(),
                    _ => Vec::new(),
                })
                .unwrap_or_default();
            for (index, parameter) in parameters.iter().enumerate() {
                if let (Some(name), Some(binding)) =
                    (parameter, factory_parameters.get(&(class_index, index)))
                {
                    factories.insert(name, *binding);
                }
            }
            for (id, node) in self.nodes.descendants(class.node) {
                let AstKind::AssignmentExpression(assignment) = node.kind else {
                    continue;
                };
                let AssignmentTarget::StaticMemberExpression(member) = &assignment.left else {
                    continue;
                };
                if !matches!(member.object, Expression::ThisExpression(_)) {
                    continue;
                }
                let field = member.property.name.as_str();
                let scope = self.nodes.enclosing_function(id);
                let right = inner(&assignment.right);
                if let Some(binding) = stub_of(right, scope) {
                    stub_names.insert((None, field), binding);
                    continue;
                }
                // `this.getStub = getStub` keeps the factory.
                if let Some(name) = identifier_name(right)
                    && let Some(binding) = factories.get(name).copied()
                {
                    factories.insert(field, binding);
                    continue;
                }
                // `this.stub = getStub()` / `this.stub = this.getStub()`.
                if let Expression::CallExpression(call) = right
                    && call.arguments.is_empty()
                {
                    let called =
                        identifier_name(&call.callee).or_else(|| this_member(&call.callee));
                    if let Some(binding) = called.and_then(|name| factories.get(name).copied()) {
                        stub_names.insert((None, field), binding);
                    }
                }
            }
        }
    }

    fn collect_request_paths(&mut self) {
        let mut routers: HashSet<&'a str> = HashSet::new();
        for (_, node) in self.nodes.iter() {
            if let AstKind::VariableDeclarator(declarator) = node.kind
                && let (Some(name), Some(init)) = (binding_name(&declarator.id), &declarator.init)
            {
                let callee = match inner(init) {
                    Expression::NewExpression(new) => identifier_name(&new.callee),
                    Expression::CallExpression(call) => identifier_name(&call.callee),
                    _ => None,
                };
                if callee.is_some_and(|callee| {
                    matches!(
                        callee,
                        "Hono" | "OpenAPIHono" | "Router" | "AutoRouter" | "IttyRouter"
                    )
                }) {
                    routers.insert(name);
                }
            }
        }
        let mut handler_objects: Vec<&'a ObjectExpression<'a>> = Vec::new();
        for (_id, node) in self.nodes.iter() {
            match node.kind {
                AstKind::ExportDefaultDeclaration(export) => {
                    if let Some(expression) = export.declaration.as_expression() {
                        match inner(expression) {
                            Expression::ObjectExpression(object) => handler_objects.push(object),
                            Expression::Identifier(ident) => {
                                if let Some(init) = self.constants.get(ident.name.as_str())
                                    && let Expression::ObjectExpression(object) = inner(init)
                                {
                                    handler_objects.push(object);
                                }
                            }
                            _ => {}
                        }
                    }
                }
                AstKind::VariableDeclarator(declarator) => {
                    // `const handler: ExportedHandler<Env> = { … }`
                    if type_name(declarator.type_annotation.as_deref()) == Some("ExportedHandler")
                        && let Some(init) = &declarator.init
                        && let Expression::ObjectExpression(object) = inner(init)
                    {
                        handler_objects.push(object);
                    }
                }
                AstKind::CallExpression(call) => {
                    if let Some((receiver, method)) = method_call(call)
                        && identifier_name(receiver).is_some_and(|name| routers.contains(name))
                        && matches!(
                            method,
                            "get"
                                | "post"
                                | "put"
                                | "patch"
                                | "delete"
                                | "all"
                                | "on"
                                | "use"
                                | "options"
                                | "head"
                        )
                    {
                        for argument in &call.arguments {
                            if let Some(expression) = argument.as_expression()
                                && let Some(function) = self.function_node(expression)
                            {
                                self.request_paths.push(function);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        for object in handler_objects {
            for property in &object.properties {
                let ObjectPropertyKind::ObjectProperty(property) = property else {
                    continue;
                };
                let Some(name) = key_name(&property.key) else {
                    continue;
                };
                let Some(function) = self.function_node(&property.value) else {
                    continue;
                };
                match name {
                    "fetch" => self.request_paths.push(function),
                    "scheduled" | "queue" | "tail" | "email" => {
                        self.background_paths.push(function)
                    }
                    _ => {}
                }
            }
        }
        // Module functions called by name from a request path serve requests too.
        let mut functions: HashMap<&'a str, NodeId> = HashMap::new();
        for (id, node) in self.nodes.iter() {
            match node.kind {
                AstKind::Function(function) if self.class_of(id).is_none() => {
                    if let Some(ident) = &function.id {
                        functions.insert(ident.name.as_str(), id);
                    }
                }
                AstKind::VariableDeclarator(declarator) => {
                    if let (Some(name), Some(init)) =
                        (binding_name(&declarator.id), &declarator.init)
                        && self.class_of(id).is_none()
                        && let Some(function) = self.function_node(init)
                    {
                        functions.insert(name, function);
                    }
                }
                _ => {}
            }
        }
        let mut index = 0;
        while index < self.request_paths.len() {
            let path = self.request_paths[index];
            index += 1;
            let called: Vec<NodeId> =
                self.nodes
                    .descendants(path)
                    .filter_map(|(_, node)| match node.kind {
                        AstKind::CallExpression(call) => identifier_name(&call.callee)
                            .and_then(|name| functions.get(name).copied()),
                        _ => None,
                    })
                    .collect();
            for function in called {
                if !self.request_paths.contains(&function) {
                    self.request_paths.push(function);
                }
            }
        }
    }
}

fn strip_await<'b, 'a>(expr: &'b Expression<'a>) -> &'b Expression<'a> {
    match inner(expr) {
        Expression::AwaitExpression(await_expression) => inner(&await_expression.argument),
        other => other,
    }
}

/// `env.X`, `this.env.X`, `c.env.X` → `X`.
fn namespace_binding<'a>(expr: &Expression<'a>) -> Option<&'a str> {
    let path = member_path(expr)?;
    (path.len() >= 2 && path[path.len() - 2] == "env").then(|| path[path.len() - 1])
}

fn namespace_like(expr: &Expression<'_>) -> bool {
    namespace_binding(expr).is_some()
        || identifier_name(expr).is_some()
        || static_member(expr).is_some()
        || computed_env_member(expr)
}

/// `env[name]`, `this.env[binding]`, `c.env[key]`: a namespace chosen by a
/// computed key.
fn computed_env_member(expr: &Expression<'_>) -> bool {
    matches!(inner(expr), Expression::ComputedMemberExpression(member)
        if member_path(&member.object).is_some_and(|path| path.last() == Some(&"env")))
}

fn looks_like_binding(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
}

fn is_id_expression<'a>(
    expr: Option<&Expression<'a>>,
    scope: Option<NodeId>,
    id_names: &HashMap<(Option<NodeId>, &'a str), Option<&'a str>>,
) -> bool {
    let Some(expr) = expr else { return false };
    match inner(expr) {
        Expression::CallExpression(call) => method_call(call).is_some_and(|(_, method)| {
            matches!(method, "idFromName" | "idFromString" | "newUniqueId")
        }),
        Expression::Identifier(ident) => {
            id_names.contains_key(&(scope, ident.name.as_str()))
                || id_names
                    .keys()
                    .any(|(_, name)| *name == ident.name.as_str())
        }
        _ => false,
    }
}

fn classify_import(import: &Import<'_>) -> DoKind {
    if import.source == "cloudflare:workers" && import.imported == "DurableObject" {
        return DoKind::Native;
    }
    for (package, class, label) in FRAMEWORK_BASES {
        let source_matches = import.source == *package
            || import
                .source
                .strip_prefix(package)
                .is_some_and(|rest| rest.starts_with('/'));
        if source_matches && import.imported == *class {
            return DoKind::Framework(label);
        }
    }
    if import.source.starts_with('.') {
        return DoKind::Inherited {
            base: import.imported.to_string(),
            source: import.source.to_string(),
        };
    }
    DoKind::NotDo
}

fn method_role(name: &str, method: &MethodDefinition<'_>, kind: &DoKind) -> MethodRole {
    if method.kind == MethodDefinitionKind::Constructor {
        return MethodRole::Constructor;
    }
    let private = method
        .accessibility
        .is_some_and(|access| !matches!(access, TSAccessibility::Public))
        || matches!(method.key, PropertyKey::PrivateIdentifier(_));
    if private
        || method.r#static
        || matches!(
            method.kind,
            MethodDefinitionKind::Get | MethodDefinitionKind::Set
        )
    {
        return MethodRole::Internal;
    }
    method_role_by_name(name, kind)
}

fn method_role_by_name(name: &str, kind: &DoKind) -> MethodRole {
    match name {
        "fetch" => MethodRole::Fetch,
        "alarm" => MethodRole::Alarm,
        "webSocketMessage" => MethodRole::WebSocketMessage,
        "webSocketClose" => MethodRole::WebSocketClose,
        "webSocketError" => MethodRole::WebSocketError,
        "onStart" if matches!(kind, DoKind::Framework(_)) => MethodRole::Startup,
        _ if matches!(kind, DoKind::Framework(_)) && FRAMEWORK_HOOKS.contains(&name) => {
            MethodRole::FrameworkHook
        }
        _ => MethodRole::Rpc,
    }
}

fn module_export_name<'a>(name: &ModuleExportName<'a>) -> &'a str {
    match name {
        ModuleExportName::IdentifierName(ident) => ident.name.as_str(),
        ModuleExportName::IdentifierReference(ident) => ident.name.as_str(),
        ModuleExportName::StringLiteral(literal) => literal.value.as_str(),
    }
}

fn declaration_names<'a>(declaration: &Declaration<'a>) -> Vec<&'a str> {
    match declaration {
        Declaration::ClassDeclaration(class) => {
            class.id.iter().map(|id| id.name.as_str()).collect()
        }
        Declaration::FunctionDeclaration(function) => {
            function.id.iter().map(|id| id.name.as_str()).collect()
        }
        Declaration::VariableDeclaration(variables) => variables
            .declarations
            .iter()
            .filter_map(|declarator| binding_name(&declarator.id))
            .collect(),
        _ => Vec::new(),
    }
}
