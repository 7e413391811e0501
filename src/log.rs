//! Messages for the person running aws-login, on stderr. stdout is for machines only.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU8, Ordering};

static VERBOSITY: AtomicU8 = AtomicU8::new(0);

pub fn set_verbosity(level: u8) {
    VERBOSITY.store(level, Ordering::Relaxed);
}

/// Marks the lines that only `-v` brings, so they are told apart from the one-sentence error.
pub const DEBUG_PREFIX: &str = "aws-login: debug: ";

/// Detail shown at `-v` (1) and above. Callers never pass secrets.
pub fn debug(level: u8, message: &str) {
    if VERBOSITY.load(Ordering::Relaxed) >= level {
        // Outside text (role values, URLs, IdP messages) reaches these lines: escaped, cut.
        eprintln!("{DEBUG_PREFIX}{}", crate::text::shown(message, 2000));
    }
}

/// Something a person at a terminal wants to know ("the stored password was rejected"); when
/// stderr is a file or pipe (credential_process), only at `-v`.
pub fn notice(message: &str) {
    if std::io::stderr().is_terminal() {
        eprintln!("{}", crate::text::shown(message, 2000));
    } else {
        debug(1, message);
    }
}
