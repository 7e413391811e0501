//! How long a waiter waits for an Okta sign-in, `logout --purge`, and `doctor`'s probe. The
//! tokens themselves are committed as the OpenID source's are ([`TokenSession`]).
//!
//! [`TokenSession`]: crate::source::oidc::session::Session

use std::time::Duration;

use super::Settings;
use crate::error::Error;
use crate::paths::Paths;
use crate::source::oidc::token_cache::TokenCache;
use crate::source::{Forgot, Probe};

/// A device code lives ten minutes at Okta, but the poll honours what the org says, up to
/// the shared bound; the requests around it are quick.
pub fn max_wait() -> Duration {
    crate::lock::max_wait(crate::oauth::device_prompt::LONGEST_CODE_LIFE)
}

/// `logout --purge`: deletes the kept access and ID tokens (Okta has no refresh token to revoke
/// in this flow; the access token lives out its hour unused).
pub fn forget(paths: &Paths, s: &Settings) -> Result<Forgot, Error> {
    let cache = TokenCache::new(paths, &s.org_url, &s.client_id);
    let _lock = cache.lock(max_wait())?;
    Ok(Forgot { session: cache.delete()?, password: false, failure: None })
}

/// `doctor`: the org's signing keys, which anyone may read.
pub async fn probe(profile: &crate::config::Settings, s: &Settings) -> Probe {
    let trust = crate::http::Trust { ca_bundle: profile.ca_bundle.as_ref(), verify: profile.verify_tls };
    let verdict = async {
        let op = super::op(trust, s).map_err(|e| e.to_string())?;
        match op.get(&op.meta.jwks_uri, "Okta's signing keys").await {
            Ok((200, body))
                if serde_json::from_slice::<serde_json::Value>(&body).is_ok_and(|v| v["keys"].is_array()) =>
            {
                Ok(format!("an Okta org at {}", crate::text::shown(&s.org_url, 200)))
            }
            Ok((status, _)) => Err(format!(
                "{} did not answer as an Okta org (HTTP {status} for its signing keys); check org_domain",
                crate::text::shown(&s.org_url, 200)
            )),
            Err(e) => Err(e.to_string()),
        }
    }
    .await;
    Probe { verdict, clocks: None }
}
