//! What an Identity Center profile keeps between logins (the token file), and how `logout
//! --purge` ends it: the portal's Logout, then the file deleted.

use super::settings::Settings;
use super::wire::{Failure, Service, Which};
use super::{portal, token_file};
use crate::error::Error;
use crate::paths::Paths;
use crate::source::{Forgot, Probe};

/// The session profiles share: the `[sso-session]`, else the start URL.
pub fn account(sso: &Settings) -> Option<String> {
    sso.session.as_ref().map(|s| format!("sso-session {s}")).or_else(|| sso.start_url.clone())
}

/// `logout --purge`: Logout at the portal (so the token is no good anywhere), then the token
/// file deleted, under its lock. A portal that cannot be reached, or already refuses the token,
/// does not stop the file being deleted. The portal is asked with the profile's TLS trust, as at
/// login.
pub fn forget(paths: &Paths, profile: &crate::config::Settings, sso: &Settings) -> Result<Forgot, Error> {
    let r = sso.resolve()?;
    let path = token_file::path(&r.cache_key)?;
    let _lock = token_file::lock(paths, &r.cache_key, crate::lock::MAX_WAIT)?;
    let Some(token) = token_file::load(&path).ok().flatten() else {
        return Ok(Forgot::default());
    };
    let portal = Service::new(Which::Portal, sso, &r.region, profile.verify_tls)?;
    let outcome = crate::login::runtime()?.block_on(portal::logout(&portal, &token.access_token));
    match outcome {
        Ok(()) => crate::log::debug(1, "the portal ended the Identity Center session (Logout)"),
        Err(Failure::Aws { name, .. }) => {
            crate::log::debug(1, &format!("the portal answered Logout with {name}"))
        }
        Err(Failure::Other(e)) => crate::log::debug(1, &format!("Logout did not reach the portal: {e}")),
    }
    let session = token_file::delete(&path)?;
    Ok(Forgot { session, password: false, failure: None })
}

/// `doctor`: nothing is asked of Identity Center without a token; the settings are checked.
pub fn probe(sso: &Settings) -> Probe {
    let verdict = match sso.resolve() {
        Ok(r) => {
            Ok(format!("IAM Identity Center at {} in {} (not signed in to by doctor)", r.start_url, r.region))
        }
        Err(e) => Err(e.to_string()),
    };
    Probe { verdict, clocks: None }
}
