//! Where the IdP password comes from — the OS keyring (with `enable_keyring`), the profile, or
//! the terminal — and when the keyring learns or forgets it. Entries are awscli-login's
//! (service `awscli_login`, user `user@host[:port]`), so profiles and tools that share an IdP
//! account share its password.

use crate::error::Error;
use crate::keyring::{self, KeyringError};
use crate::paths::Paths;
use crate::secret::Secret;
use crate::{log, prompt};

/// Where a profile lets the password come from.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// In the profile (`password`) or on the command line.
    pub configured: Option<Secret>,
    /// Kept in the OS keyring (`enable_keyring`).
    pub keyring: bool,
    /// `--ask-password`: bypass the keyring and the configured password for this run.
    pub ask: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Keyring,
    Settings,
    Terminal,
}

#[derive(Debug, Clone)]
pub struct Password {
    pub secret: Secret,
    pub source: Source,
}

/// Whether this run may use the keyring at all.
pub fn keyring_on(settings: &Settings) -> bool {
    settings.keyring && !settings.ask
}

/// The password for `account`. A keyring that is missing, locked or unreachable is reported at
/// `-v` and passed over; it never stalls the login.
pub fn obtain(
    settings: &Settings,
    account: &str,
    profile: &str,
    skip_keyring: bool,
) -> Result<Password, Error> {
    if keyring_on(settings) && !skip_keyring {
        match keyring::get(account) {
            Ok(Some(secret)) => return Ok(Password { secret, source: Source::Keyring }),
            Ok(None) => log::debug(1, &format!("the keyring holds no password for {account}")),
            Err(e) => log::debug(1, &format!("not using the keyring: {e}")),
        }
    }
    if let Some(secret) = settings.configured.clone().filter(|_| !settings.ask) {
        return Ok(Password { secret, source: Source::Settings });
    }
    let secret = prompt::secret(&format!("Password for {account}: "), "a password", profile)?;
    Ok(Password { secret, source: Source::Terminal })
}

/// Once the IdP accepted it: store a password the keyring did not already hold. A keyring that
/// cannot be reached is said once, as a warning, then only at `-v` (a machine without D-Bus
/// would otherwise repeat it at every login); the marker goes when the keyring works again.
pub fn remember(paths: &Paths, settings: &Settings, account: &str, password: &Password) {
    if !keyring_on(settings) || password.source == Source::Keyring {
        return;
    }
    let warned = paths.keyring_warned();
    match keyring::set(account, &password.secret) {
        Ok(()) => {
            log::debug(1, &format!("saved the password of {account} in the keyring"));
            let _ = std::fs::remove_file(&warned);
        }
        Err(e) if warned.exists() => log::debug(1, &format!("the password was not saved: {e}")),
        Err(e) => {
            eprintln!(
                "aws-login: warning: the password was not saved ({e}), so it is asked for again when the IdP session ends; set enable_keyring = false to stop trying (said once; -v shows it every time)"
            );
            let _ = crate::atomic_file::write_private(&warned, b"");
        }
    }
}

/// What [`forget`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forgot {
    /// A stored password was removed.
    Password,
    /// The keyring holds none.
    Nothing,
    /// The keyring could not be reached or failed: whether it holds one is unknown.
    Unreachable(String),
}

/// Removes a stored password, saying whether there was one or the keyring could not tell.
pub fn forget(account: &str) -> Forgot {
    match keyring::delete(account) {
        Ok(true) => Forgot::Password,
        Ok(false) => Forgot::Nothing,
        Err(e) => {
            log::debug(1, &format!("could not forget the password of {account}: {e}"));
            let why = match e {
                KeyringError::Unavailable(why) => format!("it is unavailable: {why}"),
                KeyringError::Failed(why) => format!("it failed: {why}"),
            };
            Forgot::Unreachable(why)
        }
    }
}
