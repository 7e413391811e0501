//! Questions for the person at the terminal. They go to `/dev/tty`, never stdout, so that
//! credential_process and `eval $(…)` keep working while a login asks. Without a terminal, the
//! question becomes an error at once instead of a hang.

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Write};
use std::sync::atomic::{AtomicU8, Ordering};

use crate::error::{Error, exit};
use crate::secret::Secret;

/// The controlling terminal for full-screen questions (the role picker, the Duo spinner), or
/// `None` without one.
pub fn terminal() -> Option<console::Term> {
    let open = || OpenOptions::new().read(true).write(true).open("/dev/tty").ok();
    let term = console::Term::read_write_pair(open()?, open()?);
    term.is_term().then_some(term)
}

/// True when a person can be asked: the process has a controlling terminal.
pub fn terminal_available() -> bool {
    OpenOptions::new().read(true).write(true).open("/dev/tty").is_ok()
}

fn no_terminal(what: &'static str, profile: &str) -> Error {
    Error::NeedsTerminal { what, profile: profile.to_string() }
}

/// Asks for a secret without echo. Echo goes off before the prompt is shown, so nothing typed
/// ahead is ever displayed; the terminal is restored afterwards (and by the Ctrl-C handler).
pub fn secret(label: &str, what: &'static str, profile: &str) -> Result<Secret, Error> {
    use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};
    let tty =
        OpenOptions::new().read(true).write(true).open("/dev/tty").map_err(|_| no_terminal(what, profile))?;
    let saved = tcgetattr(&tty).map_err(|_| no_terminal(what, profile))?;
    let mut quiet = saved.clone();
    quiet.local_modes.remove(LocalModes::ECHO);
    quiet.local_modes.insert(LocalModes::ECHONL);
    tcsetattr(&tty, OptionalActions::Flush, &quiet).map_err(|_| no_terminal(what, profile))?;
    let answer = (|| {
        (&tty).write_all(label.as_bytes())?;
        let mut line = zeroize::Zeroizing::new(String::new());
        BufReader::new(&tty).read_line(&mut line)?;
        Ok::<_, std::io::Error>(line)
    })();
    let _ = tcsetattr(&tty, OptionalActions::Now, &saved);
    match answer {
        Ok(line) => Ok(Secret::new(line.trim_end_matches(['\r', '\n']))),
        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => Err(Error::Interrupted),
        Err(_) => Err(no_terminal(what, profile)),
    }
}

/// Asks for a line of text, offering `default` on an empty answer.
pub fn line(label: &str, default: Option<&str>, what: &'static str, profile: &str) -> Result<String, Error> {
    let tty =
        OpenOptions::new().read(true).write(true).open("/dev/tty").map_err(|_| no_terminal(what, profile))?;
    let mut out = &tty;
    let shown = match default {
        Some(d) if !d.is_empty() => format!("{label} [{d}]: "),
        _ => format!("{label}: "),
    };
    out.write_all(shown.as_bytes()).map_err(|_| no_terminal(what, profile))?;
    let mut answer = String::new();
    BufReader::new(&tty).read_line(&mut answer).map_err(|_| no_terminal(what, profile))?;
    let answer = answer.trim();
    match (answer.is_empty(), default) {
        (true, Some(d)) => Ok(d.to_string()),
        (true, None) => Err(no_terminal(what, profile)),
        (false, _) => Ok(answer.to_string()),
    }
}

/// Shown while the IdP checks the password and waits for a Duo answer: the message, then a
/// spinner with the elapsed time, on the terminal only. Both are cleared when dropped, so that
/// nothing on the screen speaks of a push the IdP never sent (a rejected password).
pub struct Waiting {
    bar: indicatif::ProgressBar,
    term: console::Term,
}

pub fn waiting(message: &str) -> Option<Waiting> {
    let term = terminal()?;
    let _ = term.write_line(message);
    let bar =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::term(term.clone(), 10));
    if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} waiting for the IdP… {elapsed}") {
        bar.set_style(style);
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(100));
    Some(Waiting { bar, term })
}

impl Drop for Waiting {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
        let _ = self.term.clear_last_lines(1);
    }
}

/// A line for the person at the terminal (nothing without one).
pub fn say(message: &str) {
    if let Some(term) = terminal() {
        let _ = term.write_line(message);
    }
}

/// What a Ctrl-C now would leave behind, so that its message is true.
static STAGE: AtomicU8 = AtomicU8::new(NOTHING_CHANGED);
const NOTHING_CHANGED: u8 = 0;
const SESSION_KEPT: u8 = 1;
const SAVING: u8 = 2;

/// The IdP accepted the login and its session state was kept.
pub fn note_session_kept() {
    STAGE.store(SESSION_KEPT, Ordering::SeqCst);
}

/// Files are being written, each whole or not at all.
pub fn note_saving() {
    STAGE.store(SAVING, Ordering::SeqCst);
}

/// Makes Ctrl-C leave the terminal as it was found (echo on, cursor shown) before exiting with
/// [`exit::INTERRUPTED`]. Files need no cleanup: each is written whole, atomically, and the
/// IdP session state is the only one written before STS answers.
pub fn restore_terminal_on_interrupt() {
    let Ok(tty) = OpenOptions::new().read(true).write(true).open("/dev/tty") else { return };
    let Ok(saved) = rustix::termios::tcgetattr(&tty) else { return };
    // Release builds abort on panic (no unwinding, so no guard's drop runs): a bug met while
    // echo is off must not leave the terminal that way either.
    if let Ok(panic_tty) = tty.try_clone() {
        let panic_saved = saved.clone();
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ =
                rustix::termios::tcsetattr(&panic_tty, rustix::termios::OptionalActions::Now, &panic_saved);
            let _ = (&panic_tty).write_all(b"\x1b[?25h");
            previous(info);
        }));
    }
    let _ = ctrlc::set_handler(move || {
        let _ = rustix::termios::tcsetattr(&tty, rustix::termios::OptionalActions::Now, &saved);
        let _ = (&tty).write_all(b"\x1b[?25h\n");
        match STAGE.load(Ordering::SeqCst) {
            NOTHING_CHANGED => eprintln!("aws-login: {}", Error::Interrupted),
            SESSION_KEPT => eprintln!("aws-login: {}", Error::InterruptedSessionKept),
            _ => eprintln!(
                "aws-login: interrupted while saving; each file is either as it was or fully saved: run the command again to finish"
            ),
        }
        std::process::exit(exit::INTERRUPTED);
    });
}
