//! Identity sources: each proves who the user is and yields something AWS accepts. The set is
//! closed, so a source is an enum arm, not a trait object: async methods need no boxing, and the
//! exhaustive `match`es below are the list of what a new source must answer. Adding a source is
//! one folder (`source/<name>/`) and one arm here (and in [`Session`] if it keeps state).

pub mod ecp;
pub mod oidc;
pub mod okta;
pub mod sso;

use std::time::Duration;

use crate::cli::ProfileArgs;
use crate::config;
use crate::config::Lookup;
use crate::error::Error;
use crate::partition::Partition;
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
    /// OpenID Connect for people, to AssumeRoleWithWebIdentity.
    Oidc,
    /// AWS IAM Identity Center, sharing the AWS CLI's token.
    Sso,
    /// Okta's web flow (okta-aws-cli's `web`): device sign-in, web-SSO token, SAML.
    Okta,
}

/// A profile's source with the settings it owns, each parsed by the source itself.
#[derive(Debug, Clone)]
pub enum Settings {
    Ecp(ecp::Settings),
    Oidc(oidc::Settings),
    Sso(sso::Settings),
    Okta(okta::Settings),
}

/// What a source proved, in the form an AWS API takes.
#[derive(Debug, Clone)]
pub enum Proof {
    /// A base64 SAML Response signed by the IdP, and the roles and session length it grants.
    Saml { response: Secret, grants: Grants },
    /// An OpenID provider's checked token (`issuer`'s), the roles to assume with it, and the
    /// RoleSessionName made from the user.
    WebIdentity {
        token: Secret,
        issuer: String,
        session_name: String,
        roles: Vec<String>,
        /// (account ID, name) where the roles' source names accounts (maws's roles API).
        accounts: Vec<(String, String)>,
    },
    /// An Identity Center access token, the portal that takes it, the roles it lists, and the
    /// credentials of the configured role when the source already fetched them.
    Sso {
        token: Secret,
        portal: Box<sso::wire::Service>,
        roles: Vec<Role>,
        /// The listed accounts' IDs and names.
        accounts: Vec<(String, String)>,
        minted: Option<Box<(Role, crate::credentials::Credentials)>>,
    },
    /// Okta: a SAML Response per AWS Federation app, and the accounts' names (the apps' labels).
    SamlApps { apps: Vec<okta::web_sso::SamlApp>, accounts: Vec<(String, String)> },
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
// One per run, moved once: boxing the large arm would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub(crate) enum Session {
    Ecp(ecp::session::Session),
    Oidc(oidc::session::Session),
    /// The token file is written under its lock as soon as sso-oidc answers: nothing is left.
    Sso,
}

impl Source {
    /// What `configure` asks for a profile of this source.
    pub fn questions(self) -> &'static [crate::configure::Question] {
        match self {
            Source::Ecp => &ecp::questions::QUESTIONS,
            Source::Oidc => &oidc::questions::QUESTIONS,
            Source::Sso => &sso::questions::QUESTIONS,
            Source::Okta => &okta::questions::QUESTIONS,
        }
    }

    /// The `source` setting's values.
    pub const NAMES: [&str; 4] = ["ecp", "oidc", "sso", "okta"];

    /// The source named by the `source` setting, else ECP (every awscli-login profile).
    pub fn parse(value: Option<&str>) -> Result<Source, Error> {
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            None | Some("ecp") => Ok(Source::Ecp),
            Some("oidc") => Ok(Source::Oidc),
            Some("sso") => Ok(Source::Sso),
            Some("okta") => Ok(Source::Okta),
            Some(other) => Err(Error::BadSetting {
                key: "source",
                value: crate::text::shown(other, 100),
                why: format!("it must be one of {}", Source::NAMES.join(", ")),
            }),
        }
    }
}

impl Settings {
    /// The profile's source (named by `source`), parsing its own keys.
    pub fn parse(values: &Lookup, args: &ProfileArgs, partition: &Partition) -> Result<Settings, Error> {
        match Source::parse(values.get("source", &None).as_deref())? {
            Source::Ecp => ecp::Settings::parse(values, args, partition).map(Settings::Ecp),
            Source::Oidc => oidc::Settings::parse(values, args).map(Settings::Oidc),
            Source::Sso => sso::Settings::parse(values, args).map(Settings::Sso),
            Source::Okta => okta::Settings::parse(values, args).map(Settings::Okta),
        }
    }

    /// Whether any source reads the profile key `key`.
    pub fn reads(key: &str) -> bool {
        ecp::settings::KEYS.contains(&key)
            || oidc::settings::KEYS.contains(&key)
            || oidc::machine_settings::KEYS.contains(&key)
            || sso::settings::KEYS.contains(&key)
            || okta::settings::KEYS.contains(&key)
    }

    pub fn kind(&self) -> Source {
        match self {
            Settings::Ecp(_) => Source::Ecp,
            Settings::Oidc(_) => Source::Oidc,
            Settings::Sso(_) => Source::Sso,
            Settings::Okta(_) => Source::Okta,
        }
    }

    /// Where the source logs in (ECP: its endpoint), for people and for checks.
    pub fn idp_url(&self) -> &str {
        match self {
            Settings::Ecp(ecp) => &ecp.endpoint_url,
            Settings::Oidc(oidc) => oidc.issuer.as_deref().unwrap_or(&oidc.discovery_url),
            Settings::Sso(sso) => &sso.shown,
            Settings::Okta(okta) => &okta.org_url,
        }
    }

    /// The IdP user the profile names, if it names one.
    pub fn user(&self) -> Option<&str> {
        match self {
            Settings::Ecp(ecp) => ecp.username.as_deref(),
            // Who signs in is known only once they have.
            Settings::Oidc(_) => None,
            Settings::Sso(_) => None,
            Settings::Okta(_) => None,
        }
    }

    /// `doctor`: asks the IdP something that needs no credentials, so nobody is logged in and
    /// no second factor is ever triggered.
    pub async fn probe(&self, profile: &config::Settings) -> Probe {
        match self {
            Settings::Ecp(ecp) => ecp::probe::probe(profile, ecp).await,
            Settings::Oidc(oidc) => {
                let trust =
                    crate::http::Trust { ca_bundle: profile.ca_bundle.as_ref(), verify: profile.verify_tls };
                let verdict = match oidc::discovery::discover(trust, oidc).await {
                    Ok(op) => Ok(format!("an OpenID provider, issuer {}", op.issuer())),
                    Err(e) => Err(e.to_string()),
                };
                Probe { verdict, clocks: None }
            }
            Settings::Sso(sso) => sso::session::probe(sso),
            Settings::Okta(okta) => okta::session::probe(profile, okta).await,
        }
    }

    /// The keyring entry a login would read and write, when the profile keeps its password in
    /// the keyring (`doctor` checks it answers).
    pub fn keyring_account(&self) -> Option<String> {
        match self {
            Settings::Ecp(ecp) if ecp.password.keyring => {
                let user = ecp.username.as_deref().unwrap_or("aws-login-doctor");
                Some(ecp::session::account_name(user, &ecp.endpoint_url))
            }
            Settings::Ecp(_) | Settings::Oidc(_) | Settings::Sso(_) | Settings::Okta(_) => None,
        }
    }

    /// Logs in, as the profile's user or else `last_user` (the user of the last login).
    pub async fn login(
        &self,
        paths: &Paths,
        profile: &config::Settings,
        last_user: Option<&str>,
    ) -> Result<Login, Error> {
        match self {
            Settings::Ecp(ecp) => ecp::flow::login(paths, profile, ecp, last_user).await,
            Settings::Oidc(oidc) => oidc::login(paths, profile, oidc).await,
            Settings::Sso(sso) => sso::flow::login(paths, profile, sso).await,
            Settings::Okta(okta) => okta::login(paths, profile, okta).await,
        }
    }

    /// How long a caller waits for another's lock on the profile: as long as that one's login
    /// may take (an unanswered Duo push, for ECP).
    pub fn max_wait(&self) -> Duration {
        match self {
            Settings::Ecp(ecp) => ecp::session::max_wait(ecp),
            Settings::Oidc(oidc) => oidc::session::max_wait(oidc),
            Settings::Sso(_) => crate::lock::max_wait(sso::flow::LONGEST_SIGN_IN),
            Settings::Okta(_) => okta::session::max_wait(),
        }
    }

    /// The account whose session profiles share (ECP: `user@host`), if it can be known without
    /// logging in: the profile's user, else `last_user`.
    pub fn account(&self, last_user: Option<&str>) -> Option<String> {
        match self {
            Settings::Ecp(ecp) => ecp::session::account(ecp, last_user),
            Settings::Oidc(oidc) => Some(format!("{}@{}", oidc.client_id, self.idp_url())),
            Settings::Sso(sso) => sso::session::account(sso),
            Settings::Okta(okta) => Some(format!("{}@{}", okta.client_id, okta.org_url)),
        }
    }

    /// `logout --purge`: forgets the session of [`Settings::account`] (and, for ECP, its keyring
    /// password).
    /// `profile`: the profile's own settings (the TLS trust for what the source asks its IdP).
    pub fn forget(
        &self,
        paths: &Paths,
        profile: &config::Settings,
        last_user: Option<&str>,
    ) -> Result<Forgot, Error> {
        match self {
            Settings::Ecp(ecp) => ecp::session::forget(paths, ecp, last_user),
            Settings::Oidc(oidc) => oidc::session::forget(paths, profile, oidc),
            Settings::Sso(sso) => sso::session::forget(paths, profile, sso),
            Settings::Okta(okta) => okta::session::forget(paths, okta),
        }
    }
}

/// What `doctor` saw of a source's IdP when it asked without credentials.
#[derive(Debug)]
pub struct Probe {
    /// `Ok` with what was seen when it answered as the source expects, else what to fix.
    pub verdict: Result<String, String>,
    /// The answer's `Date` header, and this machine's clock when the answer arrived.
    pub clocks: Option<(time::OffsetDateTime, time::OffsetDateTime)>,
}

/// What [`Settings::forget`] forgot of an account.
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
    pub fn commit(&mut self, paths: &Paths) -> Result<(), Error> {
        match &mut self.session {
            Session::Ecp(session) => session.commit(paths),
            Session::Oidc(session) => session.commit(paths),
            Session::Sso => Ok(()),
        }
    }
}

impl Proof {
    /// The roles it lets the user assume.
    pub fn roles(&self) -> Vec<Role> {
        match self {
            Proof::Saml { grants, .. } => grants.roles.iter().cloned().map(Role::Saml).collect(),
            Proof::WebIdentity { roles, .. } => roles
                .iter()
                .map(|arn| Role::WebIdentity(crate::role::WebIdentityRole { role_arn: arn.clone() }))
                .collect(),
            Proof::Sso { roles, .. } => roles.clone(),
            Proof::SamlApps { apps, .. } => {
                apps.iter().flat_map(|a| a.grants.roles.iter().cloned().map(Role::Saml)).collect()
            }
        }
    }

    /// The accounts' names the source knows (account ID, name), for the picker and generated
    /// profiles' names.
    pub fn account_names(&self) -> &[(String, String)] {
        match self {
            Proof::Saml { .. } => &[],
            Proof::Sso { accounts, .. } => accounts,
            Proof::WebIdentity { accounts, .. } => accounts,
            Proof::SamlApps { accounts, .. } => accounts,
        }
    }

    /// The longest session the IdP allows, if it says.
    pub fn max_duration(&self) -> Option<u32> {
        match self {
            Proof::Saml { grants, .. } => grants.session_duration,
            Proof::WebIdentity { .. } => None,
            // GetRoleCredentials takes no duration: the permission set decides.
            Proof::Sso { .. } => None,
            // The shortest any app allows: the role chosen may be any app's.
            Proof::SamlApps { apps, .. } => apps.iter().filter_map(|a| a.grants.session_duration).min(),
        }
    }
}
