//! Rendering: recommendation → an in-memory [`Plan`] of files → disk.
//!
//! Nothing touches the disk until the whole plan has rendered; [`write`]
//! then moves it into place atomically. `--dry-run` prints the plan instead.

pub mod context;
pub mod write;

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use include_dir::{Dir, DirEntry, include_dir};

use crate::flow::NewAnswers;
use crate::recommend::Recommendation;
pub use context::TemplateContext;

/// The templates, embedded at build time.
pub static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates");

/// One file of a plan: where it goes (relative to the project) and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedFile {
    pub path: PathBuf,
    pub contents: String,
}

/// Every file of a project, sorted by path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub files: Vec<PlannedFile>,
}

impl Plan {
    /// The file at `path`, if the plan has it.
    pub fn file(&self, path: &str) -> Option<&PlannedFile> {
        self.files.iter().find(|file| file.path == Path::new(path))
    }

    /// The paths as a tree listing, one per line.
    pub fn tree(&self) -> String {
        self.files
            .iter()
            .map(|file| format!("{}\n", file.path.display()))
            .collect()
    }
}

/// Render the project for these answers from the embedded templates.
pub fn plan(answers: &NewAnswers, recommendation: &Recommendation) -> anyhow::Result<Plan> {
    let context = TemplateContext::new(answers, recommendation);
    let mut tera_context =
        tera::Context::from_serialize(&context).context("building the template context")?;
    // Each pattern's README section (its optional `readme.md.tera`), rendered
    // first: the base README lists them in the patterns' order.
    let mut sections = Vec::new();
    for pattern in recommendation.patterns() {
        let name = format!("patterns/{}/{README_SECTION}", pattern.slug());
        if let Some(file) = TEMPLATES.get_file(&name) {
            let text = file
                .contents_utf8()
                .with_context(|| format!("template {name} is not UTF-8"))?;
            let rendered = render_template(&name, text, &tera_context)
                .map_err(|error| anyhow::anyhow!("{}", describe_tera_error(&error)))
                .with_context(|| format!("rendering template {name}"))?;
            sections.push(rendered.trim_end().to_string());
        }
    }
    tera_context.insert("readme_sections", &sections);
    let mut roots = vec!["base".to_string()];
    roots.extend(
        recommendation
            .patterns()
            .into_iter()
            .map(|pattern| format!("patterns/{}", pattern.slug())),
    );
    plan_with(&TEMPLATES, &roots, &tera_context)
}

/// A pattern's section of the generated README (optional); not a file of
/// the project.
const README_SECTION: &str = "readme.md.tera";

/// Render every file under `roots` of `templates` with `context`.
pub fn plan_from(
    templates: &Dir<'_>,
    roots: &[String],
    context: &TemplateContext,
) -> anyhow::Result<Plan> {
    let tera_context =
        tera::Context::from_serialize(context).context("building the template context")?;
    plan_with(templates, roots, &tera_context)
}

fn plan_with(
    templates: &Dir<'_>,
    roots: &[String],
    tera_context: &tera::Context,
) -> anyhow::Result<Plan> {
    let mut files = Vec::new();
    for root in roots {
        let dir = templates
            .get_dir(root)
            .with_context(|| format!("the templates have no `{root}` folder"))?;
        let mut sources = Vec::new();
        collect_files(dir, &mut sources);
        for file in sources {
            let source = file.path();
            // A pattern's manifest and README section are not files of the project.
            if source
                .file_name()
                .is_some_and(|name| name == "pattern.toml" || name == README_SECTION)
            {
                continue;
            }
            let relative = source
                .strip_prefix(root)
                .expect("files lie under their root");
            let text = file
                .contents_utf8()
                .with_context(|| format!("template {} is not UTF-8", source.display()))?;
            let (output, contents) = match relative.to_str().and_then(|s| s.strip_suffix(".tera")) {
                Some(stripped) => {
                    let name = source.to_string_lossy();
                    let rendered = render_template(&name, text, tera_context)
                        .map_err(|error| anyhow::anyhow!("{}", describe_tera_error(&error)))
                        .with_context(|| format!("rendering template {name}"))?;
                    // A template that renders to nothing is a file this
                    // project does not need (e.g. public/index.html without pages).
                    if rendered.trim().is_empty() {
                        continue;
                    }
                    (PathBuf::from(stripped), rendered)
                }
                None => (relative.to_path_buf(), text.to_string()),
            };
            files.push(PlannedFile {
                path: output_path(&output),
                contents,
            });
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    if let Some(pair) = files.windows(2).find(|pair| pair[0].path == pair[1].path) {
        anyhow::bail!(
            "two templates render to the same file {}",
            pair[0].path.display()
        );
    }
    Ok(Plan { files })
}

/// Render one template. Templates are compiled once per process, keyed by
/// their path and text, so rendering many projects (the combination tests)
/// does not parse the same template again for each.
fn render_template(name: &str, text: &str, context: &tera::Context) -> tera::TeraResult<String> {
    use std::collections::HashMap;
    use std::sync::{LazyLock, Mutex};
    static COMPILED: LazyLock<Mutex<HashMap<(String, String), tera::Tera>>> =
        LazyLock::new(|| Mutex::new(HashMap::new()));
    let key = (name.to_string(), text.to_string());
    let mut compiled = COMPILED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if !compiled.contains_key(&key) {
        let mut tera = tera::Tera::default();
        // Never escape: the outputs are code, configs and Markdown.
        tera.autoescape_on(Vec::<&'static str>::new());
        tera.add_raw_template("one_off", text)?;
        compiled.insert(key.clone(), tera);
    }
    compiled[&key].render("one_off", context)
}

fn collect_files<'a>(dir: &'a Dir<'a>, out: &mut Vec<&'a include_dir::File<'a>>) {
    for entry in dir.entries() {
        match entry {
            DirEntry::Dir(child) => collect_files(child, out),
            DirEntry::File(file) => out.push(file),
        }
    }
}

/// `gitignore`, `dev.vars`, `dev.vars.example`, `node-version` and
/// `prettierrc.json` become dotfiles (a dotfile would be awkward to keep as a
/// template); every other path is kept.
fn output_path(path: &Path) -> PathBuf {
    match path.file_name().and_then(|name| name.to_str()) {
        Some(
            name @ ("gitignore" | "dev.vars" | "dev.vars.example" | "node-version"
            | "prettierrc.json"),
        ) => path.with_file_name(format!(".{name}")),
        _ => path.to_path_buf(),
    }
}

fn describe_tera_error(error: &tera::Error) -> String {
    use std::error::Error as _;
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
