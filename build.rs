//! Rebuild when anything under `templates/` changes: `include_dir!` embeds the
//! folder, but cargo only tracks files it already knows, so a new template
//! would otherwise leave a stale binary.

fn main() {
    println!("cargo:rerun-if-changed=templates");
}
