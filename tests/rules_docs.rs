//! `docs/rules.md` is the rule catalog as the registry documents it; this
//! test keeps the two in step (`UPDATE_DOCS=1` rewrites the page).

use std::path::Path;

use do_wizard::commands::explain::catalog_markdown;

#[test]
fn docs_rules_md_matches_the_registry() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
    let expected = catalog_markdown();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/rules.md is out of date with the rule registry; run `UPDATE_DOCS=1 cargo test --test tests rules_docs`"
    );
}
