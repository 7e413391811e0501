//! No storm of Duo pushes. When a push sent by a call without a terminal is denied or times out,
//! further calls without a terminal send none for [`HOLD`]; they fail at once saying what to run.
//! A login at a terminal, or any successful login, lifts the hold.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use crate::error::Error;
use crate::paths::Paths;

/// How long a failed unattended push holds back the next one.
pub const HOLD: Duration = Duration::from_secs(10 * 60);

const DENIED: &[u8] = b"denied";

pub struct PushBackoff {
    path: PathBuf,
    profile: String,
}

impl PushBackoff {
    pub fn new(paths: &Paths, profile: &str) -> Self {
        PushBackoff { path: paths.backoff_file(profile), profile: profile.to_string() }
    }

    /// Fails if an unattended push failed less than [`HOLD`] ago. A mark dated in the future
    /// (the clock was set back since) says nothing about when the push failed: it holds nothing.
    pub fn check(&self) -> Result<(), Error> {
        let file = crate::atomic_file::open_state(&self.path, crate::atomic_file::Loose::Tighten)
            .map_err(|e| Error::file("read", &self.path, e))?;
        let Some((mut file, _)) = file else { return Ok(()) };
        let Ok(modified) = file.metadata().and_then(|m| m.modified()) else { return Ok(()) };
        let Ok(age) = SystemTime::now().duration_since(modified) else { return Ok(()) };
        // The file says how the push ended; it is tiny and ours, but read no more than a line.
        let mut said = Vec::new();
        let _ = std::io::Read::read_to_end(&mut std::io::Read::take(&mut file, 16), &mut said);
        let outcome = if said.starts_with(DENIED) { "was denied" } else { "went unanswered" };
        if age < HOLD {
            return Err(Error::PushHeldBack {
                profile: self.profile.clone(),
                outcome,
                ago_min: age.as_secs() / 60,
                left_min: (HOLD - age).as_secs().div_ceil(60),
            });
        }
        Ok(())
    }

    /// Remembers that an unattended push failed just now, denied or unanswered. Best effort:
    /// failing to write this must not hide the login error the user needs to see.
    pub fn record(&self, denied: bool) {
        let _ = crate::atomic_file::write_private(&self.path, if denied { DENIED } else { b"" });
    }

    pub fn clear(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_after_a_failure_until_cleared() {
        let home = tempfile::tempdir().unwrap();
        let b = PushBackoff::new(&Paths::with_root(home.path().to_path_buf()), "p");
        b.check().unwrap();
        b.record(true);
        let e = b.check().unwrap_err();
        assert!(e.to_string().contains("was denied"), "{e}");
        b.record(false);
        let e = b.check().unwrap_err();
        assert!(e.to_string().contains("went unanswered"), "{e}");
        assert_eq!(e.exit_code(), crate::error::exit::NEEDS_TERMINAL);
        assert!(e.to_string().contains("aws-login login --profile p"), "{e}");
        b.clear();
        b.check().unwrap();
    }

    #[test]
    fn a_mark_from_the_future_holds_nothing() {
        let home = tempfile::tempdir().unwrap();
        let paths = Paths::with_root(home.path().to_path_buf());
        let b = PushBackoff::new(&paths, "p");
        b.record(false);
        let later = SystemTime::now() + Duration::from_secs(90 * 24 * 3600);
        std::fs::File::options()
            .write(true)
            .open(paths.backoff_file("p"))
            .unwrap()
            .set_modified(later)
            .unwrap();
        b.check().unwrap();
    }
}
