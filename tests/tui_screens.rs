//! Render snapshots of every full-screen view, at the smallest supported
//! size (80×24) and a roomy one (120×40), after scripted keys; and the
//! loop itself driven by scripted events on a `TestBackend`.
//!
//! Snapshots live under `snapshots/tui/` (set once, in `assert_screen!`).

use std::path::{Path, PathBuf};

use do_wizard::flow::{Answer, NewFlow};
use do_wizard::render::{Plan, PlannedFile};
use do_wizard::tui::event::{Event, ScriptedEvents, key};
use do_wizard::tui::review::{AnsweredQuestion, Review, ReviewOutcome};
use do_wizard::tui::{self, Screen};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Size;

/// Snapshot a screen's text under `snapshots/tui/`.
macro_rules! assert_screen {
    ($name:expr, $text:expr) => {
        insta::with_settings!({
            snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots/tui"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!($name, $text);
        })
    };
}

/// The text of `screen` drawn at `width` × `height`.
fn screen_text(screen: &impl Screen, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    tui::draw(&mut terminal, screen).unwrap();
    terminal.backend().to_string()
}

/// Press keys (by name) at a terminal size; the screen must not finish.
fn press(screen: &mut impl Screen, keys: &[&str], width: u16, height: u16) {
    for name in keys {
        let outcome = screen.update(Event::Key(key(name)), Size::new(width, height));
        assert!(outcome.is_none(), "`{name}` ended the screen");
    }
}

fn fixture_plan() -> Plan {
    fn collect(root: &Path, dir: &Path, files: &mut Vec<PlannedFile>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                collect(root, &path, files);
            } else {
                let mut relative = path.strip_prefix(root).unwrap().to_path_buf();
                if relative == Path::new("gitignore") {
                    relative = PathBuf::from(".gitignore");
                }
                files.push(PlannedFile {
                    path: relative,
                    contents: std::fs::read_to_string(&path).unwrap(),
                });
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tui/review-plan");
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Plan { files }
}

/// A review of the fixture plan, for a chat room with a rate limiter at
/// large scale, answered through the real flow.
fn review() -> Review {
    let mut flow = NewFlow::new();
    for value in ["realtime", "large", "hybrid", "filtering"] {
        flow.answer(Answer::One(value.into())).unwrap();
    }
    flow.answer(Answer::Many(vec!["rate-limiter".into()]))
        .unwrap();
    flow.answer(Answer::Text("my-chat".into())).unwrap();
    let recommendation = flow.recommendation().unwrap();
    let answered = flow
        .answered()
        .into_iter()
        .map(|(question, answer)| AnsweredQuestion::new(question, answer))
        .collect();
    Review::new(
        "my-chat",
        Path::new("./my-chat"),
        recommendation,
        answered,
        fixture_plan(),
    )
}

#[test]
fn review_at_both_sizes() {
    let review = review();
    let small = screen_text(&review, 80, 24);
    assert!(small.contains("ChatRoom"), "{small}");
    assert!(small.contains("src/"), "{small}");
    assert_screen!("review_80x24", small);
    assert_screen!("review_120x40", screen_text(&review, 120, 40));
}

#[test]
fn review_after_moving_to_another_file_and_scrolling() {
    let mut review = review();
    press(&mut review, &["j", "pgdn"], 80, 24);
    let text = screen_text(&review, 80, 24);
    assert!(text.contains("src/index.ts"), "{text}");
    assert_screen!("review_next_file_scrolled_80x24", text);
    press(&mut review, &["tab", "tab"], 120, 40);
    assert_screen!(
        "review_recommendation_focused_120x40",
        screen_text(&review, 120, 40)
    );
}

#[test]
fn review_help_and_change_answer_overlays() {
    let mut review = review();
    press(&mut review, &["?"], 80, 24);
    assert_screen!("review_keys_80x24", screen_text(&review, 80, 24));
    press(&mut review, &["x", "c", "k", "k"], 80, 24);
    let text = screen_text(&review, 80, 24);
    assert!(
        text.contains("Which answer do you want to change?"),
        "{text}"
    );
    assert_screen!("review_change_answer_80x24", text);
    let outcome = review.update(Event::Key(key("enter")), Size::new(80, 24));
    assert_eq!(outcome, Some(ReviewOutcome::Change("queries")));
}

#[test]
fn too_small_replaces_the_screen_and_only_quits() {
    let review = review();
    let text = screen_text(&review, 60, 20);
    assert!(text.contains("Terminal too small"), "{text}");
    assert_screen!("too_small_60x20", text);

    // Enter would write the project; below the minimum size it does nothing.
    let mut terminal = Terminal::new(TestBackend::new(60, 20)).unwrap();
    let mut review = review;
    let mut events = ScriptedEvents::keys(&["enter", "j", "q"]);
    let outcome = tui::run(&mut terminal, &mut review, &mut events).unwrap();
    assert_eq!(outcome, ReviewOutcome::Quit);
}

#[test]
fn the_loop_ends_on_each_review_decision() {
    let cases: [(&[&str], ReviewOutcome); 5] = [
        (&["j", "tab", "pgdn", "enter"], ReviewOutcome::Accept),
        (&["esc"], ReviewOutcome::Back),
        (&["b"], ReviewOutcome::Back),
        (&["c", "enter"], ReviewOutcome::Change("project_name")),
        (&["?", "j", "ctrl-c"], ReviewOutcome::Quit),
    ];
    for (keys, expected) in cases {
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        let mut review = review();
        let outcome =
            tui::run(&mut terminal, &mut review, &mut ScriptedEvents::keys(keys)).unwrap();
        assert_eq!(outcome, expected, "keys {keys:?}");
    }
}

#[test]
fn a_signal_quits_the_loop() {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let mut review = review();
    let mut events = ScriptedEvents::new([Event::Key(key("j")), Event::Interrupt]);
    assert_eq!(
        tui::run(&mut terminal, &mut review, &mut events).unwrap(),
        ReviewOutcome::Quit
    );
}

#[test]
fn resizing_redraws_at_the_new_size() {
    let mut terminal = Terminal::new(TestBackend::new(60, 20)).unwrap();
    let mut review = review();
    tui::draw(&mut terminal, &review).unwrap();
    assert!(
        terminal
            .backend()
            .to_string()
            .contains("Terminal too small")
    );
    terminal.backend_mut().resize(80, 24);
    let mut events = ScriptedEvents::new([Event::Resize, Event::Key(key("q"))]);
    tui::run(&mut terminal, &mut review, &mut events).unwrap();
    let text = terminal.backend().to_string();
    assert!(
        !text.contains("Terminal too small") && text.contains("Recommendation"),
        "{text}"
    );
}

#[test]
fn back_with_nothing_to_go_back_to_says_so() {
    let mut review = review();
    review.answered.clear();
    press(&mut review, &["b"], 80, 24);
    assert!(screen_text(&review, 80, 24).contains("Nothing to go back to"));
}

#[test]
fn the_preview_is_coloured_by_the_highlighter() {
    use ratatui::style::Color;
    let review = review();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    tui::draw(&mut terminal, &review).unwrap();
    let buffer = terminal.backend().buffer();
    let find = |text: &str| -> (u16, u16) {
        for y in 0..buffer.area.height {
            let row: String = (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect();
            if let Some(x) = row.find(text) {
                let column = row[..x].chars().count() as u16;
                return (column, y);
            }
        }
        panic!("`{text}` is not on the screen");
    };
    let (x, y) = find("import { DurableObject }");
    assert_eq!(buffer[(x, y)].fg, Color::Magenta, "keyword");
    let (x, y) = find("\"cloudflare:workers\"");
    assert_eq!(buffer[(x, y)].fg, Color::Green, "string");
    let (x, y) = find("// Schema and indexes");
    assert_eq!(buffer[(x, y)].fg, Color::DarkGray, "comment");
}
