//! `aws-login logout`: delete cached credentials; with `--purge` also the IdP session cookies and
//! the keyring password of the profile's IdP account. Nothing is revoked at AWS: issued
//! credentials stay valid until they expire, as with every STS credential.
//!
//! A purge takes the IdP account's lock, as a login does around the account's cookie jar: a login
//! of another profile of the same account that holds the jar finishes first (saving its cookies)
//! and the purge then deletes what it saved, so a purged session stays purged.

use std::path::Path;

use crate::cache::Cache;
use crate::cli::ProfileArgs;
use crate::config;
use crate::error::Error;
use crate::keyring;
use crate::lock::{self, ProfileLock};
use crate::paths::Paths;

/// What a logout did, for the message to the user.
#[derive(Debug, Default)]
pub struct Report {
    pub profiles: Vec<String>,
    pub accounts: Vec<String>,
    /// Other profiles that use a purged IdP account.
    pub affected: Vec<String>,
}

pub fn logout(paths: &Paths, args: &ProfileArgs, all: bool, purge: bool) -> Result<Report, Error> {
    let profiles = if all {
        let mut names = config::profiles(paths)?;
        names.extend(cached_profiles(paths));
        names.sort();
        names.dedup();
        names
    } else {
        vec![config::profile_name(args)]
    };
    let mut report = Report::default();
    for profile in &profiles {
        let _lock = ProfileLock::acquire_within(
            &paths.lock_file(profile),
            &format!("profile '{profile}'"),
            lock::MAX_WAIT,
        )?;
        let cache = Cache::new(paths, profile);
        let entry = cache.load().ok().flatten();
        if remove(cache.path())? {
            report.profiles.push(profile.clone());
        }
        crate::backoff::PushBackoff::new(paths, profile).clear();
        if purge && let Some(account) = account_of(paths, profile, args, entry.and_then(|e| e.username)) {
            let (username, url, duo_timeout) = account;
            let name = keyring::account(&username, &url);
            // As long as a login of the account may hold it (waiting for a Duo answer).
            let _account = ProfileLock::acquire_within(
                &paths.cookie_lock(&name),
                &format!("IdP account '{name}'"),
                lock::max_wait(duo_timeout),
            )?;
            let mut purged = remove(&paths.cookie_jar(&name))?;
            // awscli-login's jar would otherwise be imported again at the next login.
            purged |= remove(&paths.awscli_login_cookie_jar(&username))?;
            purged |= crate::password::forget(&name);
            if purged && !report.accounts.contains(&name) {
                report.accounts.push(name);
            }
        }
    }
    if purge && !report.accounts.is_empty() {
        for other in config::profiles(paths)? {
            if profiles.contains(&other) {
                continue;
            }
            let args = ProfileArgs { profile: Some(other.clone()), ..Default::default() };
            let cached_user = Cache::new(paths, &other).load().ok().flatten().and_then(|e| e.username);
            if let Some((u, url, _)) = account_of(paths, &other, &args, cached_user)
                && report.accounts.contains(&keyring::account(&u, &url))
            {
                report.affected.push(other);
            }
        }
    }
    if report.profiles.is_empty() && report.accounts.is_empty() && !all {
        return Err(Error::AlreadyLoggedOut { profile: profiles.join(", ") });
    }
    Ok(report)
}

/// The IdP account (username, ECP URL) a profile logs in as, if it can be known, and how long
/// its logins may wait for Duo.
fn account_of(
    paths: &Paths,
    profile: &str,
    args: &ProfileArgs,
    cached_user: Option<String>,
) -> Option<(String, String, std::time::Duration)> {
    let args = ProfileArgs { profile: Some(profile.to_string()), ..args.clone() };
    let settings = config::load(paths, &args).ok()?;
    let username = settings.username.or(cached_user)?;
    Some((username, settings.ecp_endpoint_url, settings.duo_timeout))
}

fn cached_profiles(paths: &Paths) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(paths.cache_dir()) else { return Vec::new() };
    dir.flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let stem = name.strip_suffix(".json")?;
            // Only names that need no escaping map back to the profile unchanged.
            (!stem.contains('%')).then(|| stem.to_string())
        })
        .collect()
}

fn remove(path: &Path) -> Result<bool, Error> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::file("delete", path, e)),
    }
}
