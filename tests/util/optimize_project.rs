//! A small Durable Object project on disk and the binary run in it: what
//! the optimize tests (CLI, robustness) share.
// Each test binary that declares `mod util` uses only part of it.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

pub fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_do-wizard"))
}

pub fn run(args: &[&str], dir: &Path) -> Output {
    binary()
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("binary runs")
}

pub fn write(dir: &Path, path: &str, text: &str) {
    let full = dir.join(path);
    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
    std::fs::write(full, text).unwrap();
}

pub const CHAT: &str = r#"import { DurableObject } from "cloudflare:workers";
export class Chat extends DurableObject {
  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, room TEXT)");
  }
  list(room: string) {
    return this.ctx.storage.sql.exec("SELECT * FROM messages WHERE room = ?", room).toArray();
  }
}
"#;

pub const CONFIG: &str = r#"{
  "name": "chat",
  "main": "src/index.ts",
  "compatibility_date": "2025-01-01",
  "durable_objects": { "bindings": [{ "name": "CHAT", "class_name": "Chat" }] },
  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Chat"] }]
}
"#;
