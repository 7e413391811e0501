//! Questions for the person at the terminal. They go to `/dev/tty`, never stdout, so that
//! credential_process and `eval $(…)` keep working while a login asks. Without a terminal, the
//! question becomes an error at once instead of a hang.

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Write};

use crate::error::Error;
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

/// Asks for a secret without echo.
pub fn secret(label: &str, what: &'static str, profile: &str) -> Result<Secret, Error> {
    // rpassword reads from /dev/tty; check first so that "no terminal" is our clear error.
    OpenOptions::new().read(true).write(true).open("/dev/tty").map_err(|_| no_terminal(what, profile))?;
    rpassword::prompt_password(label).map(Secret::new).map_err(|_| no_terminal(what, profile))
}

/// Asks for a line of text, offering `default` on an empty answer.
pub fn line(label: &str, default: Option<&str>, what: &'static str, profile: &str) -> Result<String, Error> {
    let tty =
        OpenOptions::new().read(true).write(true).open("/dev/tty").map_err(|_| no_terminal(what, profile))?;
    let mut out = &tty;
    let shown = match default {
        Some(d) => format!("{label} [{d}]: "),
        None => format!("{label}: "),
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
