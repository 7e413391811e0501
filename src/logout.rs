//! `aws-login logout`: delete cached credentials (the role and IdP user they were for are kept
//! in `cache/<profile>.role` for the next login); with `--purge` also those, and what the
//! profile's source keeps of its account's session ([`crate::source::Source::forget`]). Nothing
//! is revoked at AWS: issued credentials stay valid until they expire, as with every STS
//! credential.

use std::path::Path;

use crate::cache::{Cache, Remembered};
use crate::cli::ProfileArgs;
use crate::config;
use crate::error::Error;
use crate::lock::{self, ProfileLock};
use crate::paths::Paths;

/// What a logout did, for the message to the user.
#[derive(Debug, Default)]
pub struct Report {
    /// Profiles whose cached credentials were deleted.
    pub profiles: Vec<String>,
    /// Profiles whose remembered role and user a purge forgot.
    pub roles: Vec<String>,
    /// IdP accounts a purge forgot something of.
    pub accounts: Vec<Purged>,
    /// Other profiles that use a purged IdP account.
    pub affected: Vec<String>,
    /// IdP accounts whose keyring password could not be forgotten, and why.
    pub keyring_failures: Vec<(String, String)>,
}

/// What a purge forgot of one IdP account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purged {
    pub account: String,
    /// Its IdP session cookies (ours, or awscli-login's jar).
    pub session: bool,
    /// Its password in the OS keyring.
    pub password: bool,
}

impl Report {
    /// Whether anything at all was deleted.
    pub fn deleted_anything(&self) -> bool {
        !(self.profiles.is_empty() && self.roles.is_empty() && self.accounts.is_empty())
    }

    /// The part that could not be done, as the error to end with.
    pub fn failure(&self) -> Option<Error> {
        let (accounts, whys): (Vec<&str>, Vec<&str>) =
            self.keyring_failures.iter().map(|(a, w)| (a.as_str(), w.as_str())).unzip();
        let mut whys = whys;
        whys.dedup();
        (!accounts.is_empty())
            .then(|| Error::KeyringNotPurged { accounts: accounts.join(", "), why: whys.join("; ") })
    }
}

pub fn logout(paths: &Paths, args: &ProfileArgs, all: bool, purge: bool) -> Result<Report, Error> {
    let profiles = if all {
        let mut names = config::profiles(paths)?;
        names.extend(cached_profiles(paths));
        names.sort();
        names.dedup();
        names
    } else {
        let profile = config::profile_name(args);
        // Before any lock: a mistyped name leaves no file behind.
        if !has_state(paths, &profile) && !config::profiles(paths)?.contains(&profile) {
            return Err(Error::NoSuchProfile { profile, path: paths.config() });
        }
        vec![profile]
    };
    let mut report = Report::default();
    let mut done_accounts = Vec::new();
    for profile in &profiles {
        let _lock = ProfileLock::acquire_within(
            &paths.lock_file(profile),
            &format!("profile '{profile}'"),
            lock::MAX_WAIT,
        )?;
        let cache = Cache::new(paths, profile);
        // A cache file that cannot be read is deleted all the same: that is what logging out is.
        let entry = cache.load().ok().flatten();
        let kept = entry.as_ref().map(Remembered::of);
        if !purge && let Some(kept) = &kept {
            // Kept before the credentials go, so that a failure here changes nothing.
            kept.store(paths, profile)?;
        }
        if remove(cache.path())? {
            report.profiles.push(profile.clone());
        }
        crate::source::logged_out(paths, profile);
        if !purge {
            continue;
        }
        let remembered = Remembered::load(paths, profile);
        if remove(&paths.remembered_file(profile))? {
            report.roles.push(profile.clone());
        }
        let last_user = kept.or(remembered).and_then(|k| k.username);
        let Some((name, settings)) = account_of(paths, profile, args, last_user.as_deref()) else { continue };
        if !done_accounts.contains(&name) {
            let forgot = settings.source.forget(paths, &settings, last_user.as_deref())?;
            if let Some(why) = forgot.failure {
                report.keyring_failures.push((name.clone(), why));
            }
            if forgot.session || forgot.password {
                let (session, password) = (forgot.session, forgot.password);
                report.accounts.push(Purged { account: name.clone(), session, password });
            }
            done_accounts.push(name);
        }
    }
    if purge && !report.accounts.is_empty() {
        for other in &config::profiles(paths)? {
            if profiles.contains(other) {
                continue;
            }
            let args = ProfileArgs { profile: Some(other.clone()), ..Default::default() };
            let cached_user = Cache::new(paths, other).load().ok().flatten().and_then(|e| e.username);
            let last_user = cached_user.or_else(|| Remembered::load(paths, other).and_then(|r| r.username));
            if let Some((account, _)) = account_of(paths, other, &args, last_user.as_deref())
                && report.accounts.iter().any(|p| p.account == account)
            {
                report.affected.push(other.clone());
            }
        }
    }
    if !report.deleted_anything() && report.keyring_failures.is_empty() {
        return Err(match all {
            true => Error::NothingCached,
            false => Error::AlreadyLoggedOut { profile: profiles.join(", ") },
        });
    }
    Ok(report)
}

/// Whether aws-login keeps anything for `profile` (credentials or a remembered role).
fn has_state(paths: &Paths, profile: &str) -> bool {
    [paths.cache_file(profile), paths.remembered_file(profile)].iter().any(|p| p.symlink_metadata().is_ok())
}

/// The account whose session a profile shares, with the profile's settings, if they can be
/// known.
fn account_of(
    paths: &Paths,
    profile: &str,
    args: &ProfileArgs,
    last_user: Option<&str>,
) -> Option<(String, config::Settings)> {
    let args = ProfileArgs { profile: Some(profile.to_string()), ..args.clone() };
    let settings = config::load(paths, &args).ok()?;
    let account = settings.source.account(last_user)?;
    Some((account, settings))
}

/// Profiles with cached credentials or a remembered role.
fn cached_profiles(paths: &Paths) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(paths.cache_dir()) else { return Vec::new() };
    dir.flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let stem = name.strip_suffix(".json").or_else(|| name.strip_suffix(".role"))?;
            // Only names that need no escaping map back to the profile unchanged.
            (!stem.contains('%')).then(|| stem.to_string())
        })
        .collect()
}

/// Deletes `path`; `true` if it was there.
pub(crate) fn remove(path: &Path) -> Result<bool, Error> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::file("delete", path, e)),
    }
}
