//! OpenID Connect for people: a sign-in at the issuer (browser with PKCE, or device code), its
//! ID token checked against the issuer's keys, exchanged at STS with
//! AssumeRoleWithWebIdentity. Tokens are kept in a token cache shared by the profiles that sign
//! in the same way, so a credential refresh uses the refresh token silently.
//!
//! Order of a login, under the token cache's lock:
//! 1. a still-valid token from the cache;
//! 2. the refresh token (a refused one is dropped at once, and the sign-in starts over);
//! 3. a sign-in, which needs a person: without a terminal it fails at once unless the profile
//!    opts in with `auto_login = true` and a browser can be opened.

pub mod browser_flow;
pub mod client;
pub mod client_assertion;
pub mod client_credentials;
pub mod client_secret;
pub mod device_flow;
pub mod discovery;
pub mod exchange;
pub mod flags;
pub mod id_token;
pub mod machine_flags;
pub mod machine_settings;
pub mod questions;
pub mod roles;
pub mod session;
pub mod settings;
pub mod token;
pub mod token_cache;

pub use settings::{Flow, Settings, TokenKind};

use discovery::{ClientAuth, Op};
use futures_util::future::{join, try_join};
use token_cache::{Stored, TokenCache};

use crate::error::Error;
use crate::oauth::device_prompt::Show;
use crate::paths::Paths;
use crate::secret::Secret;
use crate::source::{Login, Proof};

/// A cached token is used only while it has this long left: STS must still take it.
const TOKEN_MARGIN: i64 = 300;

/// Logs in; see the module's order.
pub async fn login(paths: &Paths, profile: &crate::config::Settings, s: &Settings) -> Result<Login, Error> {
    // Told before anyone signs in: the roles come from role_arn unless from elsewhere.
    if profile.role_arn.is_none() && s.machine.exchange.is_none() && !s.machine.roles.any() {
        return Err(Error::MissingSetting {
            profile: profile.profile.clone(),
            key: "role_arn",
            path: paths.config(),
        });
    }
    let kept_secret = client_secret::with_keyring(s);
    let s = kept_secret.as_ref().unwrap_or(s);
    let trust = crate::http::Trust { ca_bundle: profile.ca_bundle.as_ref(), verify: profile.verify_tls };
    let op = discovery::discover(trust, s).await?;
    if s.flow == Flow::ClientCredentials {
        return machine(paths, profile, s, &op).await;
    }
    let cache = TokenCache::new(paths, &op.meta.issuer, &s.client_id);
    let lock = cache.lock(session::max_wait(s))?;
    let stored = cache.load()?;
    // The client proves itself on every request as a machine's does: its key, else its secret.
    let client = client::Client::new(s, &profile.profile, paths.config())?;
    let client = client.auth();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    // The token that goes on: to STS, or to the exchange.
    let passed_on = s.machine.exchange.as_ref().map_or(s.token, |e| e.subject);
    let id_token = passed_on == TokenKind::IdToken;

    let mut keys = id_token::Keys::default();
    if let Some(kept) = &stored
        && let Some(token) = kept.usable(id_token, now, TOKEN_MARGIN)
    {
        crate::log::debug(1, &format!("using the token kept in {}", cache.path().display()));
        // Checked again: the file is ours, but no unchecked token reaches STS.
        if id_token {
            id_token::check(&op, &mut keys, &token, &s.client_id, None).await?;
        }
        let who = kept.who.clone().unwrap_or_default();
        // The roles may need the ID token (checked, if it was not the token above).
        let id = match (&kept.id_token, id_token) {
            (_, true) => Some(token.clone()),
            (Some(id), false) if s.machine.roles.claim.is_some() || s.machine.roles.url.is_some() => {
                let id = id.clone();
                id_token::check(&op, &mut keys, &id, &s.client_id, None).await?;
                Some(id)
            }
            _ => None,
        };
        let session = session::Session { cache, lock: Some(lock), stored: None };
        return finish(&op, paths, profile, s, Signed { token, id_token: id, who }, session).await;
    }

    let refreshed = match stored.as_ref().and_then(Stored::refresh) {
        Some(refresh_token) => {
            // The issuer's keys are fetched meanwhile: the new ID token needs them.
            let grant = token::Grant::Refresh { refresh_token: &refresh_token };
            let (answer, ()) =
                join(token::request(&op, &client, &grant), id_token::prefetch(&op, &mut keys)).await;
            match answer {
                Ok(tokens) => Some((tokens, None, Some(refresh_token))),
                Err(token::Refusal::Said { error, .. }) if error == "invalid_grant" => {
                    crate::log::notice(
                        "the issuer no longer accepts the saved refresh token; signing in again",
                    );
                    let dropped = Stored { refresh_token: None, ..stored.clone().unwrap_or_default() };
                    cache.save(&dropped)?;
                    None
                }
                Err(refusal) => return Err(refusal.into_error(&op.issuer(), "token refresh", &client)),
            }
        }
        None => None,
    };
    let (tokens, nonce, old_refresh) = match refreshed {
        Some(done) => done,
        None => {
            // A sign-in that fails (no terminal, say) does not wait for the keys.
            let prefetch = async {
                id_token::prefetch(&op, &mut keys).await;
                Ok(())
            };
            let ((tokens, nonce), ()) =
                try_join(sign_in(&op, s, &client, &profile.profile), prefetch).await?;
            (tokens, nonce, None)
        }
    };
    client_secret::remember(paths, s);

    let id = tokens.id_token.as_ref().ok_or_else(|| Error::IdTokenRefused {
        issuer: op.issuer(),
        why: "the issuer sent none (is `openid` among the scopes it allows this client?)".into(),
    })?;
    let claims = id_token::check(&op, &mut keys, id, &s.client_id, nonce.as_deref()).await?;
    // A refresh answer without a new refresh token leaves the old one in force.
    let refresh = tokens.refresh_token.clone().or(old_refresh);
    let stored = Stored::signed_in(&op.meta.issuer, &s.client_id, id, &claims, &tokens, refresh, now);
    let who = claims.who();
    let token = if id_token { id.clone() } else { tokens.access_token };
    let session = session::Session { cache, lock: Some(lock), stored: Some(stored) };
    finish(&op, paths, profile, s, Signed { token, id_token: Some(id.clone()), who }, session).await
}

/// A machine's login: client credentials, no person, nothing kept but the AWS credentials
/// (a new access token costs one request).
async fn machine(
    paths: &Paths,
    profile: &crate::config::Settings,
    s: &Settings,
    op: &Op,
) -> Result<Login, Error> {
    let client = client::Client::new(s, &profile.profile, paths.config())?;
    let tokens = client_credentials::tokens(op, s, &client).await?;
    client_secret::remember(paths, s);
    let (token, id) = match s.token {
        TokenKind::AccessToken => (tokens.access_token, None),
        TokenKind::IdToken => {
            let id = tokens.id_token.ok_or_else(|| Error::IdTokenRefused {
                issuer: op.issuer(),
                why: "the issuer sent none with client credentials (set web_identity_token = access_token)"
                    .into(),
            })?;
            id_token::check(op, &mut id_token::Keys::default(), &id, &s.client_id, None).await?;
            (id.clone(), Some(id))
        }
    };
    let cache = TokenCache::new(paths, &op.meta.issuer, &s.client_id);
    let session = session::Session { cache, lock: None, stored: None };
    finish(op, paths, profile, s, Signed { token, id_token: id, who: s.client_id.clone() }, session).await
}

/// What a sign-in gave: the token to pass on, the checked ID token, and who signed in.
struct Signed {
    token: Secret,
    id_token: Option<Secret>,
    who: String,
}

/// The proof for AWS: the token exchanged for SAML, or the web identity with its roles.
async fn finish(
    op: &Op,
    paths: &Paths,
    profile: &crate::config::Settings,
    s: &Settings,
    signed: Signed,
    session: session::Session,
) -> Result<Login, Error> {
    let proof = match &s.machine.exchange {
        Some(ex) => {
            let client = client::Client::new(s, &profile.profile, paths.config())?;
            let (response, grants) = exchange::to_saml(op, ex, &client, &signed.token).await?;
            Proof::Saml { response, grants }
        }
        None => {
            let offered =
                roles::for_web_identity(op, s, profile, paths.config(), signed.id_token.as_ref()).await?;
            Proof::WebIdentity {
                roles: offered.roles,
                accounts: offered.accounts,
                token: signed.token,
                issuer: op.meta.issuer.clone(),
                session_name: role_session_name(&signed.who),
            }
        }
    };
    Ok(Login::new(proof, signed.who, crate::source::Session::Oidc(session)))
}

/// The sign-in itself, by the profile's flow, if a person can be reached.
async fn sign_in(
    op: &Op,
    s: &Settings,
    client: &ClientAuth<'_>,
    profile: &str,
) -> Result<(token::Tokens, Option<String>), Error> {
    let env = |name: &str| std::env::var(name).ok();
    let terminal = crate::prompt::terminal_available();
    let named_browser = s.browser.is_some() || env("BROWSER").is_some_and(|b| !b.trim().is_empty());
    let can_open = named_browser || crate::browser::display_available(&env);
    if !(terminal || s.auto_login && can_open) {
        return Err(Error::NeedsTerminal {
            what: "a sign-in at the OpenID provider",
            profile: profile.to_string(),
        });
    }
    let words = || crate::browser::command(s.browser.as_deref(), env("BROWSER").as_deref());
    let has_device = op.meta.device_authorization_endpoint.is_some();
    let device = |open: bool| -> Result<Show, Error> {
        let open_with = if open { Some(words()?) } else { None };
        Ok(Show { qr: s.sign_in.qr, open_with })
    };
    match s.flow {
        // Handled before any sign-in: a machine is no person.
        Flow::ClientCredentials => Err(Error::Unexpected("client credentials reached the sign-in".into())),
        Flow::Device => {
            let show = device(s.sign_in.open_browser || !terminal)?;
            Ok((device_flow::run(op, &s.scope, client, &show).await?, None))
        }
        Flow::Browser if s.sign_in.no_browser => {
            browser_flow::run(op, s, client, browser_flow::Reach::Print, profile).await.map(with_nonce)
        }
        Flow::Browser if can_open => {
            browser_flow::run(op, s, client, browser_flow::Reach::Open(words()?), profile)
                .await
                .map(with_nonce)
        }
        Flow::Browser if has_device => {
            crate::text::say(
                "No browser can be opened here (no display): signing in with a device code instead.",
            );
            Ok((device_flow::run(op, &s.scope, client, &device(false)?).await?, None))
        }
        Flow::Browser => {
            browser_flow::run(op, s, client, browser_flow::Reach::Paste, profile).await.map(with_nonce)
        }
    }
}

fn with_nonce((tokens, nonce): (token::Tokens, String)) -> (token::Tokens, Option<String>) {
    (tokens, Some(nonce))
}

/// RoleSessionName from the user's email or subject, made valid for STS: 2–64 characters of
/// `[\w+=,.@-]`, anything else replaced by `-`.
pub fn role_session_name(who: &str) -> String {
    let mut name: String = who
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) { c } else { '-' })
        .take(64)
        .collect();
    if name.len() < 2 {
        name = format!("aws-login-{name}");
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_names_are_what_sts_takes() {
        assert_eq!(role_session_name("alice@example.test"), "alice@example.test");
        assert_eq!(role_session_name("a b/c:d"), "a-b-c-d");
        assert_eq!(role_session_name(""), "aws-login-");
        assert_eq!(role_session_name("x"), "aws-login-x");
        assert_eq!(role_session_name("é"), "aws-login--");
        assert_eq!(role_session_name(&"a".repeat(100)).len(), 64);
    }
}
