//! The ECP source's session state, per IdP account (`user@host[:port]`): the IdP's cookie jar
//! and the password in the keyring; and per profile, the hold on unanswered Duo pushes.

use super::Settings;
use crate::backoff::PushBackoff;
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
    /// Where the profile keeps its password.
    pub(super) password_settings: password::Settings,
    /// The profile logged in, whose Duo hold ends.
    pub(super) profile: String,
}

impl Session {
    /// Keeps the IdP's (possibly rotated) session cookies, the password that worked (in the
    /// keyring, if the profile keeps it there), and ends any Duo hold. Releases the account's
    /// lock.
    pub fn commit(&mut self, paths: &Paths) -> Result<(), Error> {
        if let Some(jar) = self.jar.take() {
            jar.save()?;
        }
        if let Some(password) = self.password.take() {
            password::remember(paths, &self.password_settings, &self.account, &password);
        }
        PushBackoff::new(paths, &self.profile).clear();
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
    Some(account_name(username, &settings.endpoint_url))
}

/// The IdP account, `"<username>@<host[:port]>"` from the ECP URL, which names its keyring
/// entry and cookie jar: Python's
/// `username + '@' + urlparse(ecp_endpoint_url).netloc`, so the netloc is kept as written (any
/// port, case, or `user@` part included). Pass the URL as configured: a parsed-and-printed URL
/// drops a written `:443` and lowercases the host, and then awscli-login's entry is not found.
pub fn account_name(username: &str, ecp_endpoint_url: &str) -> String {
    format!("{username}@{}", netloc(ecp_endpoint_url))
}

/// The part of `url` between `//` and the next `/`, `?` or `#`, as Python's `urlsplit` finds it.
fn netloc(url: &str) -> &str {
    let url = url.trim_matches(|c: char| c <= ' ');
    // A scheme is a letter followed by letters, digits, '+', '-' or '.', then ':'.
    let rest = match url.split_once(':') {
        Some((scheme, rest))
            if scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            rest
        }
        _ => url,
    };
    match rest.strip_prefix("//") {
        Some(after) => after.split(['/', '?', '#']).next().unwrap_or(after),
        None => "",
    }
}

/// Forgets the IdP account's session cookies (ours and awscli-login's) and keyring password,
/// under the account's lock, as a login takes it around the jar: a login of another profile of
/// the same account finishes first, and what it saved is then deleted.
pub fn forget(paths: &Paths, settings: &Settings, last_user: Option<&str>) -> Result<Forgot, Error> {
    let Some(username) = settings.username.as_deref().or(last_user) else { return Ok(Forgot::default()) };
    let name = account_name(username, &settings.endpoint_url);
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
        password::Forgot::Unreachable(_) if !password::keyring_on(&settings.password) => (false, None),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_is_username_at_netloc_as_python_parses_it() {
        let cases = [
            ("https://shibboleth.illinois.edu/idp/profile/SAML2/SOAP/ECP", "netid@shibboleth.illinois.edu"),
            ("https://idp.example.edu:8443/idp/profile/SAML2/SOAP/ECP", "netid@idp.example.edu:8443"),
            ("https://IdP.Example.EDU:443/ecp", "netid@IdP.Example.EDU:443"),
            ("http://127.0.0.1:5000/ecp?x=1#f", "netid@127.0.0.1:5000"),
            ("https://[::1]:8443/ecp", "netid@[::1]:8443"),
            ("https://idp.example.edu", "netid@idp.example.edu"),
            ("https://idp.example.edu?q", "netid@idp.example.edu"),
            ("https://u:p@idp.example.edu/ecp", "netid@u:p@idp.example.edu"),
            ("  https://idp.example.edu/ecp \n", "netid@idp.example.edu"),
            ("idp.example.edu/ecp", "netid@"),
            ("//idp.example.edu/ecp", "netid@idp.example.edu"),
        ];
        for (url, want) in cases {
            assert_eq!(account_name("netid", url), want, "{url}");
        }
    }
}
