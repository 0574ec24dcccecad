//! Entering and leaving the full-screen terminal, and restoring it on every
//! way out.
//!
//! [`FullScreen::enter`] enables raw mode, enters the alternate screen and
//! hides the cursor; dropping it undoes all three. The ways out are covered:
//!
//! - normal return and `?` errors: `Drop`;
//! - a panic: a panic hook, installed once before the first entry, restores
//!   the terminal *before* the default hook prints the message, so the
//!   message lands on the normal screen and the shell is usable;
//! - SIGINT, SIGTERM, SIGHUP: a signal thread. While a full-screen loop runs
//!   it only raises a flag that the loop's event source turns into
//!   `tui::event::Event::Interrupt` (the screen then quits through its
//!   normal path, dropping the guard). Outside a loop (an inquire prompt, a
//!   write) it restores the terminal itself and exits with 128 + the signal,
//!   after waiting for any write guarded by [`critical_section`], so a signal
//!   never leaves a half-written file.
//!
//! [`restore`] is idempotent and writes nothing when nothing was changed, so
//! plain mode never sees an escape code.

use std::io::{self, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{MutexGuard, Once};

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::{cursor, execute, terminal};

/// We are in the alternate screen with raw mode on.
static SCREEN_ACTIVE: AtomicBool = AtomicBool::new(false);
/// A full-screen loop is polling [`take_interrupt`].
static LOOP_RUNNING: AtomicBool = AtomicBool::new(false);
/// A signal arrived while a loop was running, not yet delivered.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);
/// A signal was delivered to a loop during this run.
static WAS_INTERRUPTED: AtomicBool = AtomicBool::new(false);
/// The interactive session may have changed the terminal (our screen, or an
/// inquire prompt in raw mode): restoring means writing escape codes.
static INTERACTIVE: AtomicBool = AtomicBool::new(false);
static HOOKS: Once = Once::new();

/// The terminal in full-screen mode; restored when dropped.
pub struct FullScreen {
    terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl FullScreen {
    /// Enter raw mode and the alternate screen, hide the cursor.
    pub fn enter() -> io::Result<Self> {
        install_hooks();
        terminal::enable_raw_mode()?;
        SCREEN_ACTIVE.store(true, Ordering::SeqCst);
        let mut stdout = io::stdout();
        if let Err(error) = execute!(stdout, terminal::EnterAlternateScreen, cursor::Hide) {
            restore();
            return Err(error);
        }
        let terminal = match Terminal::new(CrosstermBackend::new(stdout)) {
            Ok(terminal) => terminal,
            Err(error) => {
                restore();
                return Err(error);
            }
        };
        LOOP_RUNNING.store(true, Ordering::SeqCst);
        Ok(Self { terminal })
    }

    pub fn terminal(&mut self) -> &mut Terminal<CrosstermBackend<Stdout>> {
        &mut self.terminal
    }
}

impl Drop for FullScreen {
    fn drop(&mut self) {
        LOOP_RUNNING.store(false, Ordering::SeqCst);
        restore();
    }
}

/// Say that this run is interactive (prompts or full screen), and install
/// the panic hook and the signal thread. Called before the first prompt.
pub fn begin_interactive() {
    INTERACTIVE.store(true, Ordering::SeqCst);
    install_hooks();
}

/// Put the terminal back: leave the alternate screen, disable raw mode,
/// show the cursor. Safe to call any number of times, from any thread.
pub fn restore() {
    let mut stdout = io::stdout();
    if SCREEN_ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = execute!(stdout, terminal::LeaveAlternateScreen);
    }
    // A no-op unless raw mode was enabled (by us or by an inquire prompt).
    let _ = terminal::disable_raw_mode();
    if INTERACTIVE.load(Ordering::SeqCst) {
        let _ = execute!(stdout, cursor::Show);
    }
    let _ = stdout.flush();
}

/// Whether a signal asked the running loop to stop (and forget it).
pub fn take_interrupt() -> bool {
    let interrupted = INTERRUPTED.swap(false, Ordering::SeqCst);
    if interrupted {
        WAS_INTERRUPTED.store(true, Ordering::SeqCst);
    }
    interrupted
}

/// Whether a loop was stopped by a signal during this run (so the command
/// exits with 130 rather than 0).
pub fn was_interrupted() -> bool {
    WAS_INTERRUPTED.load(Ordering::SeqCst)
}

/// Hold this while writing files: a signal waits for it before exiting.
pub fn critical_section() -> MutexGuard<'static, ()> {
    crate::write::critical_section()
}

/// Install the signal thread for a scripted run (no prompts, no screen): a
/// SIGINT or SIGTERM then waits for a write in progress, removes the staging
/// directory of one not yet committed, and exits with 128 + the signal.
pub fn handle_signals() {
    install_hooks();
}

fn install_hooks() {
    HOOKS.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
        install_signal_thread();
    });
}

fn install_signal_thread() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        // Without the thread the default actions stay: the process still
        // stops on a signal, only without restoring the terminal.
        return;
    };
    let spawned = std::thread::Builder::new()
        .name("do-wizard-signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                if LOOP_RUNNING.load(Ordering::SeqCst) && !INTERRUPTED.swap(true, Ordering::SeqCst)
                {
                    // The loop quits at its next poll; a second signal
                    // before that falls through and exits here.
                    continue;
                }
                let _writing = critical_section();
                crate::write::abandon_staging();
                LOOP_RUNNING.store(false, Ordering::SeqCst);
                restore();
                // Not `eprintln!`: after a SIGHUP the terminal is gone, and a
                // panic here would end this thread instead of the process.
                let _ = writeln!(io::stderr(), "\ndo-wizard: interrupted");
                std::process::exit(128 + signal);
            }
        });
    drop(spawned);
}
