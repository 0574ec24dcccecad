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

/// Snapshot `screen` at 120×40 too (the 80×24 one is taken where the test
/// also checks its text).
fn snapshot_large(name: &str, screen: &impl Screen) {
    assert_screen!(format!("{name}_120x40"), screen_text(screen, 120, 40));
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
    snapshot_large("review_keys", &review);
    press(&mut review, &["x", "c", "k", "k"], 80, 24);
    let text = screen_text(&review, 80, 24);
    assert!(
        text.contains("Which answer do you want to change?"),
        "{text}"
    );
    assert_screen!("review_change_answer_80x24", text);
    snapshot_large("review_change_answer", &review);
    let outcome = review.update(Event::Key(key("enter")), Size::new(80, 24));
    assert_eq!(outcome, Some(ReviewOutcome::Change("queries")));
}

#[test]
fn too_small_replaces_the_screen_and_only_quits() {
    let review = review();
    let text = screen_text(&review, 60, 20);
    assert!(text.contains("Terminal too small"), "{text}");
    assert_screen!("too_small_60x20", text);
    // One column short of the minimum is already too small.
    assert_screen!("too_small_79x24", screen_text(&review, 79, 24));

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

// ---- The findings browser -------------------------------------------------

use do_wizard::optimize::answers::OptimizeAnswers;
use do_wizard::optimize::finding::{Area, Severity};
use do_wizard::tui::findings::{Browser, BrowserOutcome, Row};

/// The browser on the fixture repository (a relative root, so snapshots do
/// not hold this machine's paths).
fn browser() -> Browser {
    let root = Path::new("tests/fixtures/tui/optimize-repo");
    let analysis = do_wizard::optimize::analyze(root, &OptimizeAnswers::default()).unwrap();
    assert_eq!(
        analysis.findings.len(),
        3,
        "the fixture has one DO201 and two DO205"
    );
    Browser::new(analysis, Path::new("do-wizard-report.md"))
}

#[test]
fn findings_list_and_detail_at_both_sizes() {
    let browser = browser();
    let small = screen_text(&browser, 80, 24);
    assert!(small.contains("DO201 missing-index"), "{small}");
    assert!(small.contains("^^^^"), "the code frame has carets: {small}");
    assert_screen!("findings_80x24", small);
    assert_screen!("findings_120x40", screen_text(&browser, 120, 40));
}

#[test]
fn findings_detail_scrolls_to_the_diff() {
    let mut browser = browser();
    press(&mut browser, &["j", "tab", "pgdn"], 80, 24);
    let text = screen_text(&browser, 80, 24);
    assert!(text.contains("Proposed change"), "{text}");
    assert_screen!("findings_detail_scrolled_80x24", text);
    assert_screen!("findings_second_120x40", screen_text(&browser, 120, 40));
}

#[test]
fn findings_filtered_by_severity_and_area() {
    let mut browser = browser();
    press(&mut browser, &["s"], 80, 24);
    let text = screen_text(&browser, 80, 24);
    assert!(text.contains("1 of 3 findings · warning and up"), "{text}");
    assert!(!text.contains("DO205"), "{text}");
    assert_screen!("findings_filter_warning_80x24", text);
    snapshot_large("findings_filter_warning", &browser);
    press(&mut browser, &["s"], 80, 24);
    let text = screen_text(&browser, 80, 24);
    assert!(text.contains("No finding matches the filters"), "{text}");
    assert_screen!("findings_filter_none_80x24", text);
    snapshot_large("findings_filter_none", &browser);
    press(&mut browser, &["c", "a"], 80, 24);
    assert!(
        screen_text(&browser, 80, 24).contains("3 of 3 findings · area: queries")
            || screen_text(&browser, 80, 24).contains("area: queries")
    );
}

#[test]
fn findings_group_by_area_most_urgent_first() {
    let mut browser = browser();
    // Move the second finding to another area: it gets its own group after
    // the area of the first (most urgent) finding.
    browser.analysis.findings[1].area = Area::Websocket;
    let rows = browser.rows();
    assert_eq!(
        rows,
        [
            Row::Group(Area::Queries, 2),
            Row::Finding(0),
            Row::Finding(2),
            Row::Group(Area::Websocket, 1),
            Row::Finding(1)
        ]
    );
    assert_eq!(browser.visible(), [0, 2, 1]);
    press(&mut browser, &["a", "a"], 80, 24);
    assert_eq!(browser.area, Some(Area::Websocket));
    assert_eq!(browser.visible(), [1]);
    assert_eq!(browser.selected, Some(1));
    browser.severity = Some(Severity::Error);
    assert!(browser.visible().is_empty());
}

#[test]
fn fix_asks_first_and_only_for_safe_fixes() {
    let mut browser = browser();
    // DO201 has no machine fix: `f` says so and asks nothing.
    press(&mut browser, &["f"], 80, 24);
    let text = screen_text(&browser, 80, 24);
    assert!(text.contains("Nothing to apply for DO201"), "{text}");
    press(&mut browser, &["j", "f"], 80, 24);
    let text = screen_text(&browser, 80, 24);
    assert!(text.contains("Apply the safe fix for DO205"), "{text}");
    assert_screen!("findings_confirm_fix_80x24", text);
    snapshot_large("findings_confirm_fix", &browser);
    press(&mut browser, &["n"], 80, 24);
    assert!(screen_text(&browser, 80, 24).contains("Fix not applied."));
    press(&mut browser, &["f"], 80, 24);
    let outcome = browser.update(Event::Key(key("y")), Size::new(80, 24));
    assert!(
        matches!(outcome, Some(BrowserOutcome::ApplyFix(index)) if browser.analysis.findings[index].code == "DO205")
    );
}

#[test]
fn findings_keys_overlay_and_loop_outcomes() {
    let mut with_keys = browser();
    press(&mut with_keys, &["?"], 80, 24);
    assert_screen!("findings_keys_80x24", screen_text(&with_keys, 80, 24));
    snapshot_large("findings_keys", &with_keys);
    let cases: [(&[&str], BrowserOutcome); 3] = [
        (&["w"], BrowserOutcome::WriteReport),
        (&["j", "j", "k", "q"], BrowserOutcome::Quit),
        (&["?", "x", "ctrl-c"], BrowserOutcome::Quit),
    ];
    for (keys, expected) in cases {
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        let mut fresh = browser();
        let outcome = tui::run(&mut terminal, &mut fresh, &mut ScriptedEvents::keys(keys)).unwrap();
        assert_eq!(outcome, expected, "keys {keys:?}");
    }
}

#[test]
fn a_status_after_an_action_shows_above_the_keys() {
    let mut browser = browser();
    browser.set_status("Wrote the markdown report to do-wizard-report.md", false);
    let text = screen_text(&browser, 80, 24);
    assert!(
        text.contains("Wrote the markdown report to do-wizard-report.md"),
        "{text}"
    );
    assert_screen!("findings_status_80x24", text);
    snapshot_large("findings_status", &browser);
}

// ---- Plain mode: the same review as text ------------------------------------

#[test]
fn the_plain_review_shows_the_same_content_and_reads_a_decision() {
    let review = review();
    let text = do_wizard::tui::plain::review_text(&review, 80);
    assert!(!text.contains('\x1b'), "no escape codes in plain mode");
    assert!(
        text.contains("[use_case]") && text.contains("rate-limiter.ts"),
        "{text}"
    );
    assert_screen!("plain_review_80", text);

    let decide = |input: &str| {
        let mut output = Vec::new();
        let outcome =
            do_wizard::tui::plain::review(80, &review, &mut input.as_bytes(), &mut output).unwrap();
        (outcome, String::from_utf8(output).unwrap())
    };
    assert_eq!(decide("\n").0, ReviewOutcome::Accept);
    assert_eq!(decide("n\n").0, ReviewOutcome::Quit);
    assert_eq!(decide("").0, ReviewOutcome::Quit, "end of input quits");
    assert_eq!(decide("<\n").0, ReviewOutcome::Back);
    let (outcome, transcript) = decide("maybe\nc\n9\nc\n2\n");
    assert_eq!(outcome, ReviewOutcome::Change("scale"));
    assert!(
        transcript.contains("`maybe`: answer y, n, <, c or q"),
        "{transcript}"
    );
    assert!(
        transcript.contains("`9` is not a number from 1 to 6"),
        "{transcript}"
    );
}
