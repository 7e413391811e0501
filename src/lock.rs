//! One login at a time per profile, and one IdP exchange at a time per IdP account. Many
//! `credential_process` calls start together when an SDK refreshes; the first takes the profile's
//! lock and logs in, the others wait, then find the fresh credentials in the cache. Profiles that
//! share an IdP account also take the account's lock around the cookie jar, so each uses the
//! session cookie the previous one was given (the IdP may rotate it on every use) instead of
//! falling back to a password and Duo. The locks are `flock(2)`s on `cache/<profile>.lock` and
//! `cookies/<account>.lock`: the kernel drops one when its holder exits, even by `kill -9`, so a
//! dead holder is taken over at once. Always profile first, then account: no deadlock.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use crate::atomic_file;
use crate::error::Error;

/// How long a waiter waits when no Duo wait is longer: past the IdP's answer and STS's
/// timeouts, so a waiter only gives up on a stuck holder.
pub const MAX_WAIT: Duration = Duration::from_secs(150);

/// How long to wait for a holder that may be waiting up to `duo_timeout` for a Duo answer.
pub fn max_wait(duo_timeout: Duration) -> Duration {
    MAX_WAIT.max(duo_timeout + Duration::from_secs(90))
}

/// Held until dropped.
#[derive(Debug)]
pub struct ProfileLock {
    _file: File,
}

impl ProfileLock {
    /// Takes the lock at `path`, waiting up to `max_wait`; `holder` names what it guards in the
    /// error ("profile 'dev'").
    pub fn acquire_within(path: &Path, holder: &str, max_wait: Duration) -> Result<ProfileLock, Error> {
        // No link followed, only a regular file you own, 0600 even if an earlier version made it
        // 0666; its directories are checked and tightened on the way.
        let file = atomic_file::open_lock(path).map_err(|e| Error::file("open", path, e))?;
        match file.try_lock() {
            Ok(()) => return Ok(ProfileLock { _file: file }),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => return Err(Error::file("lock", path, e)),
        }
        // Wait in the kernel, so the lock is taken the moment its holder lets go (polling would
        // add its interval to every waiter of a busy profile), on a thread so that the wait stays
        // bounded. After a timeout the thread gives the lock straight back if it ever gets it.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(file.lock().map(|()| file));
        });
        match rx.recv_timeout(max_wait) {
            Ok(Ok(file)) => Ok(ProfileLock { _file: file }),
            Ok(Err(e)) => Err(Error::file("lock", path, e)),
            Err(_) => Err(Error::LockTimeout {
                holder: holder.to_string(),
                waited: max_wait.as_secs(),
                path: PathBuf::from(path),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_waits_and_times_out_then_gets_it_after_release() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache").join("p.lock");
        let first = ProfileLock::acquire_within(&path, "p", MAX_WAIT).unwrap();
        let e = ProfileLock::acquire_within(&path, "p", Duration::from_millis(100)).unwrap_err();
        assert!(e.to_string().contains("another aws-login"), "{e}");
        drop(first);
        ProfileLock::acquire_within(&path, "p", Duration::from_millis(100)).unwrap();
    }

    #[test]
    fn a_long_duo_timeout_is_waited_out() {
        assert_eq!(max_wait(Duration::from_secs(30)), MAX_WAIT);
        assert_eq!(max_wait(Duration::from_secs(600)), Duration::from_secs(690));
    }
}
