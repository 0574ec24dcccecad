//! The semantic layer: per-file facts about Durable Objects code, and the
//! project-wide model that merges them with the wrangler configs.
//!
//! [`FileModel`] is built once per source file from its [`Nodes`] table and is
//! shared read-only by every file rule. It knows which classes are Durable
//! Object classes (extends `DurableObject` from `cloudflare:workers`, also
//! aliased or with `<Env>`; `implements DurableObject`; a constructor taking a
//! `DurableObjectState`; a `class_name` bound in a wrangler config; or a
//! framework base — partyserver `Server`, Agents SDK `Agent`/`AIChatAgent`,
//! `@cloudflare/actors` `Actor`), their constructor, handlers, RPC methods and
//! fields, how storage is reached (`this.ctx.storage`, `this.state.storage`,
//! the constructor's `ctx.storage`, fields assigned from these, and local
//! aliases such as `const sql = this.ctx.storage.sql` or
//! `const { storage } = this.ctx`), every `sql.exec` call with its SQL parsed,
//! Durable Object namespaces, ids and stubs, and the Worker's request paths.
//!
//! [`FileFacts`] is the owned, AST-free summary a file contributes to the
//! [`ProjectModel`](project::ProjectModel) (tables and indexes created,
//! classes, exports, stub calls), which the project rules read after every
//! file has been parsed.
//!
//! The query API rules share lives here too, never in `rules/` (no rule
//! imports another): [`class_facts`] (per-class facts: calls by name, the
//! user's names for state and storage, the `this.method()` call graph),
//! [`lifecycle`] (declarations, uses, exits, request paths), [`cold_start`]
//! (constructor facts), [`named_objects`] (calls that name an object),
//! [`configs`] (which configs are deployed, who owns a class, migrations)
//! and [`project`] (the project index, built once).

pub mod class_facts;
pub mod cold_start;
pub mod configs;
pub mod lifecycle;
pub mod name_origin;
pub mod named_objects;
pub mod project;
pub mod storage_api;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use oxc_ast::AstKind;
use oxc_ast::ast::*;
use oxc_span::{GetSpan, Span};

use super::semantic::{
    NodeId, Nodes, argument, binding_name, identifier_name, inner, is_this, key_name, member_path,
    method_call, static_member, this_member, type_name,
};
use super::sql::{self, SqlStatement};
use crate::text::TextRange;

/// What kind of Durable Object class a class is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DoKind {
    NotDo,
    /// Extends `DurableObject`, implements it, takes a `DurableObjectState`,
    /// or is bound as a `class_name`.
    Native,
    /// A framework base that dispatches its own hooks (`onMessage`, `onAlarm`…).
    Framework(&'static str),
    /// Extends a class imported from another file of the project; the project
    /// model decides.
    Inherited {
        base: String,
        source: String,
    },
}

/// Framework base classes: (package, class, label).
const FRAMEWORK_BASES: &[(&str, &str, &str)] = &[
    ("partyserver", "Server", "partyserver Server"),
    ("agents", "Agent", "Agents SDK Agent"),
    ("agents", "AIChatAgent", "Agents SDK AIChatAgent"),
    ("agents", "McpAgent", "Agents SDK McpAgent"),
    ("@cloudflare/actors", "Actor", "@cloudflare/actors Actor"),
];

/// The hooks a framework base calls itself.
pub const FRAMEWORK_HOOKS: &[&str] = &[
    "onMessage",
    "onConnect",
    "onClose",
    "onError",
    "onAlarm",
    "onStart",
    "onRequest",
    "onChatMessage",
];

/// What the runtime (or a framework) uses a method for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodRole {
    Constructor,
    Fetch,
    Alarm,
    WebSocketMessage,
    WebSocketClose,
    WebSocketError,
    /// A framework hook (`onMessage`…) in a framework subclass.
    FrameworkHook,
    /// A framework's once-per-start hook (`onStart` of partyserver's `Server`,
    /// the Agents SDK): the base class runs it inside `blockConcurrencyWhile`
    /// before the first request, like a constructor.
    Startup,
    /// Any other public method: callable over RPC.
    Rpc,
    /// Private, protected, `#private`, static, getters and setters.
    Internal,
}

impl MethodRole {
    /// Runs per request / message / alarm (not the constructor, not helpers).
    pub fn is_handler(self) -> bool {
        !matches!(
            self,
            MethodRole::Constructor | MethodRole::Startup | MethodRole::Internal
        )
    }

    /// Runs once per wake-up before any request: the constructor, or a
    /// framework's `onStart`.
    pub fn runs_at_start(self) -> bool {
        matches!(self, MethodRole::Constructor | MethodRole::Startup)
    }
}

/// A method (or a property holding a function) of a class.
#[derive(Debug, Clone)]
pub struct MethodModel<'a> {
    pub name: &'a str,
    pub role: MethodRole,
    /// The `Function` / `ArrowFunctionExpression` node.
    pub function: NodeId,
    /// The whole class element (for its span).
    pub span: Span,
    pub key_span: Span,
    pub is_async: bool,
}

/// An instance field declared in the class body.
#[derive(Debug, Clone)]
pub struct FieldModel<'a> {
    pub name: &'a str,
    pub span: Span,
    pub value: Option<&'a Expression<'a>>,
    pub type_name: Option<&'a str>,
}

/// Where an expression leads in the storage API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoragePath {
    /// `DurableObjectState` (`this.ctx`, `this.state`, the constructor's `ctx`).
    State,
    /// `DurableObjectStorage`.
    Storage,
    /// `SqlStorage`.
    Sql,
    /// The synchronous KV API.
    Kv,
}

/// One class declaration or expression.
#[derive(Debug, Clone)]
pub struct ClassModel<'a> {
    pub node: NodeId,
    pub class: &'a Class<'a>,
    pub name: Option<&'a str>,
    pub name_span: Span,
    pub kind: DoKind,
    pub exported: bool,
    pub methods: Vec<MethodModel<'a>>,
    pub fields: Vec<FieldModel<'a>>,
    /// Names (locals, parameters, `this.` fields) that lead into storage.
    pub local_aliases: HashMap<&'a str, StoragePath>,
    pub field_aliases: HashMap<&'a str, StoragePath>,
    /// The class installs a hook dispatcher (e.g. `Lifecycle.install(this)`).
    pub installs_dispatcher: bool,
}

impl<'a> ClassModel<'a> {
    pub fn is_do(&self) -> bool {
        !matches!(self.kind, DoKind::NotDo)
    }

    pub fn is_framework(&self) -> bool {
        matches!(self.kind, DoKind::Framework(_))
    }

    pub fn display_name(&self) -> &'a str {
        self.name.unwrap_or("(anonymous class)")
    }

    pub fn constructor(&self) -> Option<&MethodModel<'a>> {
        self.methods
            .iter()
            .find(|method| method.role == MethodRole::Constructor)
    }

    pub fn method(&self, name: &str) -> Option<&MethodModel<'a>> {
        self.methods.iter().find(|method| method.name == name)
    }

    pub fn handlers(&self) -> impl Iterator<Item = &MethodModel<'a>> {
        self.methods
            .iter()
            .filter(|method| method.role.is_handler())
    }
}

/// What a `sql.exec` call's first argument is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlSource {
    /// A string literal or a template without substitutions (maybe reached
    /// through a `const`).
    Literal,
    /// A template literal with `${…}` or a `+` concatenation.
    Built,
    /// Anything else (a variable we cannot follow, a call…).
    Unknown,
}

/// A call `<sql>.exec(query, ...bindings)`.
#[derive(Debug, Clone)]
pub struct SqlExec<'a> {
    /// The `CallExpression` node.
    pub node: NodeId,
    pub call: &'a CallExpression<'a>,
    /// The class the call is written in, as an index into `classes`.
    pub class: Option<usize>,
    pub source: SqlSource,
    /// The receiver certainly is `SqlStorage` (resolved through the storage
    /// API or its aliases), not just something named `sql`.
    pub confident: bool,
    /// The SQL text with constants substituted and other substitutions
    /// replaced by `?` (`None` when unknown).
    pub text: Option<String>,
    pub statements: Option<Vec<SqlStatement>>,
}

impl<'a> SqlExec<'a> {
    pub fn span(&self) -> Span {
        self.call.span
    }

    /// The first statement's kind, when parsed.
    pub fn statement(&self) -> Option<&SqlStatement> {
        self.statements
            .as_ref()
            .and_then(|statements| statements.first())
    }

    pub fn query_span(&self) -> Span {
        argument(self.call, 0).map_or(self.call.span, GetSpan::span)
    }
}

/// How a Durable Object id is obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    FromName,
    FromString,
    NewUnique,
    /// `getByName(name)`: an id and a stub in one call.
    GetByName,
}

/// `NS.idFromName(x)`, `NS.newUniqueId()`…
#[derive(Debug, Clone)]
pub struct IdCall<'a> {
    pub node: NodeId,
    pub call: &'a CallExpression<'a>,
    pub kind: IdKind,
    /// The binding name (`ROOMS` in `env.ROOMS.idFromName`), when visible.
    pub binding: Option<&'a str>,
}

/// A call on a Durable Object stub: `stub.method(...)` or `stub.fetch(...)`.
#[derive(Debug, Clone)]
pub struct StubCall<'a> {
    pub node: NodeId,
    pub call: &'a CallExpression<'a>,
    pub method: &'a str,
    pub binding: Option<&'a str>,
    /// The stub expression's text (`stub`, `env.ROOMS.get(id)`), for grouping.
    pub stub_key: String,
}

impl StubCall<'_> {
    pub fn is_fetch(&self) -> bool {
        self.method == "fetch"
    }
}

/// An `import` binding.
#[derive(Debug, Clone)]
pub struct Import<'a> {
    pub source: &'a str,
    /// The imported name (`default` for default imports, `*` for namespaces).
    pub imported: &'a str,
}

/// Everything the rules know about one source file.
pub struct FileModel<'a> {
    pub source_text: &'a str,
    pub program: &'a Program<'a>,
    pub nodes: Nodes<'a>,
    pub imports: HashMap<&'a str, Import<'a>>,
    /// `const NAME = <init>` anywhere in the file (names declared twice are
    /// left out: they cannot be followed by name).
    pub constants: HashMap<&'a str, &'a Expression<'a>>,
    pub classes: Vec<ClassModel<'a>>,
    /// Type-annotated parameters outside classes (`sql: SqlStorage`).
    pub typed_aliases: HashMap<&'a str, StoragePath>,
    pub sql_execs: Vec<SqlExec<'a>>,
    pub id_calls: Vec<IdCall<'a>>,
    pub stub_calls: Vec<StubCall<'a>>,
    /// Function nodes that serve requests in the Worker (`fetch` of the
    /// default export, Hono/itty route handlers, and module functions they
    /// call).
    pub request_paths: Vec<NodeId>,
    /// Function nodes of `scheduled`, `queue`, `tail` handlers.
    pub background_paths: Vec<NodeId>,
    /// Names this module exports (declarations, `export { }`, re-exports).
    pub exports: Vec<ExportFact>,
    /// All `CallExpression` nodes.
    pub calls: Vec<NodeId>,
}

/// A name this module exports, or a module it re-exports wholesale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportFact {
    Name(String),
    /// `export { A as B } from "./x"`: B, found in x as A.
    From {
        exported: String,
        imported: String,
        source: String,
    },
    /// `export * from "./x"`.
    All(String),
}

/// Names configs bind, known before any source is parsed.
#[derive(Debug, Clone, Default)]
pub struct ProjectHints {
    pub bound_classes: HashSet<String>,
    /// Each config's runtime compatibility, for file rules whose answer
    /// depends on runtime behaviour (DO307).
    pub compatibility: Vec<CompatibilityHint>,
}

/// The `compatibility_date` and flags of one wrangler config.
#[derive(Debug, Clone, Default)]
pub struct CompatibilityHint {
    /// The directory whose sources the config owns, relative to the root.
    pub dir: PathBuf,
    pub date: Option<String>,
    pub flags: Vec<String>,
}

impl CompatibilityHint {
    /// Read from a config. `compatibility_flags` are picked out of its text
    /// (the config model does not keep them): the quoted names in the array
    /// after the key, which reads the same in JSONC and TOML.
    pub fn of(path: &Path, config: &crate::config::WranglerConfig) -> Self {
        let text = config.text.as_str();
        let flags = text
            .find("compatibility_flags")
            .and_then(|key| {
                let open = key + text[key..].find('[')?;
                let close = open + text[open..].find(']')?;
                Some(&text[open + 1..close])
            })
            .map(|list| {
                list.split(['"', '\''])
                    .skip(1)
                    .step_by(2)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        CompatibilityHint {
            dir: path.parent().unwrap_or(Path::new("")).to_path_buf(),
            date: config
                .compatibility_date
                .as_ref()
                .map(|date| date.value.clone()),
            flags,
        }
    }

    /// Whether a dated behaviour is on: its flag is set, or the date reaches
    /// it and its opt-out flag is not set.
    pub fn enables(&self, flag: &str, opt_out: &str, since: &str) -> bool {
        if self.flags.iter().any(|set| set == opt_out) {
            return false;
        }
        self.flags.iter().any(|set| set == flag)
            || self.date.as_deref().is_some_and(|date| date >= since)
    }
}

impl ProjectHints {
    /// The compatibility of the config that owns a source file (the nearest
    /// one in an enclosing directory).
    pub fn compatibility_for(&self, file: &Path) -> Option<&CompatibilityHint> {
        self.compatibility
            .iter()
            .filter(|hint| file.starts_with(&hint.dir))
            .max_by_key(|hint| hint.dir.components().count())
    }
}

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
        };
        model.collect_declarations(hints);
        model.resolve_local_inheritance();
        for index in 0..model.classes.len() {
            model.collect_aliases(index);
        }
        model.collect_calls();
        model.collect_request_paths();
        model
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
        self.classes
            .iter()
            .enumerate()
            .filter(|(_, class)| self.nodes.contains(class.node, node))
            .max_by_key(|(_, class)| class.node)
            .map(|(index, _)| index)
    }

    /// The method of `class` whose function holds `node`.
    pub fn method_of(&self, class: usize, node: NodeId) -> Option<&MethodModel<'a>> {
        self.classes[class]
            .methods
            .iter()
            .filter(|method| self.nodes.contains(method.function, node))
            .max_by_key(|method| method.function)
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
        if kind == DoKind::NotDo && name.is_some_and(|name| hints.bound_classes.contains(name)) {
            kind = DoKind::Native;
        }
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
        }
    }

    fn node_of_function(&self, function: &Function<'a>) -> Option<NodeId> {
        self.node_of_span(function.span, false)
    }

    /// The function (or arrow) node with exactly this span.
    fn node_of_span(&self, span: Span, arrow: bool) -> Option<NodeId> {
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
                let base = base.clone();
                let resolved = self
                    .classes
                    .iter()
                    .find(|class| class.name == Some(base.as_str()))
                    .map(|class| class.kind.clone());
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
                        call,
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
    /// (`if (!this.ready) …`, `this.ready ??= …`, `this.ready ||= …`),
    /// searching up to `limit`.
    pub fn guarded_by_field(&self, node: NodeId, limit: NodeId) -> bool {
        for ancestor in self.nodes.ancestors(node) {
            if ancestor == limit {
                return false;
            }
            match self.nodes.kind(ancestor) {
                AstKind::IfStatement(statement)
                    if self.text(statement.test.span()).contains("this.") =>
                {
                    return true;
                }
                AstKind::ConditionalExpression(conditional)
                    if self.text(conditional.test.span()).contains("this.") =>
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

    /// The owned facts this file contributes to the project model.
    pub fn facts(&self, path: &Path) -> FileFacts {
        let classes = self
            .classes
            .iter()
            .filter_map(|class| {
                Some(ClassFact {
                    name: class.name?.to_string(),
                    range: range(class.name_span),
                    kind: class.kind.clone(),
                    exported: class.exported,
                    uses_sql: self
                        .sql_execs
                        .iter()
                        .any(|exec| exec.class.is_some_and(|index| self.classes[index].node == class.node))
                        || self.nodes.descendants(class.node).any(|(_, node)| {
                            matches!(node.kind, AstKind::StaticMemberExpression(member)
                                if member.property.name == "sql"
                                    && self.storage_path(&member.object, self.class_of(class.node + 1)) == Some(StoragePath::Storage))
                        }),
                    extends: class
                        .class
                        .heritage
                        .as_ref()
                        .and_then(|heritage| identifier_name(&heritage.expression))
                        .map(str::to_owned),
                    is_abstract: class.class.r#abstract,
                })
            })
            .collect();
        let sql = self
            .sql_execs
            .iter()
            .filter_map(|exec| {
                Some(SqlFact {
                    range: range(exec.span()),
                    query_range: range(exec.query_span()),
                    statements: exec.statements.clone()?,
                    consumption: self.consumption(exec.node),
                    in_class: exec.class.is_some_and(|index| self.classes[index].is_do()),
                })
            })
            .collect();
        let stubs = self
            .stub_calls
            .iter()
            .map(|stub| StubFact {
                range: range(stub.call.span),
                binding: stub.binding.map(str::to_owned),
                method: stub.method.to_string(),
                fetch_style: stub
                    .is_fetch()
                    .then(|| fetch_style(stub.call, self.source_text, &self.constants)),
            })
            .collect();
        // `ctx.exports.Name` / `this.ctx.exports.Name`: a class reached
        // without a binding (facets, loopback stubs).
        let mut exports_used: Vec<String> = self
            .nodes
            .iter()
            .filter_map(|(_, node)| match node.kind {
                AstKind::StaticMemberExpression(member) => match inner(&member.object) {
                    Expression::StaticMemberExpression(object)
                        if object.property.name == "exports" =>
                    {
                        Some(member.property.name.to_string())
                    }
                    _ => None,
                },
                _ => None,
            })
            .collect();
        exports_used.sort();
        exports_used.dedup();
        FileFacts {
            path: path.to_path_buf(),
            classes,
            sql,
            stubs,
            exports: self.exports.clone(),
            exports_used,
        }
    }

    /// How the cursor returned by the call at `node` is used.
    pub fn consumption(&self, node: NodeId) -> Consumption {
        let Some(parent) = self.nodes.parent(node) else {
            return Consumption::Unknown;
        };
        match self.nodes.kind(parent) {
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
}

/// How a cursor is consumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consumption {
    /// `toArray()`, spread, `Array.from`, `Response.json`.
    ToArray,
    /// `one()` or a single `next()`.
    One,
    Raw,
    Iterated,
    /// Used as a statement, or only for its counters.
    Discarded,
    Unknown,
}

/// How a stub's `fetch` is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchStyle {
    /// `stub.fetch(new Request(...))` or `stub.fetch(url, init)`.
    Constructed,
    /// Constructed with an `Upgrade: websocket` header.
    WebSocket,
    /// The incoming request passed on as is (or anything else).
    Forwarded,
}

fn fetch_style<'a>(
    call: &CallExpression<'a>,
    source_text: &str,
    constants: &HashMap<&'a str, &'a Expression<'a>>,
) -> FetchStyle {
    let Some(first) = argument(call, 0) else {
        return FetchStyle::Forwarded;
    };
    // `const request = new Request("https://do/x", …); stub.fetch(request)`.
    let first = match inner(first) {
        Expression::Identifier(ident) => match constants.get(ident.name.as_str()) {
            Some(init) if matches!(inner(init), Expression::NewExpression(_)) => *init,
            _ => first,
        },
        _ => first,
    };
    // A second argument that is not an object literal is the incoming
    // request used as the init (`new Request(url, request)`,
    // `stub.fetch(url, request)`), and an init that copies its parts
    // (`{ method: request.method, body: request.body }`): that forwards it.
    let forwards_init = |init: Option<&Argument<'_>>| {
        init.and_then(Argument::as_expression)
            .is_some_and(|init| match inner(init) {
                Expression::ObjectExpression(object) => {
                    object.properties.iter().any(|property| match property {
                        ObjectPropertyKind::ObjectProperty(property) => {
                            member_path(&property.value).is_some_and(|path| {
                                path.len() >= 2
                                    && path[..path.len() - 1]
                                        .iter()
                                        .any(|part| matches!(*part, "request" | "req" | "raw"))
                            })
                        }
                        ObjectPropertyKind::SpreadProperty(_) => true,
                    })
                }
                _ => true,
            })
    };
    let is_url_text = |expr: &Expression<'_>| {
        matches!(
            inner(expr),
            Expression::StringLiteral(_)
                | Expression::TemplateLiteral(_)
                | Expression::BinaryExpression(_)
        )
    };
    let constructed = match inner(first) {
        Expression::NewExpression(new) if identifier_name(&new.callee) == Some("Request") => {
            !forwards_init(new.arguments.get(1))
                // `new Request(request)`: a copy of the incoming request.
                && new.arguments.first().and_then(Argument::as_expression).is_some_and(|url| {
                    is_url_text(url)
                        || !member_path(url).is_some_and(|path| {
                            path.last().is_some_and(|last| {
                                matches!(*last, "request" | "req" | "raw")
                            })
                        })
                })
        }
        expr if is_url_text(expr) => !forwards_init(call.arguments.get(1)),
        _ => false,
    };
    if !constructed {
        return FetchStyle::Forwarded;
    }
    // A constructed upgrade request names the header value in the call.
    let call_text = &source_text[call.span.start as usize..call.span.end as usize];
    if call_text.to_ascii_lowercase().contains("websocket") {
        FetchStyle::WebSocket
    } else {
        FetchStyle::Constructed
    }
}

/// Owned facts about a class, for the project model.
#[derive(Debug, Clone)]
pub struct ClassFact {
    pub name: String,
    pub range: TextRange,
    pub kind: DoKind,
    pub exported: bool,
    pub uses_sql: bool,
    /// The name after `extends`, when it is a plain identifier.
    pub extends: Option<String>,
    /// `abstract class` (TypeScript): never instantiated by the runtime.
    pub is_abstract: bool,
}

/// Owned facts about one `sql.exec` call whose SQL parsed.
#[derive(Debug, Clone)]
pub struct SqlFact {
    pub range: TextRange,
    pub query_range: TextRange,
    pub statements: Vec<SqlStatement>,
    pub consumption: Consumption,
    /// Written inside a Durable Object class.
    pub in_class: bool,
}

/// Owned facts about one stub call.
#[derive(Debug, Clone)]
pub struct StubFact {
    pub range: TextRange,
    pub binding: Option<String>,
    pub method: String,
    pub fetch_style: Option<FetchStyle>,
}

/// What one file contributes to the project model.
#[derive(Debug, Clone, Default)]
pub struct FileFacts {
    /// Relative to the scanned root.
    pub path: PathBuf,
    pub classes: Vec<ClassFact>,
    pub sql: Vec<SqlFact>,
    pub stubs: Vec<StubFact>,
    pub exports: Vec<ExportFact>,
    /// Names read as `<ctx>.exports.Name`: classes reached without a binding.
    pub exports_used: Vec<String>,
}

/// Every name a binding pattern binds.
pub fn collect_binding_names<'a>(pattern: &BindingPattern<'a>, names: &mut HashSet<&'a str>) {
    match pattern {
        BindingPattern::BindingIdentifier(ident) => {
            names.insert(ident.name.as_str());
        }
        BindingPattern::AssignmentPattern(assignment) => {
            collect_binding_names(&assignment.left, names)
        }
        BindingPattern::ObjectPattern(object) => {
            for property in &object.properties {
                collect_binding_names(&property.value, names);
            }
            if let Some(rest) = &object.rest {
                collect_binding_names(&rest.argument, names);
            }
        }
        BindingPattern::ArrayPattern(array) => {
            for element in array.elements.iter().flatten() {
                collect_binding_names(element, names);
            }
            if let Some(rest) = &array.rest {
                collect_binding_names(&rest.argument, names);
            }
        }
    }
}

pub fn range(span: Span) -> TextRange {
    TextRange::new(span.start as usize, span.end as usize)
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

/// `State.storage` → Storage, `Storage.sql` → Sql, `Storage.kv` → Kv.
fn step(base: StoragePath, property: &str) -> Option<StoragePath> {
    match (base, property) {
        (StoragePath::State, "storage") => Some(StoragePath::Storage),
        (StoragePath::Storage, "sql") => Some(StoragePath::Sql),
        (StoragePath::Storage, "kv") => Some(StoragePath::Kv),
        _ => None,
    }
}

struct AliasView<'m, 'a> {
    locals: &'m HashMap<&'a str, StoragePath>,
    fields: &'m HashMap<&'a str, StoragePath>,
    typed: &'m HashMap<&'a str, StoragePath>,
}

impl<'a> AliasView<'_, 'a> {
    fn classify(&self, expr: &Expression<'a>) -> Option<StoragePath> {
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
