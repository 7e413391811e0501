//! What an OpenID sign-in leaves to keep (the token cache, written by [`Session::commit`] under
//! the cache's lock), how long a waiter waits for it, and `logout --purge`'s revocation.

use super::Settings;
use super::discovery::ClientAuth;
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
    pub fn commit(&mut self, _paths: &Paths) -> Result<(), Error> {
        if let Some(stored) = self.stored.take() {
            self.cache.save(&stored)?;
        }
        self.lock = None;
        Ok(())
    }
}

/// A waiter waits as long as a sign-in may take: the browser's `login_timeout`, or a device
/// code's life (at most ten minutes at the providers seen), plus the requests around it.
pub fn max_wait(settings: &Settings) -> std::time::Duration {
    let sign_in = match settings.flow {
        super::Flow::Browser => settings.login_timeout,
        super::Flow::Device => std::time::Duration::from_secs(600),
        // No person: the token endpoint's answer (and an exchange) is all it waits for.
        super::Flow::ClientCredentials => std::time::Duration::ZERO,
    };
    crate::lock::max_wait(sign_in)
}

/// `logout --purge`: revokes the refresh token at the issuer (RFC 7009, when it offers
/// revocation) and deletes the token cache. A revocation that fails is said at `-v` and the
/// file is deleted anyway: the token then lives out its time at the issuer, unused. The
/// system's certificate authorities are trusted (`ca_bundle` is not at hand here).
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
            let client = ClientAuth { id: &s.client_id, secret: s.client_secret.as_ref() };
            let form = [("token", refresh.expose()), ("token_type_hint", "refresh_token")];
            match op.post(endpoint, &form, &client, "the OpenID provider's revocation endpoint").await {
                Ok((200, _)) => crate::log::debug(1, "the issuer revoked the refresh token"),
                Ok((status, _)) => {
                    crate::log::debug(1, &format!("the issuer's revocation answered HTTP {status}"))
                }
                Err(e) => crate::log::debug(1, &format!("the refresh token could not be revoked: {e}")),
            }
        }
        Ok(Forgot { session: cache.delete()?, password: false, failure: None })
    })
}
