//! Messages for the person running aws-login, on stderr. stdout is for machines only.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU8, Ordering};

static VERBOSITY: AtomicU8 = AtomicU8::new(0);

pub fn set_verbosity(level: u8) {
    VERBOSITY.store(level, Ordering::Relaxed);
}

/// Detail shown at `-v` (1) and above. Callers never pass secrets.
pub fn debug(level: u8, message: &str) {
    if VERBOSITY.load(Ordering::Relaxed) >= level {
        eprintln!("aws-login: {message}");
    }
}

/// Progress a person at a terminal wants to see ("Duo push sent"); silent when stderr is a
/// file or pipe, unless verbose.
pub fn notice(message: &str) {
    if std::io::stderr().is_terminal() || VERBOSITY.load(Ordering::Relaxed) > 0 {
        eprintln!("{message}");
    }
}
