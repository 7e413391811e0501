//! The ECP source's session state, per IdP account (`user@host[:port]`): the IdP's cookie jar
//! and the password in the keyring; and per profile, the hold on unanswered Duo pushes.

use crate::backoff::PushBackoff;
use crate::config::Settings;
use crate::cookies::Jar;
use crate::error::Error;
use crate::lock::{self, ProfileLock};
use crate::password::{self, Password};
use crate::paths::Paths;
use crate::source::Forgot;

/// What an accepted ECP login leaves to keep.
#[derive(Debug)]
pub struct Session {
    /// The IdP account: the keyring entry and the cookie jar.
    pub account: String,
    /// The cookie jar with the IdP's new cookies; it holds the account's lock until committed.
    pub(super) jar: Option<Jar>,
    /// The password a password login used (none after a session login).
    pub(super) password: Option<Password>,
}

impl Session {
    /// Keeps the IdP's (possibly rotated) session cookies, the password that worked (in the
    /// keyring, if the profile keeps it there), and ends any Duo hold. Releases the account's
    /// lock.
    pub fn commit(&mut self, paths: &Paths, settings: &Settings) -> Result<(), Error> {
        if let Some(jar) = self.jar.take() {
            jar.save()?;
        }
        if let Some(password) = self.password.take() {
            password::remember(paths, settings, &self.account, &password);
        }
        PushBackoff::new(paths, &settings.profile).clear();
        Ok(())
    }
}

/// A login may hold the profile's and the account's locks while it waits for a Duo answer.
pub fn max_wait(settings: &Settings) -> std::time::Duration {
    lock::max_wait(settings.duo_timeout)
}

/// The IdP account of the profile's user, else of `last_user`.
pub fn account(settings: &Settings, last_user: Option<&str>) -> Option<String> {
    let username = settings.username.as_deref().or(last_user)?;
    Some(crate::keyring::account(username, &settings.ecp_endpoint_url))
}

/// Forgets the IdP account's session cookies (ours and awscli-login's) and keyring password,
/// under the account's lock, as a login takes it around the jar: a login of another profile of
/// the same account finishes first, and what it saved is then deleted.
pub fn forget(paths: &Paths, settings: &Settings, last_user: Option<&str>) -> Result<Forgot, Error> {
    let Some(username) = settings.username.as_deref().or(last_user) else { return Ok(Forgot::default()) };
    let name = crate::keyring::account(username, &settings.ecp_endpoint_url);
    let _account = ProfileLock::acquire_within(
        &paths.cookie_lock(&name),
        &format!("IdP account '{name}'"),
        max_wait(settings),
    )?;
    let mut session = remove(&paths.cookie_jar(&name))?;
    // awscli-login's jar would otherwise be imported again at the next login.
    session |= remove(&paths.awscli_login_cookie_jar(username))?;
    let (password, failure) = match password::forget(&name) {
        password::Forgot::Password => (true, None),
        password::Forgot::Nothing => (false, None),
        // A profile that does not use the keyring has no say in it: trying was a courtesy.
        password::Forgot::Unreachable(_) if !password::keyring_on(settings) => (false, None),
        password::Forgot::Unreachable(why) => (false, Some(why)),
    };
    Ok(Forgot { session, password, failure })
}

/// At every logout: a hold on Duo pushes ends with the profile's session.
pub fn logged_out(paths: &Paths, profile: &str) {
    PushBackoff::new(paths, profile).clear();
}

fn remove(path: &std::path::Path) -> Result<bool, Error> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::file("delete", path, e)),
    }
}
