//! The portal (`sso`): ListAccounts and ListAccountRoles (every page), GetRoleCredentials and
//! Logout, with the shapes of botocore's `sso` model. The portal allows about 20 calls a second:
//! at most [`PER_SECOND`] calls start in any one second (so a burst of many does not spend
//! itself on refusals, and a small one is not slowed at all), a
//! TooManyRequestsException is still waited out and tried again, a few times, and the role
//! listing runs a bounded number of calls at once.

use std::time::Duration;

use futures_util::StreamExt;
use reqwest::Method;
use time::OffsetDateTime;

use super::wire::{Failure, Service};
use crate::credentials::Credentials;
use crate::error::Error;
use crate::role::{Role, SsoRole};
use crate::secret::Secret;

/// Calls in flight at once while listing: with the retries below, within the portal's limit.
pub const CONCURRENCY: usize = 8;
/// Calls one process starts in any one second: under Identity Center's 20, with room for
/// another process's calls and for calls arriving closer together than they started.
const PER_SECOND: usize = 15;
const WINDOW: Duration = Duration::from_secs(1);
/// The starts of this process's calls in the last [`WINDOW`].
static STARTS: std::sync::Mutex<std::collections::VecDeque<tokio::time::Instant>> =
    std::sync::Mutex::new(std::collections::VecDeque::new());

/// Waits until a call may start without more than [`PER_SECOND`] in any one second.
async fn paced() {
    loop {
        let wait_until = {
            let mut starts = STARTS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            match admit(&mut starts, tokio::time::Instant::now()) {
                None => return,
                Some(t) => t,
            }
        };
        tokio::time::sleep_until(wait_until).await;
    }
}

/// Admits a call starting at `now` (recorded among `starts`), or says when to ask again: when
/// the oldest start in the window leaves it.
fn admit(
    starts: &mut std::collections::VecDeque<tokio::time::Instant>,
    now: tokio::time::Instant,
) -> Option<tokio::time::Instant> {
    while starts.front().is_some_and(|s| now.duration_since(*s) >= WINDOW) {
        starts.pop_front();
    }
    if starts.len() < PER_SECOND {
        starts.push_back(now);
        return None;
    }
    starts.front().map(|s| *s + WINDOW)
}

/// Tries of one call the portal answers TooManyRequestsException, the first wait, and the
/// longest (each doubles).
const TRIES: u32 = 6;
const FIRST_WAIT: Duration = Duration::from_millis(100);
const LONGEST_WAIT: Duration = Duration::from_secs(2);

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Accounts {
    #[serde(default)]
    account_list: Vec<Account>,
    #[serde(default)]
    next_token: Option<String>,
}

/// An account the user is assigned, with its name.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub account_id: String,
    #[serde(default)]
    pub account_name: Option<String>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Roles {
    #[serde(default)]
    role_list: Vec<RoleInfo>,
    #[serde(default)]
    next_token: Option<String>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleInfo {
    role_name: String,
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleCredentialsAnswer {
    role_credentials: RoleCredentials,
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleCredentials {
    access_key_id: String,
    secret_access_key: Secret,
    session_token: Secret,
    /// Epoch milliseconds.
    expiration: i64,
}

/// One portal call, waiting out and retrying TooManyRequestsException.
async fn call<T: serde::de::DeserializeOwned>(
    portal: &Service,
    method: Method,
    path: &str,
    query: &[(&str, &str)],
    token: &Secret,
) -> Result<T, Failure> {
    let mut wait = FIRST_WAIT;
    for _ in 1..TRIES {
        paced().await;
        match portal.portal(method.clone(), path, query, token).await {
            Err(Failure::Aws { name, .. }) if name == "TooManyRequestsException" => {
                crate::log::debug(2, &format!("the portal asked to slow down; waiting {wait:?}"));
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(LONGEST_WAIT);
            }
            other => return other,
        }
    }
    paced().await;
    portal.portal(method, path, query, token).await
}

/// Every account the token's user is assigned (all pages).
pub async fn accounts(portal: &Service, token: &Secret) -> Result<Vec<Account>, Failure> {
    let mut out = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let mut query = vec![("max_result", "100")];
        if let Some(t) = &next {
            query.push(("next_token", t));
        }
        let page: Accounts = call(portal, Method::GET, "/assignment/accounts", &query, token).await?;
        out.extend(page.account_list);
        match page.next_token.filter(|t| !t.is_empty()) {
            Some(t) => next = Some(t),
            None => return Ok(out),
        }
    }
}

/// Every role name the user has in `account` (all pages).
pub async fn role_names(portal: &Service, token: &Secret, account: &str) -> Result<Vec<String>, Failure> {
    let mut out = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let mut query = vec![("account_id", account), ("max_result", "100")];
        if let Some(t) = &next {
            query.push(("next_token", t));
        }
        let page: Roles = call(portal, Method::GET, "/assignment/roles", &query, token).await?;
        out.extend(page.role_list.into_iter().map(|r| r.role_name));
        match page.next_token.filter(|t| !t.is_empty()) {
            Some(t) => next = Some(t),
            None => return Ok(out),
        }
    }
}

/// Every account and role, the accounts' roles listed [`CONCURRENCY`] at a time, in the
/// portal's order of accounts; with the accounts' names.
pub async fn all_roles(
    portal: &Service,
    token: &Secret,
    partition: &str,
    only_account: Option<&str>,
) -> Result<(Vec<Role>, Vec<Account>), Failure> {
    let accounts: Vec<Account> = accounts(portal, token)
        .await?
        .into_iter()
        .filter(|a| only_account.is_none_or(|only| a.account_id == only))
        .collect();
    let listed: Vec<Result<Vec<String>, Failure>> = futures_util::stream::iter(&accounts)
        .map(|a| role_names(portal, token, &a.account_id))
        .buffered(CONCURRENCY)
        .collect()
        .await;
    let mut roles = Vec::new();
    for (account, names) in accounts.iter().zip(listed) {
        roles.extend(names?.iter().map(|n| Role::Sso(SsoRole::new(partition, &account.account_id, n))));
    }
    Ok((roles, accounts))
}

/// GetRoleCredentials for `role`.
pub async fn role_credentials(
    portal: &Service,
    token: &Secret,
    role: &SsoRole,
) -> Result<Credentials, Failure> {
    let query = [("account_id", role.account_id.as_str()), ("role_name", role.role_name.as_str())];
    let answer: RoleCredentialsAnswer =
        call(portal, Method::GET, "/federation/credentials", &query, token).await?;
    let c = answer.role_credentials;
    let expiration = OffsetDateTime::from_unix_timestamp(c.expiration.div_euclid(1000))
        .map_err(|_| Error::Unexpected("the portal answered with an impossible expiration time".into()))?;
    if c.access_key_id.is_empty()
        || c.secret_access_key.expose().is_empty()
        || c.session_token.expose().is_empty()
        || expiration <= OffsetDateTime::now_utc()
    {
        return Err(Failure::Other(Error::Network {
            what: portal.what,
            url: crate::http::shown_url(portal.base.as_str()),
            detail: "it answered without complete, unexpired credentials".into(),
        }));
    }
    Ok(Credentials {
        access_key_id: c.access_key_id,
        secret_access_key: c.secret_access_key,
        session_token: c.session_token,
        expiration,
    })
}

/// Logout: the portal stops taking the token.
pub async fn logout(portal: &Service, token: &Secret) -> Result<(), Failure> {
    let _: serde_json::Value = call(portal, Method::POST, "/logout", &[], token).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;
    use tokio::time::Instant;

    /// `n` calls asking at once, each asking again when told: when each was let start.
    fn admitted(n: usize) -> (Instant, Vec<Instant>) {
        let base = Instant::now();
        let mut starts = VecDeque::new();
        let mut asking: Vec<Instant> = vec![base; n];
        let mut started = Vec::new();
        while !asking.is_empty() {
            asking.sort();
            let now = asking.remove(0);
            match admit(&mut starts, now) {
                None => started.push(now),
                Some(later) => {
                    assert!(later > now, "a refused call is told a later time");
                    asking.push(later);
                }
            }
        }
        (base, started)
    }

    #[test]
    fn a_small_burst_is_not_slowed() {
        let (base, started) = admitted(PER_SECOND);
        assert!(started.iter().all(|t| *t == base));
    }

    #[test]
    fn no_second_ever_holds_more_than_the_pace_and_none_is_wasted() {
        // 20 account/role pairs: ListAccounts, a ListAccountRoles per account, a
        // GetRoleCredentials per pair.
        let n = 1 + 10 + 20;
        let (base, started) = admitted(n);
        assert_eq!(started.len(), n);
        for (i, t) in started.iter().enumerate() {
            let in_window = started[i..].iter().filter(|u| u.duration_since(*t) < WINDOW).count();
            assert!(in_window <= PER_SECOND, "{in_window} calls within a second of call {i}");
        }
        // Each full second lets PER_SECOND more start: the last starts in the third second.
        let last = started.iter().max().unwrap().duration_since(base);
        assert_eq!(last, WINDOW * (n.div_ceil(PER_SECOND) as u32 - 1));
    }
}
