//! Questions for the person at the terminal. They go to `/dev/tty`, never stdout, so that
//! credential_process and `eval $(…)` keep working while a login asks. Without a terminal, the
//! question becomes an error at once instead of a hang.

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Write};

use crate::error::{Error, exit};
use crate::secret::Secret;
use crate::source::ecp::duo::FactorSetting;

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
        let mut line = String::new();
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

/// Shown while the IdP waits for the user to approve a Duo push or call: the message, then a
/// spinner with the elapsed time, on the terminal only. Cleared when dropped.
pub struct Waiting(indicatif::ProgressBar);

pub fn waiting(message: &str) -> Option<Waiting> {
    let term = terminal()?;
    let _ = term.write_line(message);
    let bar = indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::term(term, 10));
    if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} waiting for approval… {elapsed}")
    {
        bar.set_style(style);
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(100));
    Some(Waiting(bar))
}

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

/// Makes Ctrl-C leave the terminal as it was found (echo on, cursor shown) before exiting with
/// [`exit::INTERRUPTED`]. Files need no cleanup: they are only written, atomically, once a
/// login has succeeded.
pub fn restore_terminal_on_interrupt() {
    let Ok(tty) = OpenOptions::new().read(true).write(true).open("/dev/tty") else { return };
    let Ok(saved) = rustix::termios::tcgetattr(&tty) else { return };
    let _ = ctrlc::set_handler(move || {
        let _ = rustix::termios::tcsetattr(&tty, rustix::termios::OptionalActions::Now, &saved);
        let _ = (&tty).write_all(b"\x1b[?25h\n");
        eprintln!("aws-login: {}", Error::Interrupted);
        std::process::exit(exit::INTERRUPTED);
    });
}

/// Asks until the answer parses; an empty answer is `default`.
pub fn factor(profile: &str) -> Result<FactorSetting, Error> {
    loop {
        let answer = line(
            "Duo factor (auto, push, passcode, sms, phone; Enter for the IdP's default)",
            Some(""),
            "a Duo factor",
            profile,
        )?;
        match FactorSetting::parse(&answer) {
            Ok(f) => return Ok(f),
            Err(e) => {
                if let Some(term) = terminal() {
                    let _ = term.write_line(&e.to_string());
                }
            }
        }
    }
}
