//! An Identity Center login: a token (the one in the AWS CLI's token file while it is good,
//! else refreshed with its refresh token, else a new sign-in: [`super::sign_in`]), then the
//! roles the portal lists, or straight to the configured account and role's credentials.
//!
//! The token file is read, refreshed and written only under its lock, and read again once the
//! lock is held: of many aws-login processes finding it near expiry, one refreshes and the
//! others take what it stored. The AWS CLI takes no lock, so a token another writer stored is
//! preferred over refreshing the one read before. A token the portal refuses
//! (UnauthorizedException) is dropped, and the login starts again without it.

use time::OffsetDateTime;

use super::oidc_client::{self, Tokens};
use super::portal;
use super::settings::{Resolved, Settings};
use super::sign_in::SignIn;
use super::token_file::{self, Client, Token};
use super::wire::{Failure, Service, Which};
use crate::config;
use crate::credentials::Credentials;
use crate::error::Error;
use crate::paths::Paths;
use crate::role::{Role, SsoRole};
use crate::secret::Secret;
use crate::source::{Login, Proof, Session};

/// A token with less than this left is refreshed first (botocore's window).
const REFRESH_AHEAD: time::Duration = time::Duration::minutes(15);
/// A token that cannot be refreshed is still used while this much is left.
const STILL_USABLE: time::Duration = time::Duration::minutes(1);
/// A lock holder may be waiting this long for a person to sign in.
pub const LONGEST_SIGN_IN: std::time::Duration = super::sign_in::LONGEST;

const UNAUTHORIZED: &str = "UnauthorizedException";

/// Why a new sign-in is needed, for the sentence said when no terminal can take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    /// There is no token, or it ended and cannot be refreshed.
    Token,
    /// The portal refused the token it had.
    Revoked,
}

/// The roles a login can take, the listed accounts' names, and the configured role's
/// credentials when they were fetched at once.
type Listed = (Vec<Role>, Vec<(String, String)>, Option<Box<(Role, Credentials)>>);

struct Run<'a> {
    paths: &'a Paths,
    role_arn: Option<String>,
    profile: &'a str,
    sso: &'a Settings,
    r: Resolved,
    oidc: Service,
    path: std::path::PathBuf,
}

pub async fn login(paths: &Paths, profile: &config::Settings, sso: &Settings) -> Result<Login, Error> {
    let r = sso.resolve()?;
    let oidc = Service::new(Which::Oidc, sso, &r.region, profile.verify_tls)?;
    let portal = Service::new(Which::Portal, sso, &r.region, profile.verify_tls)?;
    let path = token_file::path(&r.cache_key)?;
    let run =
        Run { paths, role_arn: profile.role_arn.clone(), profile: &profile.profile, sso, r, oidc, path };
    let partition = profile.partition.id;

    let mut token = run.token(None).await?;
    let (roles, accounts, minted) = match run.roles(&portal, &token, partition).await {
        Err(Failure::Aws { name, .. }) if name == UNAUTHORIZED => {
            crate::log::debug(1, "the portal no longer takes the token; dropping it and signing in again");
            token = run.token(Some(&token)).await?;
            run.roles(&portal, &token, partition).await.map_err(|f| run.portal_error(f))?
        }
        other => other.map_err(|f| run.portal_error(f))?,
    };
    let who = run.r.session.clone().unwrap_or_else(|| run.r.start_url.clone());
    let proof = Proof::Sso { token, portal: Box::new(portal), roles, accounts, minted };
    Ok(Login::new(proof, who, Session::Sso))
}

impl Run<'_> {
    /// The configured role with its credentials, or every role the portal lists (narrowed to
    /// the configured account or role name).
    async fn roles(&self, portal: &Service, token: &Secret, partition: &str) -> Result<Listed, Failure> {
        if let Some((account, name)) = self.configured_role() {
            let role = SsoRole::new(partition, &account, &name);
            let credentials = portal::role_credentials(portal, token, &role).await?;
            let role = Role::Sso(role);
            return Ok((vec![role.clone()], Vec::new(), Some(Box::new((role, credentials)))));
        }
        let (mut roles, accounts) =
            portal::all_roles(portal, token, partition, self.sso.account_id.as_deref()).await?;
        let accounts = accounts.into_iter().filter_map(|a| Some((a.account_id, a.account_name?))).collect();
        if let Some(name) = &self.sso.role_name {
            roles.retain(|r| matches!(r, Role::Sso(s) if &s.role_name == name));
        }
        if roles.is_empty() {
            let filter = match (&self.sso.account_id, &self.sso.role_name) {
                (Some(a), _) => format!(" in account {a}"),
                (None, Some(n)) => format!(" named {}", crate::text::shown(n, 100)),
                (None, None) => String::new(),
            };
            return Err(Failure::Other(Error::SsoNoRoles { start_url: self.r.start_url.clone(), filter }));
        }
        Ok((roles, accounts, None))
    }

    /// The account and role name to get credentials for without listing: `sso_account_id` and
    /// `sso_role_name`, else a `role_arn` of an Identity Center role (`login --all-roles`
    /// writes those).
    fn configured_role(&self) -> Option<(String, String)> {
        if let (Some(account), Some(name)) = (&self.sso.account_id, &self.sso.role_name) {
            return Some((account.clone(), name.clone()));
        }
        let arn = self.role_arn.as_deref()?;
        let (head, name) = arn.split_once(":role/")?;
        let account = head.strip_prefix("arn:")?.split(':').nth(3)?;
        (!name.contains('/') && account.len() == 12).then(|| (account.to_string(), name.to_string()))
    }

    fn portal_error(&self, f: Failure) -> Error {
        match f {
            Failure::Aws { name, .. } if name == UNAUTHORIZED => self.revoked(),
            Failure::Aws { name, message } => Error::SsoRefused {
                what: "the IAM Identity Center portal",
                advice: if name == "ForbiddenException" {
                    "check sso_account_id and sso_role_name: you are not assigned that role"
                } else {
                    "try again in a minute"
                },
                code: name,
                message,
            },
            Failure::Other(e) => e,
        }
    }

    fn revoked(&self) -> Error {
        Error::SsoRevoked { start_url: self.r.start_url.clone(), profile: self.profile.to_string() }
    }

    /// A token the portal should take: under the token's lock, the stored one while it is good,
    /// else refreshed, else a new sign-in. `refused`: the token the portal just refused.
    async fn token(&self, refused: Option<&Secret>) -> Result<Secret, Error> {
        let _lock = token_file::lock(self.paths, &self.r.cache_key, crate::lock::max_wait(LONGEST_SIGN_IN))?;
        // Read again under the lock: another process may have just stored a new token.
        let stored = token_file::load(&self.path)?.filter(|t| t.start_url == self.r.start_url);
        let now = OffsetDateTime::now_utc();
        let mut need = Need::Token;
        if let Some(t) = &stored {
            let is_refused = refused.is_some_and(|r| r.expose() == t.access_token.expose());
            let left = t.expires() - now;
            if is_refused {
                need = Need::Revoked;
                // Dropped: nobody should be handed it again.
                token_file::delete(&self.path)?;
            } else if left > REFRESH_AHEAD || (refused.is_some() && left > STILL_USABLE) {
                crate::log::debug(1, &format!("using the Identity Center token in {}", self.path.display()));
                return Ok(t.access_token.clone());
            }
            if let (Some(refresh), Some(client)) = (&t.refresh_token, t.client(now)) {
                match oidc_client::refresh(&self.oidc, &client, refresh).await {
                    Ok(tokens) => {
                        crate::log::debug(1, "refreshed the Identity Center token with its refresh token");
                        return self.store(Some(t), &client, tokens);
                    }
                    Err(Failure::Aws { name, .. }) => {
                        crate::log::debug(
                            1,
                            &format!("sso-oidc refused the refresh ({name}); signing in again"),
                        );
                    }
                    Err(Failure::Other(e)) if is_refused || left <= STILL_USABLE => return Err(e),
                    Err(Failure::Other(_)) => {
                        crate::log::debug(1, "the refresh failed; the token still has a while left");
                        return Ok(t.access_token.clone());
                    }
                }
            } else if !is_refused && left > STILL_USABLE {
                return Ok(t.access_token.clone());
            }
        }
        let (client, tokens) = self.sign_in(need).await?;
        self.store(stored.as_ref(), &client, tokens)
    }

    /// Writes the new token over the file, keeping what else it held.
    fn store(&self, old: Option<&Token>, client: &Client, tokens: Tokens) -> Result<Secret, Error> {
        let now = OffsetDateTime::now_utc();
        let token = Token {
            start_url: self.r.start_url.clone(),
            region: self.r.region.clone(),
            access_token: tokens.access_token.clone(),
            expires_at: token_file::format_time(now + time::Duration::seconds(tokens.expires_in.max(0))),
            refresh_token: tokens.refresh_token.or_else(|| old.and_then(|t| t.refresh_token.clone())),
            client_id: Some(client.id.clone()),
            client_secret: Some(client.secret.clone()),
            registration_expires_at: Some(token_file::format_time(client.expires)),
            other: old.map(|t| t.other.clone()).unwrap_or_default(),
        };
        crate::prompt::note_saving();
        token_file::store(&self.path, &token)?;
        Ok(tokens.access_token)
    }

    /// A new sign-in, at a terminal; without one, the sentence saying what to run.
    async fn sign_in(&self, need: Need) -> Result<(Client, Tokens), Error> {
        if !crate::prompt::terminal_available() {
            return Err(match need {
                Need::Revoked => self.revoked(),
                Need::Token => Error::NeedsTerminal {
                    what: "an IAM Identity Center sign-in",
                    profile: self.profile.to_string(),
                },
            });
        }
        let sign_in = SignIn {
            paths: self.paths,
            profile: self.profile,
            r: &self.r,
            oidc: &self.oidc,
            flow: self.sso.flow,
            args: &self.sso.sign_in,
        };
        sign_in.run().await
    }
}
