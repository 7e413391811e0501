//! How this profile's client proves itself at the provider, for every request it makes there
//! (device authorization, code and refresh redemption, client credentials, token exchange,
//! revocation): a signed JWT (`private_key_jwt`) when it has a key, else its secret, else
//! nothing (a public client).

use super::Settings;
use super::client_assertion::{KEY_ENV, SigningKey};
use super::discovery::{ClientAuth, SecretIn};
use super::machine_settings::AuthMethod;
use crate::error::Error;
use crate::secret::Secret;

/// How this profile's client authenticates: its key (file or environment), or its secret.
pub struct Client<'a> {
    s: &'a Settings,
    key: Option<SigningKey>,
}

impl<'a> Client<'a> {
    /// The key is loaded unless the profile asks for a secret method; `private_key_jwt` without
    /// a key, or no key and no secret for a machine, is a missing setting.
    pub fn new(s: &'a Settings, profile: &str, config: std::path::PathBuf) -> Result<Client<'a>, Error> {
        let m = &s.machine;
        let key = match m.auth_method {
            AuthMethod::Basic | AuthMethod::Post => None,
            AuthMethod::Auto | AuthMethod::PrivateKeyJwt => {
                let env = std::env::var(KEY_ENV).ok().map(Secret::new);
                SigningKey::load(m.private_key_file.as_deref(), env, m.key_id.as_deref())?
            }
        };
        let missing = |key: &'static str| Error::MissingSetting {
            profile: profile.to_string(),
            key,
            path: config.clone(),
        };
        let machine = s.flow == super::Flow::ClientCredentials;
        if key.is_none() && m.auth_method == AuthMethod::PrivateKeyJwt {
            return Err(missing("private_key_file"));
        }
        if key.is_none() && machine && s.client_secret.is_none() {
            // A profile that keeps its secret in the keyring is missing that, not a key.
            return Err(missing(if m.keyring { "client_secret" } else { "private_key_file" }));
        }
        if matches!(m.auth_method, AuthMethod::Basic | AuthMethod::Post) && s.client_secret.is_none() {
            return Err(missing("client_secret"));
        }
        Ok(Client { s, key })
    }

    /// The client as every request to the provider takes it: with a key, a fresh assertion is
    /// signed for each request; else the secret goes where the profile says.
    pub fn auth(&self) -> ClientAuth<'_> {
        let secret = if self.key.is_some() { None } else { self.s.client_secret.as_ref() };
        ClientAuth {
            id: &self.s.client_id,
            secret,
            secret_in: self.secret_in(),
            key: self.key.as_ref(),
            assertion_audience: self.s.machine.assertion_audience.as_deref(),
        }
    }

    fn secret_in(&self) -> SecretIn {
        match self.s.machine.auth_method {
            AuthMethod::Basic => SecretIn::Basic,
            AuthMethod::Post => SecretIn::Post,
            AuthMethod::Auto | AuthMethod::PrivateKeyJwt => SecretIn::Auto,
        }
    }
}
