//! The semantic layer: per-file facts about Durable Objects code, and the
//! project-wide model that merges them with the wrangler configs.
//!
//! [`FileModel`] is built once per source file from its [`Nodes`] table and is
//! shared read-only by every file rule. It knows which classes are Durable
//! Object classes (extends `DurableObject` from `cloudflare:workers`, also
//! aliased or with `<Env>`; `implements DurableObject`; a constructor taking a
//! `DurableObjectState`; a `class_name` bound in a wrangler config; or a
//! framework base — partyserver `Server`, y-partyserver `YServer`, partysync
//! `SyncServer`, Agents SDK `Agent`/`AIChatAgent`/`McpAgent`,
//! `@cloudflare/ai-chat`, `@cloudflare/actors` `Actor`, or any package base
//! of a bound class; a class that only takes a `DurableObjectState` and is
//! neither exported nor bound is a helper), their constructor, handlers, RPC methods and
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
//! The package: this file holds the types; [`builder`] builds a
//! [`FileModel`] (once per file, while the AST is alive), [`query`] is the
//! read-only API rules call on it, [`facts`] turns it into [`FileFacts`],
//! [`storage_api`] is the one storage-API word list, and [`name_origin`] the
//! name-origin (taint) engine, [`call_graph`] the per-file call graph the
//! "where does this run" rules walk, and `sql_sources` the SQL that reaches
//! storage through wrappers and frameworks' tagged templates. The query API
//! rules share lives here too,
//! never in `rules/` (no rule imports another): [`class_facts`] (per-class facts: calls by name, the
//! user's names for state and storage, the `this.method()` call graph),
//! [`lifecycle`] (declarations, uses, exits, request paths), [`cold_start`]
//! (constructor facts), [`named_objects`] (calls that name an object),
//! [`configs`] (which configs are deployed, who owns a class, migrations)
//! and [`project`] (the project index, built once).

pub mod builder;
pub mod call_graph;
pub mod class_facts;
pub mod cold_start;
pub mod configs;
pub mod facts;
pub mod lifecycle;
pub mod name_origin;
pub mod named_objects;
pub mod project;
pub mod query;
mod sql_sources;
pub mod storage_api;

pub use facts::{ClassFact, FileFacts, SqlFact, StubFact};

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use oxc_ast::ast::*;
use oxc_span::{GetSpan, Span};

use super::semantic::{NodeId, Nodes, argument};
use super::sql::SqlStatement;
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
    (
        "@cloudflare/ai-chat",
        "AIChatAgent",
        "@cloudflare/ai-chat AIChatAgent",
    ),
    ("y-partyserver", "YServer", "y-partyserver YServer"),
    ("partysync", "SyncServer", "partysync SyncServer"),
];

/// The label of a class whose base comes from a package not in
/// [`FRAMEWORK_BASES`] and that is bound as a Durable Object: by rules.md's
/// general reading, that base is a framework that dispatches its own hooks.
pub const PACKAGE_FRAMEWORK: &str = "a framework base from a package";

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
    /// A Durable Object only because its constructor takes a
    /// `DurableObjectState` (no base, not bound): a helper unless exported.
    pub state_parameter_only: bool,
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

/// What brought a SQL statement to storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlOrigin {
    /// `<sql>.exec(query, ...bindings)`.
    Exec,
    /// A call of a same-file wrapper whose string parameter reaches `exec`
    /// (`sql2(query, ...args)`, `this.query(q, ...p)`).
    Wrapper,
    /// A framework's tagged template over `exec` (the Agents SDK's
    /// `` this.sql`SELECT … ${x}` ``): values are bound parameters and the
    /// result is an array of rows.
    TaggedTemplate,
}

/// One SQL statement given to storage, whatever brought it there: an
/// `exec` call, a wrapper's call, or a framework's tagged template. Every
/// SQL rule (2xx) reads these.
#[derive(Debug, Clone)]
pub struct SqlExec<'a> {
    /// The `CallExpression` (or `TaggedTemplateExpression`) node.
    pub node: NodeId,
    /// The call (`exec`, or the wrapper's); `None` for a tagged template.
    pub call: Option<&'a CallExpression<'a>>,
    pub origin: SqlOrigin,
    /// For a wrapper's call: the `exec` call inside the wrapper.
    pub inner: Option<NodeId>,
    /// The whole expression.
    pub span: Span,
    /// The callee (`this.sql.exec`, `sql2`) or the template's tag.
    pub callee_span: Span,
    /// The SQL argument (or the template).
    pub query_span: Span,
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
        self.span
    }

    /// The first statement's kind, when parsed.
    pub fn statement(&self) -> Option<&SqlStatement> {
        self.statements
            .as_ref()
            .and_then(|statements| statements.first())
    }

    pub fn query_span(&self) -> Span {
        self.query_span
    }

    /// The SQL argument of a call (not of a tagged template).
    pub fn query(&self) -> Option<&'a Expression<'a>> {
        let call = self.call?;
        call.arguments
            .iter()
            .filter_map(Argument::as_expression)
            .find(|argument| argument.span() == self.query_span)
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
    /// Class name → index of the first class with that name.
    class_index: HashMap<&'a str, usize>,
    /// Class node → its index, and method function node → (class, method):
    /// "which class / method holds this node" walks up the parents instead
    /// of testing every class and method (quadratic in large files).
    class_nodes: HashMap<NodeId, usize>,
    method_nodes: HashMap<NodeId, (usize, usize)>,
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
    /// `compatibility` by directory, built on first use (the last hint of
    /// a directory wins, as it always did).
    pub compatibility_by_dir: std::sync::OnceLock<HashMap<PathBuf, usize>>,
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
        let by_dir = self.compatibility_by_dir.get_or_init(|| {
            self.compatibility
                .iter()
                .enumerate()
                .map(|(index, hint)| (hint.dir.clone(), index))
                .collect()
        });
        file.ancestors()
            .find_map(|dir| by_dir.get(dir))
            .map(|&index| &self.compatibility[index])
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
