//! The patterns `new` can generate, read from their folders.
//!
//! Each pattern is one folder, `templates/patterns/<id>/`, whose
//! `pattern.toml` manifest says everything that differs between patterns and
//! is not code: names, the binding, the module file, the backends it
//! supports, its routes and vars, its `use_case` option and what the
//! recommendation says about it. The manifests are embedded with the
//! templates and parsed once into the [`registry`]; a [`PatternId`] is an
//! index into it, in canonical (`order`) order.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::render::TEMPLATES;

/// A pattern's identity: its place in the registry. The order is the
/// canonical order of generated files, bindings and routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PatternId(u16);

/// A `[[vars]]` entry: one of wrangler.jsonc's `vars`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Var {
    pub name: String,
    pub default: String,
    /// A value to try locally (`wrangler dev --var NAME:VALUE` in the README).
    #[serde(default, rename = "try")]
    pub try_value: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
    /// Only when this other pattern is also chosen.
    #[serde(default)]
    pub when: Option<String>,
    /// Only when this boolean of the template context is true (e.g.
    /// `analytics_ttl`): a condition of the data branch, see [`FLAGS`].
    #[serde(default)]
    pub when_flag: Option<String>,
}

/// A `[[test_vars]]` entry: a miniflare binding for `vitest.config.ts`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TestVar {
    pub name: String,
    pub value: String,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub when: Option<String>,
    #[serde(default)]
    pub when_flag: Option<String>,
}

/// The context booleans a var's `when_flag` may name.
pub const FLAGS: &[&str] = &["analytics_ttl", "sharding"];

/// What a pattern's `uses` may list.
pub const USES: &[&str] = &["alarms", "websockets"];

/// `[use_case]`: the `use_case` option this pattern answers.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UseCaseInfo {
    pub value: String,
    pub label: String,
    pub description: String,
}

/// `[recommend]`: what the recommendation says about the pattern.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RecommendInfo {
    pub why: String,
    pub scales: Vec<String>,
    pub persistence: String,
    pub queries: String,
}

/// One manifest, `templates/patterns/<id>/pattern.toml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Pattern {
    /// The answers-file value and template folder, e.g. `rate-limiter`.
    pub id: String,
    /// The Durable Object class, e.g. `RateLimiter`.
    pub class_name: String,
    /// The binding on `env`, e.g. `RATE_LIMITER`.
    pub binding: String,
    /// The file stem under `src/`, `src/routes/` and `test/`.
    pub module: String,
    /// A camelCase JavaScript identifier for the pattern.
    pub ident: String,
    pub title: String,
    /// The short label of the `patterns` (companions) option; the title
    /// when absent.
    #[serde(default)]
    pub label: Option<String>,
    /// The one-line description of the `patterns` option; the use case's
    /// description when absent.
    #[serde(default)]
    pub description: Option<String>,
    pub order: u32,
    /// The storage APIs the templates support; the first is the default.
    pub storage: Vec<String>,
    /// The routes the Worker serves for it (for the README and the review).
    #[serde(default)]
    pub routes: Vec<String>,
    /// Route prefixes that need the API token.
    #[serde(default)]
    pub service_prefixes: Vec<String>,
    /// Browser-facing route prefixes (no token).
    #[serde(default)]
    pub open_prefixes: Vec<String>,
    #[serde(default)]
    pub open_note: Option<String>,
    /// A file under `public/` this pattern ships.
    #[serde(default)]
    pub page: Option<String>,
    #[serde(default)]
    pub secrets_optional: Vec<String>,
    /// A TypeScript expression for the path of a route that reads a JSON
    /// body (the security tests post oversized bodies to it); the first
    /// chosen pattern that has one is used.
    #[serde(default)]
    pub body_route: Option<String>,
    /// What its code and tests use, for the README: `"alarms"`, `"websockets"`.
    #[serde(default)]
    pub uses: Vec<String>,
    /// A Markdown bullet for the README's Security list.
    #[serde(default)]
    pub security_bullet: Option<String>,
    /// Clauses added to the README's bullet on limits (names and bodies).
    #[serde(default)]
    pub security_notes: Vec<String>,
    /// The seeds' "when / storage / queries" line for it.
    pub fits: String,
    /// Where in the seeds it comes from.
    pub seed: String,
    pub use_case: UseCaseInfo,
    pub recommend: RecommendInfo,
    #[serde(default)]
    pub vars: Vec<Var>,
    #[serde(default)]
    pub test_vars: Vec<TestVar>,
    /// The id with `-` as `_`: the key in the templates' `has` map.
    #[serde(skip_deserializing)]
    pub snake: String,
}

impl Pattern {
    /// Whether the class has a variant for the key-value storage API.
    pub fn supports_kv(&self) -> bool {
        self.storage.iter().any(|storage| storage == "kv")
    }

    /// The label of its `patterns` option.
    pub fn label(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.title)
    }

    /// The description of its `patterns` option.
    pub fn description(&self) -> &str {
        self.description
            .as_deref()
            .unwrap_or(&self.use_case.description)
    }
}

/// Every pattern, in canonical order.
pub struct Registry {
    pub patterns: Vec<Pattern>,
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(|| {
    load(&TEMPLATES).unwrap_or_else(|error| panic!("a pattern manifest is malformed: {error}"))
});

/// The registry of the embedded manifests (parsed on first use).
pub fn registry() -> &'static Registry {
    &REGISTRY
}

/// Every pattern of `templates` (a folder holding `patterns/<id>/pattern.toml`),
/// sorted by `order`.
pub fn load(templates: &include_dir::Dir<'_>) -> Result<Registry, String> {
    let dir = templates
        .get_dir("patterns")
        .ok_or("the templates have no `patterns` folder")?;
    let mut patterns = Vec::new();
    for folder in dir.dirs() {
        let path = folder.path().join("pattern.toml");
        let file = folder
            .get_file(&path)
            .ok_or_else(|| format!("{} is missing", path.display()))?;
        let text = file
            .contents_utf8()
            .ok_or_else(|| format!("{} is not UTF-8", path.display()))?;
        let mut pattern: Pattern =
            toml::from_str(text).map_err(|error| format!("{}: {error}", path.display()))?;
        let folder_name = folder
            .path()
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or_default();
        if pattern.id != folder_name {
            return Err(format!(
                "{}: id `{}` is not the folder's name",
                path.display(),
                pattern.id
            ));
        }
        pattern.snake = pattern.id.replace('-', "_");
        patterns.push(pattern);
    }
    patterns.sort_by_key(|pattern| pattern.order);
    if patterns.len() > usize::from(u16::MAX) {
        return Err("too many patterns".to_string());
    }
    Ok(Registry { patterns })
}

impl Registry {
    pub fn ids(&self) -> impl Iterator<Item = PatternId> + use<> {
        (0..self.patterns.len()).map(|index| PatternId(index as u16))
    }

    pub fn by_slug(&self, slug: &str) -> Option<PatternId> {
        self.patterns
            .iter()
            .position(|pattern| pattern.id == slug)
            .map(|index| PatternId(index as u16))
    }

    pub fn by_use_case(&self, value: &str) -> Option<PatternId> {
        self.patterns
            .iter()
            .position(|pattern| pattern.use_case.value == value)
            .map(|index| PatternId(index as u16))
    }
}

impl PatternId {
    /// Every pattern, in canonical order.
    pub fn all() -> Vec<PatternId> {
        registry().ids().collect()
    }

    pub fn info(self) -> &'static Pattern {
        &registry().patterns[usize::from(self.0)]
    }

    pub fn slug(self) -> &'static str {
        &self.info().id
    }

    /// Whether this is the pattern with this answers-file value.
    pub fn is(self, slug: &str) -> bool {
        self.slug() == slug
    }

    pub fn from_slug(slug: &str) -> Option<PatternId> {
        registry().by_slug(slug)
    }

    /// The pattern with this answers-file value, which Rust code names
    /// because it has a row of its own (reasons, combinations).
    pub fn named(slug: &str) -> PatternId {
        Self::from_slug(slug).unwrap_or_else(|| panic!("no pattern `{slug}` in the registry"))
    }
}

/// A combination the seeds recommend, offered first among the companions.
#[derive(Debug, Clone, Copy)]
pub struct Combination {
    /// The two patterns' ids.
    pub patterns: [&'static str; 2],
    pub name: &'static str,
    pub why: &'static str,
    /// How each member is labelled when offered as the other's companion.
    pub labels: [&'static str; 2],
}

impl Combination {
    /// The companion label of `member` (one of `patterns`).
    pub fn label_of(&self, member: PatternId) -> &'static str {
        if member.is(self.patterns[0]) {
            self.labels[0]
        } else {
            self.labels[1]
        }
    }

    fn contains(&self, pattern: PatternId) -> bool {
        self.patterns.iter().any(|slug| pattern.is(slug))
    }
}

pub const COMBINATIONS: [Combination; 3] = [
    Combination {
        patterns: ["chat", "rate-limiter"],
        name: "spam prevention",
        why: "limit how fast each sender may post into a room",
        labels: [
            "Chat room — spam prevention",
            "Rate limiter — spam prevention",
        ],
    },
    Combination {
        patterns: ["session", "analytics"],
        name: "behaviour tracking",
        why: "count what users do while their session holds their state",
        labels: [
            "User session — behaviour tracking",
            "Analytics — behaviour tracking",
        ],
    },
    Combination {
        patterns: ["rate-limiter", "analytics"],
        name: "temporary counters",
        why: "counters that expire on their own (with session or ephemeral persistence), cleaned up by alarms",
        labels: [
            "Rate limiter — temporary counters",
            "Analytics — temporary counters",
        ],
    },
];

/// The seed combination that pairs `primary` with `companion`, if any.
pub fn combination(primary: PatternId, companion: PatternId) -> Option<&'static Combination> {
    COMBINATIONS.iter().find(|combination| {
        primary != companion && combination.contains(primary) && combination.contains(companion)
    })
}

/// Whether `text` is a JavaScript identifier in camelCase (no `$`, no `_`
/// first, ASCII only).
fn is_ident(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase()) && chars.all(|c| c.is_ascii_alphanumeric())
}

/// Every problem of a registry (empty when none): what a malformed manifest
/// would break in the generated projects.
pub fn problems(registry: &Registry, templates: &include_dir::Dir<'_>) -> Vec<String> {
    let mut problems = Vec::new();
    let mut unique = |what: &str, values: Vec<String>| {
        let mut seen = BTreeMap::new();
        for value in values {
            *seen.entry(value).or_insert(0) += 1;
        }
        for (value, count) in seen {
            if count > 1 {
                problems.push(format!("{count} patterns share the {what} `{value}`"));
            }
        }
    };
    let all = &registry.patterns;
    let column = |get: &dyn Fn(&Pattern) -> String| all.iter().map(get).collect::<Vec<_>>();
    unique("id", column(&|p| p.id.clone()));
    unique("class_name", column(&|p| p.class_name.clone()));
    unique("binding", column(&|p| p.binding.clone()));
    unique("module", column(&|p| p.module.clone()));
    unique("ident", column(&|p| p.ident.clone()));
    unique("order", column(&|p| p.order.to_string()));
    unique("use_case value", column(&|p| p.use_case.value.clone()));
    unique(
        "var",
        all.iter()
            .flat_map(|p| p.vars.iter().map(|var| var.name.clone()))
            .collect(),
    );
    let known = |slug: &str| all.iter().any(|p| p.id == slug);
    for pattern in all {
        let id = &pattern.id;
        let mut problem = |text: String| problems.push(format!("{id}: {text}"));
        if !is_ident(&pattern.ident) {
            problem(format!(
                "ident `{}` is not a camelCase identifier",
                pattern.ident
            ));
        }
        if !pattern
            .class_name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_uppercase())
            || !pattern
                .class_name
                .chars()
                .all(|c| c.is_ascii_alphanumeric())
        {
            problem(format!(
                "class_name `{}` is not a class name",
                pattern.class_name
            ));
        }
        if pattern.binding.is_empty()
            || !pattern
                .binding
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        {
            problem(format!("binding `{}` is not UPPER_SNAKE", pattern.binding));
        }
        if pattern.storage.first().map(String::as_str) != Some("sqlite")
            || pattern
                .storage
                .iter()
                .any(|storage| storage != "sqlite" && storage != "kv")
        {
            problem(format!(
                "storage {:?} must list \"sqlite\" first, and only \"sqlite\" and \"kv\"",
                pattern.storage
            ));
        }
        for prefix in pattern
            .service_prefixes
            .iter()
            .chain(&pattern.open_prefixes)
        {
            if !prefix.starts_with('/') {
                problem(format!("route prefix `{prefix}` does not start with /"));
            }
        }
        for scale in &pattern.recommend.scales {
            if crate::recommend::Scale::from_value(scale).is_none() {
                problem(format!("unknown scale `{scale}`"));
            }
        }
        if crate::recommend::Persistence::from_value(&pattern.recommend.persistence).is_none() {
            problem(format!(
                "unknown persistence `{}`",
                pattern.recommend.persistence
            ));
        }
        if crate::recommend::Queries::from_value(&pattern.recommend.queries).is_none() {
            problem(format!("unknown queries `{}`", pattern.recommend.queries));
        }
        let conditions = pattern
            .vars
            .iter()
            .map(|var| (&var.name, &var.when, &var.when_flag))
            .chain(
                pattern
                    .test_vars
                    .iter()
                    .map(|var| (&var.name, &var.when, &var.when_flag)),
            );
        for (name, when, flag) in conditions {
            if let Some(when) = when
                && !known(when)
            {
                problem(format!("var {name}: `when` names no pattern: `{when}`"));
            }
            if let Some(flag) = flag
                && !FLAGS.contains(&flag.as_str())
            {
                problem(format!("var {name}: unknown `when_flag` `{flag}`"));
            }
        }
        for used in &pattern.uses {
            if !USES.contains(&used.as_str()) {
                problem(format!("unknown `uses` entry `{used}`"));
            }
        }
        for var in &pattern.vars {
            if var.default.is_empty() {
                problem(format!("var {} has no default", var.name));
            }
        }
        let folder = format!("patterns/{id}");
        let mut files = vec![
            format!("{folder}/src/{}.ts.tera", pattern.module),
            format!("{folder}/src/routes/{}.ts.tera", pattern.module),
            format!("{folder}/test/{}.test.ts.tera", pattern.module),
        ];
        if let Some(page) = &pattern.page {
            files.push(format!("{folder}/public/{page}"));
        }
        for file in files {
            if templates.get_file(&file).is_none() {
                problem(format!("the folder has no {file}"));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_indexed_by_id() {
        for id in PatternId::all() {
            assert_eq!(PatternId::from_slug(id.slug()), Some(id));
            assert_eq!(id.info().snake, id.slug().replace('-', "_"));
        }
    }

    /// A malformed manifest is a bug in the binary: every embedded manifest
    /// parses, and together they are consistent.
    #[test]
    fn every_manifest_is_well_formed() {
        let registry = load(&TEMPLATES).unwrap();
        assert!(!registry.patterns.is_empty());
        let problems = problems(&registry, &TEMPLATES);
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn problems_are_found_in_a_broken_registry() {
        let mut registry = load(&TEMPLATES).unwrap();
        let mut copy = registry.patterns[0].clone();
        copy.ident = "Not An Ident".to_string();
        copy.vars.push(Var {
            name: "X".to_string(),
            default: String::new(),
            try_value: None,
            comment: None,
            when: Some("no-such-pattern".to_string()),
            when_flag: None,
        });
        registry.patterns.push(copy);
        let problems = problems(&registry, &TEMPLATES).join("\n");
        for expected in [
            "share the id",
            "share the class_name",
            "share the order",
            "is not a camelCase identifier",
            "names no pattern",
            "has no default",
        ] {
            assert!(problems.contains(expected), "{expected} in {problems}");
        }
    }

    #[test]
    fn combinations_name_known_patterns() {
        for combination in COMBINATIONS {
            for slug in combination.patterns {
                assert!(PatternId::from_slug(slug).is_some(), "{slug}");
            }
        }
    }
}
