//! A confidential client's secret in the OS keyring (`enable_keyring = true`), where ECP keeps
//! passwords: read when the profile gives none, and stored once the provider accepted one given
//! in the profile or with `--client-secret`, so a CI machine's config need not hold it.

use super::Settings;
use super::client_assertion::KEY_ENV;
use super::machine_settings::AuthMethod;
use crate::paths::Paths;
use crate::secret::Secret;

/// The keyring entry (service `awscli_login`, like ECP's passwords) of the profile's client.
pub fn account(s: &Settings) -> String {
    format!("oidc-client:{}@{}", s.client_id, s.issuer.as_deref().unwrap_or(&s.discovery_url))
}

/// Whether a login takes the client secret from the keyring (what `doctor` checks): the profile
/// may use it, gives no secret itself, and has no private key (its own or `$AWS_LOGIN_PRIVATE_KEY`)
/// that signs instead.
pub fn from_keyring(s: &Settings) -> bool {
    let m = &s.machine;
    let key = m.private_key_file.is_some() || std::env::var(KEY_ENV).is_ok_and(|v| !v.trim().is_empty());
    m.keyring
        && s.client_secret.is_none()
        && match m.auth_method {
            AuthMethod::Basic | AuthMethod::Post => true,
            AuthMethod::Auto => !key,
            AuthMethod::PrivateKeyJwt => false,
        }
}

/// The settings with the keyring's secret when the profile gives none and may use the keyring;
/// a keyring that is missing or unreachable is said at `-v` and passed over.
pub fn with_keyring(s: &Settings) -> Option<Settings> {
    if !s.machine.keyring || s.client_secret.is_some() {
        return None;
    }
    let account = account(s);
    match crate::keyring::get(&account) {
        Ok(Some(secret)) => {
            crate::log::debug(1, &format!("using the client secret kept in the keyring for {account}"));
            let mut with = s.clone();
            with.client_secret = Some(secret);
            with.machine.secret_from_keyring = true;
            Some(with)
        }
        Ok(None) => {
            crate::log::debug(1, &format!("the keyring holds no client secret for {account}"));
            None
        }
        Err(e) => {
            crate::log::debug(1, &format!("not using the keyring: {e}"));
            None
        }
    }
}

/// Once the provider accepted the secret: keeps it in the keyring, unless it came from there.
pub fn remember(paths: &Paths, s: &Settings) {
    let Some(secret) =
        s.client_secret.as_ref().filter(|_| s.machine.keyring && !s.machine.secret_from_keyring)
    else {
        return;
    };
    let keep = crate::password::Settings { configured: None, keyring: true, ask: false };
    let given = crate::password::Password {
        secret: Secret::clone(secret),
        source: crate::password::Source::Settings,
    };
    crate::password::remember(paths, &keep, &account(s), &given);
}

/// At `logout --purge`: the kept secret goes, as ECP's password does. Whether the keyring could
/// not be reached matters only to a profile that uses it.
pub fn forget(s: &Settings) -> (bool, Option<String>) {
    match crate::password::forget(&account(s)) {
        crate::password::Forgot::Password => (true, None),
        crate::password::Forgot::Nothing => (false, None),
        crate::password::Forgot::Unreachable(_) if !s.machine.keyring => (false, None),
        crate::password::Forgot::Unreachable(why) => (false, Some(why)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::oidc::machine_settings::tests::load;

    #[test]
    fn the_keyring_gives_the_secret_only_when_nothing_else_does() {
        let takes = |extra: &str| from_keyring(&load(extra).unwrap());
        assert!(takes("enable_keyring = true\n"));
        assert!(!takes(""));
        assert!(!takes("enable_keyring = true\nclient_secret = s\n"));
        // A key signs instead of a secret, unless the method asks for the secret.
        assert!(!takes("enable_keyring = true\nprivate_key_file = /k.pem\n"));
        assert!(takes(
            "enable_keyring = true\nprivate_key_file = /k.pem\ntoken_endpoint_auth_method = client_secret_post\n"
        ));
        assert!(!takes("enable_keyring = true\ntoken_endpoint_auth_method = private_key_jwt\n"));
    }
}
