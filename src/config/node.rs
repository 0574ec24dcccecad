//! A syntax-neutral tree of config values with byte ranges, so that one reader
//! ([`read_document`]) fills the typed model from JSONC and TOML alike.

use super::{
    ClassMove, DurableObjectBinding, Environment, ExportEntry, Migration, Spanned, TextRange, Var,
    WranglerConfig,
};

/// A config value and where it was written.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub value: NodeValue,
    pub range: TextRange,
}

#[derive(Debug, Clone)]
pub(crate) enum NodeValue {
    String(String),
    /// Numbers, booleans, dates, null: present but not read.
    Scalar(String),
    Array(Vec<Node>),
    /// Keys with their ranges, in written order.
    Table(Vec<(Spanned<String>, Node)>),
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            NodeValue::Table(entries) => entries
                .iter()
                .find(|(name, _)| name.value == key)
                .map(|(_, node)| node),
            _ => None,
        }
    }

    fn string(&self) -> Option<Spanned<String>> {
        match &self.value {
            NodeValue::String(text) => Some(Spanned::new(text.clone(), self.range)),
            _ => None,
        }
    }

    fn text(&self) -> Option<String> {
        match &self.value {
            NodeValue::String(text) | NodeValue::Scalar(text) => Some(text.clone()),
            _ => None,
        }
    }

    fn items(&self) -> &[Node] {
        match &self.value {
            NodeValue::Array(items) => items,
            _ => &[],
        }
    }

    fn entries(&self) -> &[(Spanned<String>, Node)] {
        match &self.value {
            NodeValue::Table(entries) => entries,
            _ => &[],
        }
    }

    fn strings(&self) -> Vec<Spanned<String>> {
        self.items().iter().filter_map(Node::string).collect()
    }
}

/// Fill `config` from the document's root table.
pub(crate) fn read_document(root: &Node, config: &mut WranglerConfig) {
    config.name = root.get("name").and_then(Node::string);
    config.main = root.get("main").and_then(Node::string);
    config.compatibility_date = root.get("compatibility_date").and_then(Node::string);
    config.pages_build_output_dir = root.get("pages_build_output_dir").and_then(Node::string);
    config.compatibility_flags = root
        .get("compatibility_flags")
        .map(Node::strings)
        .unwrap_or_default();
    read_bindings(root, None, &mut config.bindings);
    if let Some(migrations) = root.get("migrations") {
        config.migrations_range = Some(migrations.range);
        config.migrations = read_migrations(migrations);
    }
    if let Some(exports) = root.get("exports") {
        config.exports_range = Some(exports.range);
        config.exports = Some(read_exports(exports));
    }
    if let Some(vars) = root.get("vars") {
        config.vars = vars
            .entries()
            .iter()
            .map(|(name, value)| Var {
                name: name.clone(),
                value: value.text(),
            })
            .collect();
    }
    if let Some(envs) = root.get("env") {
        for (env_name, env) in envs.entries() {
            read_bindings(env, Some(&env_name.value), &mut config.bindings);
            let migrations = env.get("migrations");
            let exports = env.get("exports");
            config.environments.push(Environment {
                name: env_name.clone(),
                main: env.get("main").and_then(Node::string),
                compatibility_date: env.get("compatibility_date").and_then(Node::string),
                compatibility_flags: env.get("compatibility_flags").map(Node::strings),
                migrations: migrations.map(read_migrations),
                migrations_range: migrations.map(|node| node.range),
                exports: exports.map(read_exports),
                exports_range: exports.map(|node| node.range),
            });
        }
    }
}

fn read_migrations(node: &Node) -> Vec<Migration> {
    node.items().iter().map(read_migration).collect()
}

fn read_exports(node: &Node) -> Vec<ExportEntry> {
    node.entries()
        .iter()
        .map(|(name, entry)| ExportEntry {
            class_name: name.clone(),
            kind: entry.get("type").and_then(Node::text),
            storage: entry.get("storage").and_then(Node::text),
            state: entry.get("state").and_then(Node::text),
            renamed_to: entry.get("renamed_to").and_then(Node::text),
            range: entry.range,
        })
        .collect()
}

fn read_bindings(table: &Node, environment: Option<&str>, out: &mut Vec<DurableObjectBinding>) {
    let Some(bindings) = table
        .get("durable_objects")
        .and_then(|objects| objects.get("bindings"))
    else {
        return;
    };
    for binding in bindings.items() {
        let (Some(name), Some(class_name)) = (
            binding.get("name").and_then(Node::string),
            binding.get("class_name").and_then(Node::string),
        ) else {
            continue;
        };
        out.push(DurableObjectBinding {
            name,
            class_name,
            script_name: binding.get("script_name").and_then(Node::string),
            environment: environment.map(str::to_owned),
            range: binding.range,
        });
    }
}

fn read_migration(node: &Node) -> Migration {
    let list = |key: &str| node.get(key).map(Node::strings).unwrap_or_default();
    let moves = |key: &str| {
        node.get(key)
            .map(|moves| {
                moves
                    .items()
                    .iter()
                    .map(|moved| ClassMove {
                        from: moved.get("from").and_then(Node::string),
                        to: moved.get("to").and_then(Node::string),
                        from_script: moved.get("from_script").and_then(Node::string),
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    Migration {
        tag: node.get("tag").and_then(Node::string),
        new_classes: list("new_classes"),
        new_sqlite_classes: list("new_sqlite_classes"),
        renamed_classes: moves("renamed_classes"),
        deleted_classes: list("deleted_classes"),
        transferred_classes: moves("transferred_classes"),
        range: node.range,
    }
}
