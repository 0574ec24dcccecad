//! A one-line text prompt for the terminal, with the editing keys a shell
//! user expects: Ctrl-U deletes to the line start, Ctrl-W the previous word,
//! Ctrl-K to the end, Ctrl-A/Ctrl-E and Home/End move to the ends (the
//! inquire text prompt wrote `u` and `w` for Ctrl-U and Ctrl-W).
//!
//! [`LineBuffer`] is the editing state, driven by key events and tested
//! without a terminal; [`prompt`] draws it on stderr in raw mode.

use std::io::Write;

use ratatui::crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::crossterm::style::Stylize;
use ratatui::crossterm::{cursor, queue, terminal};

/// What a key did to the prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// Keep editing.
    Continue,
    /// Enter: take the line (the default when it is empty).
    Submit,
    /// Esc (or Ctrl-D, Ctrl-G): back to the previous question.
    Back,
    /// Ctrl-C: quit.
    Quit,
}

/// The text being typed and the cursor in it (in characters).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineBuffer {
    chars: Vec<char>,
    cursor: usize,
}

impl LineBuffer {
    pub fn text(&self) -> String {
        self.chars.iter().collect()
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Apply one key.
    pub fn key(&mut self, key: &KeyEvent) -> Edit {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        match key.code {
            KeyCode::Char('c') if ctrl => return Edit::Quit,
            KeyCode::Char('d' | 'g') if ctrl => return Edit::Back,
            KeyCode::Esc => return Edit::Back,
            KeyCode::Enter => return Edit::Submit,
            KeyCode::Char('j' | 'm') if ctrl => return Edit::Submit,
            KeyCode::Char('u') if ctrl => {
                self.chars.drain(..self.cursor);
                self.cursor = 0;
            }
            KeyCode::Char('k') if ctrl => {
                self.chars.truncate(self.cursor);
            }
            KeyCode::Char('w') if ctrl => self.delete_word(),
            KeyCode::Backspace if alt => self.delete_word(),
            KeyCode::Char('h') if ctrl => self.backspace(),
            KeyCode::Backspace => self.backspace(),
            KeyCode::Delete if self.cursor < self.chars.len() => {
                self.chars.remove(self.cursor);
            }
            KeyCode::Char('a') if ctrl => self.cursor = 0,
            KeyCode::Home => self.cursor = 0,
            KeyCode::Char('e') if ctrl => self.cursor = self.chars.len(),
            KeyCode::End => self.cursor = self.chars.len(),
            KeyCode::Char('b') if ctrl => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Char('f') if ctrl => self.cursor = (self.cursor + 1).min(self.chars.len()),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(self.chars.len()),
            KeyCode::Char(c) if !ctrl && !alt && !c.is_control() => {
                self.chars.insert(self.cursor, c);
                self.cursor += 1;
            }
            // Any other key with Ctrl or Alt does nothing (it never types).
            _ => {}
        }
        Edit::Continue
    }

    fn backspace(&mut self) {
        if self.cursor > 0 {
            self.cursor -= 1;
            self.chars.remove(self.cursor);
        }
    }

    /// Delete the word before the cursor: separators (anything but letters
    /// and digits, e.g. the `-` of a Worker name) and then the letters and
    /// digits before them, so `my-chat-room` becomes `my-chat-`.
    fn delete_word(&mut self) {
        let mut start = self.cursor;
        while start > 0 && !self.chars[start - 1].is_alphanumeric() {
            start -= 1;
        }
        while start > 0 && self.chars[start - 1].is_alphanumeric() {
            start -= 1;
        }
        self.chars.drain(start..self.cursor);
        self.cursor = start;
    }
}

/// Checks a submitted line; the error is shown under it.
pub type Validate<'a> = &'a dyn Fn(&str) -> Result<(), String>;

/// How a prompt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Answer(String),
    Back,
    Quit,
}

/// Ask for one line on stderr: `? title (default) text`, the keys (or the
/// validation error) below. Empty input takes `default`.
pub fn prompt(
    title: &str,
    default: &str,
    help: &str,
    validate: Option<Validate<'_>>,
) -> anyhow::Result<Outcome> {
    terminal::enable_raw_mode()?;
    let result = run(title, default, help, validate);
    let _ = terminal::disable_raw_mode();
    result
}

/// Back to the start of the question's first line (`cursor_row` lines up),
/// clearing everything below it.
fn rewind(out: &mut impl Write, cursor_row: u16) -> std::io::Result<()> {
    if cursor_row > 0 {
        queue!(out, cursor::MoveUp(cursor_row))?;
    }
    queue!(
        out,
        cursor::MoveToColumn(0),
        terminal::Clear(terminal::ClearType::FromCursorDown)
    )
}

fn run(
    title: &str,
    default: &str,
    help: &str,
    validate: Option<Validate<'_>>,
) -> anyhow::Result<Outcome> {
    let mut out = std::io::stderr();
    let mut buffer = LineBuffer::default();
    let mut error: Option<String> = None;
    // Rows above the cursor's row that belong to the prompt, to redraw.
    let mut cursor_row = 0u16;
    loop {
        let width = usize::from(terminal::size().map_or(80, |(columns, _)| columns.max(20)));
        let head = if default.is_empty() {
            format!("? {title} ")
        } else {
            format!("? {title} ({default}) ")
        };
        let text = buffer.text();
        let below = match &error {
            Some(message) => format!("# {message}"),
            None => format!("[{help}]"),
        };
        rewind(&mut out, cursor_row)?;
        let shown_default = if default.is_empty() {
            String::new()
        } else {
            format!("({default}) ")
        };
        write!(
            out,
            "{} {title} {}{text}\r\n",
            "?".green().bold(),
            shown_default.dark_grey()
        )?;
        match &error {
            Some(_) => write!(out, "{}", below.as_str().red())?,
            None => write!(out, "{}", below.as_str().dark_grey())?,
        }
        // Put the cursor back in the text: rows and column of `head` plus
        // the characters before it.
        let before = head.chars().count() + buffer.cursor();
        let line_rows = (head.chars().count() + text.chars().count()) / width + 1;
        let below_rows = below.chars().count().saturating_sub(1) / width + 1;
        let target_row = before / width;
        let up = (line_rows - target_row) + below_rows - 1;
        queue!(
            out,
            cursor::MoveUp(up as u16),
            cursor::MoveToColumn((before % width) as u16)
        )?;
        out.flush()?;
        cursor_row = target_row as u16;

        let key = match event::read()? {
            Event::Key(key) if key.kind != KeyEventKind::Release => key,
            _ => continue,
        };
        let edit = buffer.key(&key);
        if edit != Edit::Submit {
            error = None;
        }
        let outcome = match edit {
            Edit::Continue => continue,
            Edit::Back => Outcome::Back,
            Edit::Quit => Outcome::Quit,
            Edit::Submit => {
                let text = buffer.text();
                let answer = if text.is_empty() {
                    default.to_string()
                } else {
                    text
                };
                match validate.map_or(Ok(()), |validate| validate(&answer)) {
                    Ok(()) => Outcome::Answer(answer),
                    Err(message) => {
                        error = Some(message);
                        continue;
                    }
                }
            }
        };
        // Leave one line that says how the question ended.
        rewind(&mut out, cursor_row)?;
        let ending = match &outcome {
            Outcome::Answer(answer) => answer.clone().cyan().to_string(),
            Outcome::Back => "← back".to_string(),
            Outcome::Quit => "<canceled>".dark_grey().to_string(),
        };
        write!(out, "{} {title} {ending}\r\n", ">".green())?;
        out.flush()?;
        return Ok(outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(buffer: &mut LineBuffer, text: &str) {
        for c in text.chars() {
            buffer.key(&KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
    }

    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    #[test]
    fn ctrl_u_and_ctrl_w_inserted_letters_in_the_name_prompt() {
        let mut buffer = LineBuffer::default();
        typed(&mut buffer, "my-chat-room");
        assert_eq!(buffer.key(&ctrl('w')), Edit::Continue);
        assert_eq!(buffer.text(), "my-chat-");
        buffer.key(&ctrl('w'));
        assert_eq!(buffer.text(), "my-");
        typed(&mut buffer, "app");
        // Ctrl-U deletes from the cursor to the start, keeping what follows.
        buffer.key(&KeyEvent::new(KeyCode::Left, KeyModifiers::NONE));
        buffer.key(&ctrl('u'));
        assert_eq!((buffer.text().as_str(), buffer.cursor()), ("p", 0));
        buffer.key(&ctrl('e'));
        typed(&mut buffer, "x");
        assert_eq!(buffer.text(), "px");
        // Other Ctrl keys never type their letter.
        buffer.key(&ctrl('t'));
        buffer.key(&KeyEvent::new(KeyCode::Char('z'), KeyModifiers::ALT));
        assert_eq!(buffer.text(), "px");
        buffer.key(&ctrl('a'));
        buffer.key(&ctrl('k'));
        assert_eq!(buffer.text(), "");
    }

    #[test]
    fn enter_esc_and_ctrl_c_end_the_prompt() {
        let mut buffer = LineBuffer::default();
        let key = |code| KeyEvent::new(code, KeyModifiers::NONE);
        assert_eq!(buffer.key(&key(KeyCode::Enter)), Edit::Submit);
        assert_eq!(buffer.key(&key(KeyCode::Esc)), Edit::Back);
        assert_eq!(buffer.key(&ctrl('c')), Edit::Quit);
        typed(&mut buffer, "ab");
        buffer.key(&key(KeyCode::Backspace));
        buffer.key(&key(KeyCode::Home));
        buffer.key(&key(KeyCode::Delete));
        assert_eq!(buffer.text(), "");
    }
}
