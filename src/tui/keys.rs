//! Key bindings as data: each screen lists its bindings once, and the key
//! → action lookup, the `?` overlay and `docs/terminal.md` come from that
//! list. The help line is a short selection of it, also data.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::event::is_ctrl_c;

/// One binding: the key codes, what they do, and how the help shows them.
#[derive(Debug, Clone, Copy)]
pub struct Binding<A: 'static> {
    pub codes: &'static [KeyCode],
    pub action: A,
    /// The keys as shown, e.g. `↑↓ jk`.
    pub keys: &'static str,
    /// What the binding does, in a few words.
    pub description: &'static str,
}

/// The action bound to `key`, if any. Ctrl-C always maps to `quit`;
/// other keys with Ctrl or Alt held map to nothing.
pub fn lookup<A: Copy>(bindings: &[Binding<A>], key: &KeyEvent, quit: A) -> Option<A> {
    if is_ctrl_c(key) {
        return Some(quit);
    }
    if key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    {
        return None;
    }
    bindings
        .iter()
        .find(|binding| binding.codes.contains(&key.code))
        .map(|binding| binding.action)
}

/// Every binding as `keys  description` lines, for the `?` overlay.
pub fn overlay_lines<A>(bindings: &[Binding<A>]) -> Vec<(String, String)> {
    bindings
        .iter()
        .map(|binding| (binding.keys.to_string(), binding.description.to_string()))
        .collect()
}

/// The bindings as a markdown table, as `docs/terminal.md` shows them (a
/// test keeps the document in step with the bindings).
pub fn markdown_table<A>(bindings: &[Binding<A>]) -> String {
    let mut table = String::from("| key | does |\n|---|---|\n");
    for binding in bindings {
        table.push_str(&format!(
            "| `{}` | {} |\n",
            binding.keys, binding.description
        ));
    }
    table
}
