//! The Worker name a target directory suggests, for `new DIR` without a
//! `project_name`: `MyChat` → `mychat`, `my chat (2)` → `my-chat-2`.

use std::path::Path;

/// The last component of `dir` (of its absolute form for `.` and `..`).
pub fn dir_name(dir: &Path) -> Option<String> {
    let name = dir
        .file_name()
        .map(|name| name.to_string_lossy().into_owned());
    name.or_else(|| {
        std::fs::canonicalize(dir)
            .ok()?
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
    })
}

/// A Worker name from a directory name: lowercased, every character other
/// than `a-z`, `0-9` and `-` mapped to `-`, runs of `-` collapsed, `-`
/// trimmed from both ends. The error says, in a few words, why there is none.
pub fn from_dir_name(name: &str) -> Result<String, String> {
    let mut derived = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() {
            c
        } else {
            '-'
        };
        if !(c == '-' && (derived.is_empty() || derived.ends_with('-'))) {
            derived.push(c);
        }
    }
    let derived = derived.trim_end_matches('-').to_string();
    if derived.is_empty() {
        return Err("it has no letters or digits".to_string());
    }
    if !derived.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(format!("`{derived}` would not start with a letter"));
    }
    if derived.len() > 63 {
        return Err(format!(
            "`{derived}` would be {} characters, over the 63 a Worker name may have",
            derived.len()
        ));
    }
    Ok(derived)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_yes_mychat_named_the_worker_my_durable_objects() {
        assert_eq!(from_dir_name("MyChat").as_deref(), Ok("mychat"));
        assert_eq!(
            from_dir_name("my_chat room (2)").as_deref(),
            Ok("my-chat-room-2")
        );
        assert_eq!(from_dir_name("--Chat--").as_deref(), Ok("chat"));
        assert_eq!(from_dir_name("my-chat").as_deref(), Ok("my-chat"));
        assert_eq!(from_dir_name("Café").as_deref(), Ok("caf"));
        for bad in ["2chat", "___", "", &"a".repeat(64)] {
            let derived = from_dir_name(bad);
            assert!(derived.is_err(), "{bad}: {derived:?}");
        }
        for good in ["mychat", "my-chat-room-2", "chat", &"a".repeat(63)] {
            crate::flow::machine::valid_project_name(&from_dir_name(good).unwrap()).unwrap();
        }
    }

    #[test]
    fn the_current_directory_gives_its_own_name() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("Team Chat");
        std::fs::create_dir(&dir).unwrap();
        assert_eq!(dir_name(&dir.join(".")).as_deref(), Some("Team Chat"));
        assert_eq!(dir_name(Path::new("out/MyChat")).as_deref(), Some("MyChat"));
    }
}
