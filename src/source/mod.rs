//! Identity sources: each proves who the user is and yields something AWS accepts. The set is
//! closed, so a source is an enum arm, not a trait object: async methods need no boxing, and the
//! exhaustive `match`es below are the list of what a new source must answer. Adding a source is
//! one folder (`source/<name>/`) and one arm here (and in [`Session`] if it keeps state).

pub mod ecp;

use std::time::Duration;

use crate::config::Settings;
use crate::error::Error;
use crate::paths::Paths;
use crate::role::Role;
use crate::saml::Grants;
use crate::secret::Secret;

/// How a profile logs in, chosen once from its settings (`source`; a profile with
/// `ecp_endpoint_url` and no `source`, as awscli-login writes them, is ECP).
/// Recorded in the credentials cache by its lowercase name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// SAML ECP against a Shibboleth IdP, with Duo.
    Ecp,
}

/// What a source proved, in the form an AWS API takes.
#[derive(Debug, Clone)]
pub enum Proof {
    /// A base64 SAML Response signed by the IdP, and the roles and session length it grants.
    Saml { response: Secret, grants: Grants },
}

/// A login the IdP accepted: what it proved, who logged in, and the session state to keep.
#[derive(Debug)]
pub struct Login {
    pub proof: Proof,
    /// The IdP user, remembered for the next login.
    pub who: String,
    session: Session,
}

/// A source's session state from one login, kept by [`Login::commit`].
#[derive(Debug)]
pub(crate) enum Session {
    Ecp(ecp::session::Session),
}

impl Source {
    /// The `source` setting's values.
    pub const NAMES: [&str; 1] = ["ecp"];

    /// The source named by the `source` setting, else ECP (every awscli-login profile).
    pub fn parse(value: Option<&str>) -> Result<Source, Error> {
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            None | Some("ecp") => Ok(Source::Ecp),
            Some(other) => Err(Error::BadSetting {
                key: "source",
                value: crate::text::shown(other, 100),
                why: format!("it must be one of {}", Source::NAMES.join(", ")),
            }),
        }
    }

    /// Logs in, as the profile's user or else `last_user` (the user of the last login).
    pub async fn login(
        &self,
        paths: &Paths,
        settings: &Settings,
        last_user: Option<&str>,
    ) -> Result<Login, Error> {
        match self {
            Source::Ecp => ecp::flow::login(paths, settings, last_user).await,
        }
    }

    /// How long a caller waits for another's lock on the profile: as long as that one's login
    /// may take (an unanswered Duo push, for ECP).
    pub fn max_wait(&self, settings: &Settings) -> Duration {
        match self {
            Source::Ecp => ecp::session::max_wait(settings),
        }
    }

    /// The account whose session profiles share (ECP: `user@host`), if it can be known without
    /// logging in: the profile's user, else `last_user`.
    pub fn account(&self, settings: &Settings, last_user: Option<&str>) -> Option<String> {
        match self {
            Source::Ecp => ecp::session::account(settings, last_user),
        }
    }

    /// `logout --purge`: forgets the session of [`Source::account`] (and, for ECP, its keyring
    /// password).
    pub fn forget(
        &self,
        paths: &Paths,
        settings: &Settings,
        last_user: Option<&str>,
    ) -> Result<Forgot, Error> {
        match self {
            Source::Ecp => ecp::session::forget(paths, settings, last_user),
        }
    }
}

/// What [`Source::forget`] forgot of an account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Forgot {
    /// Its IdP session.
    pub session: bool,
    /// Its stored password.
    pub password: bool,
    /// Why the stored password could not be forgotten, when that mattered.
    pub failure: Option<String>,
}

/// Every logout: the per-profile state of every source (ECP: a Duo push hold), whatever the
/// profile's source, since a profile may have changed source since.
pub fn logged_out(paths: &Paths, profile: &str) {
    ecp::session::logged_out(paths, profile);
}

impl Login {
    pub(crate) fn new(proof: Proof, who: String, session: Session) -> Self {
        Login { proof, who, session }
    }

    /// Keeps the session state the IdP's acceptance gave. The pipeline calls it as soon as the
    /// IdP accepted, before the role choice and STS, which may still fail: the IdP may have
    /// rotated its session, and throwing the new state away costs the user another login.
    pub fn commit(&mut self, paths: &Paths, settings: &Settings) -> Result<(), Error> {
        match &mut self.session {
            Session::Ecp(session) => session.commit(paths, settings),
        }
    }
}

impl Proof {
    /// The roles it lets the user assume.
    pub fn roles(&self) -> Vec<Role> {
        match self {
            Proof::Saml { grants, .. } => grants.roles.iter().cloned().map(Role::Saml).collect(),
        }
    }

    /// The longest session the IdP allows, if it says.
    pub fn max_duration(&self) -> Option<u32> {
        match self {
            Proof::Saml { grants, .. } => grants.session_duration,
        }
    }
}
