//! Okta, as okta-aws-cli's `web` command signs in: a device authorization at the org (the
//! OpenID source's device grant, at Okta's fixed endpoints), the user's AWS Federation apps
//! from their app links, a web-SSO token per app by token exchange, and each app's SAML
//! Response for AssumeRoleWithSAML. The access and ID tokens are kept in the OpenID token
//! cache (0600, atomic, locked), so a refresh within their life needs no person.
//!
//! Every app's Response is fetched (or only `aws_acct_fed_app_id`'s), so one role picker
//! chooses among all the roles, labelled by app, and `--all-roles` covers every app. An
//! expired web-SSO or access token means a new sign-in, once.

pub mod app_links;
pub mod questions;
pub mod session;
pub mod settings;
pub mod web_sso;

pub use settings::Settings;

use futures_util::future::try_join_all;

use crate::error::Error;
use crate::oauth::device_prompt::Show;
use crate::paths::Paths;
use crate::secret::Secret;
use crate::source::oidc::discovery::{self, ClientAuth, Metadata, Op};
use crate::source::oidc::id_token::{self, Keys};
use crate::source::oidc::token_cache::{Stored, TokenCache};
use crate::source::oidc::{device_flow, session::Session as TokenSession};
use crate::source::{Login, Proof, Session};
use app_links::FedApp;
use web_sso::{SamlApp, Tokens};

/// okta-aws-cli's scopes: sign-in, SSO to apps, and reading the user's own app links.
pub const SCOPE: &str = "openid okta.apps.sso okta.apps.read okta.users.read.self";
/// Kept tokens are used only while they have this long left: the exchange must still take them.
const TOKEN_MARGIN: i64 = 60;

/// Why a step after the sign-in failed.
#[derive(Debug)]
pub enum Failure {
    /// Okta no longer takes a token it gave (expired or revoked), as said here: a new sign-in
    /// would cure it.
    Expired(&'static str),
    Other(Error),
}

/// The org's OAuth endpoints: fixed paths of its org authorization server, as okta-aws-cli
/// uses them (no discovery).
pub fn op(trust: crate::http::Trust<'_>, s: &Settings) -> Result<Op, Error> {
    let org = &s.org_url;
    let meta = Metadata {
        issuer: org.clone(),
        authorization_endpoint: None,
        token_endpoint: format!("{org}/oauth2/v1/token"),
        jwks_uri: format!("{org}/oauth2/v1/keys"),
        device_authorization_endpoint: Some(format!("{org}/oauth2/v1/device/authorize")),
        revocation_endpoint: Some(format!("{org}/oauth2/v1/revoke")),
        token_endpoint_auth_methods_supported: Vec::new(),
    };
    discovery::known(trust, meta, "org_domain")
}

/// The tokens one login uses.
struct Signed {
    access: Secret,
    id: Secret,
    who: String,
}

/// Logs in; see the module's order.
pub async fn login(paths: &Paths, profile: &crate::config::Settings, s: &Settings) -> Result<Login, Error> {
    let trust = crate::http::Trust { ca_bundle: profile.ca_bundle.as_ref(), verify: profile.verify_tls };
    let op = op(trust, s)?;
    let cache = TokenCache::new(paths, &s.org_url, &s.client_id);
    let lock = cache.lock(session::max_wait())?;
    let client = ClientAuth::public(&s.client_id);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut keys = Keys::default();

    let mut kept = cache.load()?.and_then(|stored| usable(&stored, now));
    let mut fresh = None;
    loop {
        let tokens = match kept.take() {
            Some(tokens) => {
                crate::log::debug(1, &format!("using the Okta tokens kept in {}", cache.path().display()));
                tokens
            }
            None => {
                let (tokens, stored) = sign_in(&op, s, &client, &mut keys, &profile.profile).await?;
                fresh = Some(stored);
                tokens
            }
        };
        match saml_apps(&op, s, &client, &tokens).await {
            Ok(apps) => {
                let proof = proof(s, apps)?;
                let session = TokenSession::new(cache, lock, fresh);
                return Ok(Login::new(proof, tokens.who, Session::Oidc(session)));
            }
            Err(Failure::Expired(what)) if fresh.is_none() => {
                crate::log::notice(&format!("{what}; signing in again"));
                // Not tried again by the next run either, whatever this one ends in.
                cache.delete()?;
            }
            Err(Failure::Expired(what)) => {
                return Err(Error::OktaRefused {
                    org: crate::text::shown(&s.org_url, 200),
                    detail: what.to_string(),
                    profile: profile.profile.clone(),
                });
            }
            Err(Failure::Other(e)) => return Err(e),
        }
    }
}

/// The kept access and ID tokens, while both have [`TOKEN_MARGIN`] left.
fn usable(stored: &Stored, now: i64) -> Option<Signed> {
    let access = stored.usable(false, now, TOKEN_MARGIN)?;
    let id = stored.usable(true, now, TOKEN_MARGIN)?;
    Some(Signed { access, id, who: stored.who.clone().unwrap_or_default() })
}

/// A device sign-in, if a person can be reached; the tokens and what to keep of them.
async fn sign_in(
    op: &Op,
    s: &Settings,
    client: &ClientAuth<'_>,
    keys: &mut Keys,
    profile: &str,
) -> Result<(Signed, Stored), Error> {
    let env = |name: &str| std::env::var(name).ok();
    let terminal = crate::prompt::terminal_available();
    let named_browser = s.browser.is_some() || env("BROWSER").is_some_and(|b| !b.trim().is_empty());
    let can_open = named_browser || crate::browser::display_available(&env);
    if !(terminal || s.auto_login && can_open) {
        return Err(Error::NeedsTerminal { what: "a sign-in at Okta", profile: profile.to_string() });
    }
    let open_with = if s.sign_in.open_browser || !terminal {
        Some(crate::browser::command(s.browser.as_deref(), env("BROWSER").as_deref())?)
    } else {
        None
    };
    let show = Show { qr: s.sign_in.qr, open_with };
    let tokens = device_flow::run(op, SCOPE, client, &show).await?;
    let id = tokens.id_token.clone().ok_or_else(|| Error::IdTokenRefused {
        issuer: op.issuer(),
        why: "Okta sent none (does the OIDC app allow the openid scope?)".into(),
    })?;
    // Checked here too: Okta checks it again at the exchange, but no unchecked token is kept.
    let claims = id_token::check(op, keys, &id, &s.client_id, None).await?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    // No refresh token: Okta's scope here has no offline_access.
    let stored = Stored::signed_in(&s.org_url, &s.client_id, &id, &claims, &tokens, None, now);
    let who = claims.who();
    Ok((Signed { access: tokens.access_token, id, who }, stored))
}

/// Every AWS Federation app's SAML Response (or only the configured app's), fetched at once.
async fn saml_apps(
    op: &Op,
    s: &Settings,
    client: &ClientAuth<'_>,
    t: &Signed,
) -> Result<Vec<SamlApp>, Failure> {
    let apps = match &s.fed_app_id {
        Some(id) => vec![FedApp { id: id.clone(), label: id.clone() }],
        None => app_links::fed_apps(op, &s.org_url, &t.access).await?,
    };
    if apps.is_empty() {
        return Err(Failure::Other(Error::OktaNoApps { org: crate::text::shown(&s.org_url, 200) }));
    }
    crate::log::debug(1, &format!("{} AWS Federation app(s) at Okta", apps.len()));
    let tokens = Tokens { access: &t.access, id: &t.id };
    try_join_all(apps.iter().map(|app| web_sso::saml(op, &s.org_url, client, &tokens, app))).await
}

/// The apps' grants, kept to `aws_iam_idp` / `aws_iam_role` when set, as one proof.
fn proof(s: &Settings, mut apps: Vec<SamlApp>) -> Result<Proof, Error> {
    let all: Vec<String> =
        apps.iter().flat_map(|a| a.grants.roles.iter().map(|r| r.role_arn.clone())).collect();
    let mut seen = std::collections::HashSet::new();
    for app in &mut apps {
        // A role two apps grant is offered once, with the first app's Response.
        app.grants.roles.retain(|r| {
            s.iam_role.as_deref().is_none_or(|want| r.role_arn == want)
                && s.iam_idp.as_deref().is_none_or(|want| r.principal_arn == want)
                && seen.insert(r.role_arn.clone())
        });
    }
    if apps.iter().all(|a| a.grants.roles.is_empty()) && !all.is_empty() {
        let wanted = match (&s.iam_role, &s.iam_idp) {
            (Some(role), Some(idp)) => format!("{role} (via {idp})"),
            (Some(role), None) => role.clone(),
            (None, Some(idp)) => format!("a role via {idp}"),
            (None, None) => String::new(),
        };
        return Err(Error::OktaRoleNotGranted { wanted, available: all.join(", ") });
    }
    // The picker names each account by the app that grants it.
    let mut accounts: Vec<(String, String)> = Vec::new();
    for app in &apps {
        for role in &app.grants.roles {
            let account = role.role_arn.split(':').nth(4).unwrap_or_default().to_string();
            if !accounts.iter().any(|(id, _)| *id == account) {
                accounts.push((account, app.app.label.clone()));
            }
        }
    }
    Ok(Proof::SamlApps { apps, accounts })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::saml::{Grants, Role as Pair};

    fn app(id: &str, label: &str, roles: &[&str]) -> SamlApp {
        let roles = roles
            .iter()
            .map(|arn| Pair {
                role_arn: arn.to_string(),
                principal_arn: format!("{}:saml-provider/Okta", &arn[..arn.find(":role/").unwrap()]),
            })
            .collect();
        SamlApp {
            app: FedApp { id: id.into(), label: label.into() },
            response: Secret::new(format!("response-of-{id}")),
            grants: Grants { roles, session_duration: Some(3600) },
        }
    }

    fn settings(role: Option<&str>, idp: Option<&str>) -> Settings {
        Settings {
            org_url: "https://example.okta.com".into(),
            client_id: "c".into(),
            fed_app_id: None,
            iam_idp: idp.map(str::to_string),
            iam_role: role.map(str::to_string),
            browser: None,
            auto_login: false,
            sign_in: Default::default(),
        }
    }

    const DEV: &str = "arn:aws:iam::111122223333:role/Dev";
    const SHARED: &str = "arn:aws:iam::111122223333:role/Shared";
    const AUDIT: &str = "arn:aws:iam::444455556666:role/Audit";

    fn apps() -> Vec<SamlApp> {
        vec![app("0oa1", "AWS Dev", &[DEV, SHARED]), app("0oa2", "AWS Prod", &[SHARED, AUDIT])]
    }

    #[test]
    fn every_apps_roles_once_with_the_accounts_named_by_app() {
        let p = proof(&settings(None, None), apps()).unwrap();
        let roles: Vec<String> = p.roles().iter().map(|r| r.arn().to_string()).collect();
        assert_eq!(roles, [DEV, SHARED, AUDIT], "the shared role once, with the first app");
        assert_eq!(
            p.account_names(),
            [("111122223333".into(), "AWS Dev".into()), ("444455556666".into(), "AWS Prod".into())]
        );
        assert_eq!(p.max_duration(), Some(3600));
    }

    #[test]
    fn aws_iam_role_and_idp_keep_only_theirs() {
        let p = proof(&settings(Some(AUDIT), None), apps()).unwrap();
        assert_eq!(p.roles().iter().map(|r| r.arn()).collect::<Vec<_>>(), [AUDIT]);
        let idp = "arn:aws:iam::111122223333:saml-provider/Okta";
        let p = proof(&settings(None, Some(idp)), apps()).unwrap();
        assert_eq!(p.roles().len(), 2);
        let e = proof(&settings(Some("arn:aws:iam::1:role/Gone"), None), apps()).unwrap_err();
        assert_eq!(e.exit_code(), crate::error::exit::ROLE_CHOICE);
        assert!(e.to_string().contains("fix aws_iam_role"), "{e}");
    }
}
