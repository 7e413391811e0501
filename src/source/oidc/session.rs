//! What an OpenID sign-in leaves to keep (the token cache, written by [`Session::commit`] under
//! the cache's lock), how long a waiter waits for it, and `logout --purge`'s revocation.

use super::Settings;
use super::token_cache::{Stored, TokenCache};
use crate::error::Error;
use crate::lock::ProfileLock;
use crate::paths::Paths;
use crate::source::Forgot;

/// The new contents of the token cache, and its lock, held until committed.
#[derive(Debug)]
pub struct Session {
    pub(super) cache: TokenCache,
    pub(super) lock: Option<ProfileLock>,
    /// `None`: nothing new to keep.
    pub(super) stored: Option<Stored>,
}

impl Session {
    /// What another source that keeps its tokens in a [`TokenCache`] (Okta) commits the same way.
    pub fn new(cache: TokenCache, lock: ProfileLock, stored: Option<Stored>) -> Session {
        Session { cache, lock: Some(lock), stored }
    }

    pub fn commit(&mut self, _paths: &Paths) -> Result<(), Error> {
        if let Some(stored) = self.stored.take() {
            self.cache.save(&stored)?;
        }
        self.lock = None;
        Ok(())
    }
}

/// A waiter waits as long as a sign-in may take: the browser's `login_timeout`, or the longest
/// device code life the poll honours, plus the requests around it.
pub fn max_wait(settings: &Settings) -> std::time::Duration {
    let sign_in = match settings.flow {
        super::Flow::Browser => settings.login_timeout,
        super::Flow::Device => crate::oauth::device_prompt::LONGEST_CODE_LIFE,
        // No person: the token endpoint's answer (and an exchange) is all it waits for.
        super::Flow::ClientCredentials => std::time::Duration::ZERO,
    };
    crate::lock::max_wait(sign_in)
}

/// `logout --purge`: revokes the refresh token at the issuer (RFC 7009, when it offers
/// revocation) and deletes the token cache. A revocation that fails is said at `-v` and the
/// file is deleted anyway: the token then lives out its time at the issuer, unused. The issuer
/// is asked with the profile's TLS trust, as at login.
pub fn forget(paths: &Paths, profile: &crate::config::Settings, s: &Settings) -> Result<Forgot, Error> {
    let runtime = crate::login::runtime()?;
    runtime.block_on(async {
        // The profile's trust, as at login: a private CA's issuer must be reachable to revoke.
        let trust = crate::http::Trust { ca_bundle: profile.ca_bundle.as_ref(), verify: profile.verify_tls };
        let op = super::discovery::discover(trust, s).await;
        let issuer = match (&op, &s.issuer) {
            (Ok(op), _) => op.meta.issuer.clone(),
            (Err(_), Some(issuer)) => issuer.clone(),
            (Err(_), None) => return op.map(|_| Forgot::default()),
        };
        let cache = TokenCache::new(paths, &issuer, &s.client_id);
        let _lock = cache.lock(max_wait(s))?;
        let stored = cache.load().ok().flatten();
        let endpoint =
            op.as_ref().ok().and_then(|op| op.meta.revocation_endpoint.as_deref().map(|e| (op, e)));
        if let (Some(refresh), Some((op, endpoint))) = (stored.as_ref().and_then(Stored::refresh), endpoint) {
            let client = super::client::Client::new(s, &profile.profile, paths.config())?;
            let client = client.auth();
            let form = [("token", refresh.expose()), ("token_type_hint", "refresh_token")];
            match op.post(endpoint, &form, &client, "the OpenID provider's revocation endpoint").await {
                Ok((200, _)) => crate::log::debug(1, "the issuer revoked the refresh token"),
                Ok((status, _)) => {
                    crate::log::debug(1, &format!("the issuer's revocation answered HTTP {status}"))
                }
                Err(e) => crate::log::debug(1, &format!("the refresh token could not be revoked: {e}")),
            }
        }
        let session = cache.delete()?;
        let (password, failure) = super::client_secret::forget(s);
        Ok(Forgot { session, password, failure })
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Duration;

    use crate::cli::ProfileArgs;
    use crate::config::load_from_str;

    /// How long a caller waits for the profile's lock (and the token cache's) under `settings`.
    fn waits(settings: &str) -> Duration {
        let args = ProfileArgs { profile: Some("o".into()), ..Default::default() };
        let text =
            format!("[o]\nsource = oidc\noidc_issuer = https://op.example\nclient_id = cli\n{settings}");
        let profile = load_from_str(&text, Path::new("config"), &args).unwrap();
        let crate::source::Settings::Oidc(oidc) = &profile.source else { panic!("not oidc") };
        assert_eq!(
            profile.source.max_wait(),
            super::max_wait(oidc),
            "the profile's lock and the cache's agree"
        );
        profile.source.max_wait()
    }

    #[test]
    fn a_waiter_outwaits_the_longest_sign_in_the_holder_may_be_in() {
        // Past the longest login_timeout allowed, with room for the requests around it.
        assert!(waits("login_timeout = 900") > Duration::from_secs(900 + 30));
        assert!(waits("login_timeout = 10") >= crate::lock::MAX_WAIT);
        // As long as the device poll may run, whatever the issuer says its code lives.
        let longest = crate::oauth::device_prompt::LONGEST_CODE_LIFE;
        assert!(waits("oidc_flow = device") > longest + Duration::from_secs(30));
    }
}
