//! The one trip every command makes: settings → cached credentials still good? → otherwise the
//! profile's identity source ([`crate::source::Source`]) → commit its session state → role
//! choice → AWS → cache. Sinks decide what to do with the result. The source knows nothing of
//! caches or profile locks, and this file names no source. A source's session state is kept as
//! soon as the IdP accepted the login, even if the role choice or AWS then fails; the
//! credentials cache changes only after AWS answered.
//!
//! Refresh order when the cache cannot serve:
//! 1. under the profile's lock, read the cache again (another caller may have refreshed it);
//! 2. the IdP session cookies (no password, no Duo) and the role remembered from the last login;
//! 3. a full login when nothing needs typing (password from config or keyring, factor configured);
//! 4. otherwise ask on the terminal, or, without one, fail at once saying what to run.

use time::OffsetDateTime;

use crate::cache::{Cache, Entry};
use crate::cli::ProfileArgs;
use crate::config::{self, Settings};
use crate::error::Error;
use crate::lock::ProfileLock;
use crate::paths::Paths;
use crate::source::Login;
use crate::{aws, log, prompt, role_choice, role_picker};

/// Where the credentials came from.
pub enum Served {
    Cache(Entry),
    Login(Entry),
}

impl Served {
    pub fn entry(&self) -> &Entry {
        match self {
            Served::Cache(e) | Served::Login(e) => e,
        }
    }
}

/// Returns credentials for the profile, logging in only when the cache cannot serve them.
/// The cache path touches no network, async runtime, TLS roots or keyring.
pub fn credentials(paths: &Paths, args: &ProfileArgs, force_refresh: bool) -> Result<Served, Error> {
    let settings = config::load(paths, args)?;
    let cache = Cache::new(paths, &settings.profile);
    if !force_refresh && let Some(entry) = servable(cache.load()?, &settings) {
        log::debug(1, &format!("serving cached credentials from {}", cache.path().display()));
        return Ok(Served::Cache(entry));
    }

    prompt::restore_terminal_on_interrupt();
    crate::paths::check_aws_files()?;
    aws::sts::check_endpoint_in_env()?;
    let _lock = ProfileLock::acquire_within(
        &paths.lock_file(&settings.profile),
        &format!("profile '{}'", settings.profile),
        settings.source.max_wait(),
    )?;
    let cached = cache.load()?;
    if !force_refresh && let Some(entry) = servable(cached.clone(), &settings) {
        log::debug(1, "another aws-login refreshed the credentials while this one waited");
        return Ok(Served::Cache(entry));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Unexpected(format!("cannot start the network runtime: {e}")))?;
    let entry = runtime.block_on(login(paths, &settings, cached.as_ref()))?;
    // Credentials change only once STS has answered.
    cache.store(&entry)?;
    Ok(Served::Login(entry))
}

fn servable(cached: Option<Entry>, settings: &Settings) -> Option<Entry> {
    let entry = cached?;
    // Credentials of another source (the profile was changed) are not this profile's any more.
    let same_role = entry.source == settings.source.kind()
        && settings.role_arn.as_deref().is_none_or(|r| r == entry.role.arn());
    (same_role && entry.is_fresh(OffsetDateTime::now_utc(), settings.refresh_margin)).then_some(entry)
}

async fn login(paths: &Paths, settings: &Settings, cached: Option<&Entry>) -> Result<Entry, Error> {
    // After a logout, the role and user of the last login are kept apart from the credentials.
    let kept = cached.is_none().then(|| crate::cache::Remembered::load(paths, &settings.profile)).flatten();
    let last_user =
        cached.and_then(|c| c.username.as_deref()).or(kept.as_ref().and_then(|k| k.username.as_deref()));
    let mut login = settings.source.login(paths, settings, last_user).await?;
    // The IdP accepted the login: keep its session state now, whatever the role choice or STS
    // then say, so that trying again needs no password and no Duo push.
    login.commit(paths)?;
    prompt::note_session_kept();
    let remembered = cached.map(|c| c.role.arn()).or(kept.as_ref().map(|k| k.role_arn.as_str()));
    assume(paths, settings, remembered, &login).await.map_err(Error::after_session_kept)
}

/// The role choice and STS, after the IdP accepted the login.
async fn assume(
    paths: &Paths,
    settings: &Settings,
    remembered: Option<&str>,
    login: &Login,
) -> Result<Entry, Error> {
    let profile = settings.profile.as_str();
    let roles = &login.proof.roles();
    log::debug(1, &format!("the IdP granted {} role(s)", roles.len()));
    for r in roles {
        log::debug(2, &format!("  granted {}", r.detail()));
    }

    let role = match role_choice::choose(roles, settings.role_arn.as_deref(), remembered, profile) {
        Err(Error::RoleAmbiguous { .. }) if let Some(term) = prompt::terminal() => {
            let aliases = config::account_aliases(paths);
            role_picker::pick(&term, &role_picker::Menu::new(roles, &|id| aliases.get(id).cloned()))?
        }
        other => other?,
    };
    log::debug(1, &format!("assuming {}", role.detail()));
    // STS would refuse more than the IdP allows; ask for no more than that.
    let duration = match (settings.duration, login.proof.max_duration()) {
        (Some(d), Some(max)) => Some(d.min(max)),
        (d, _) => d,
    };
    let aws = aws::Aws { profile, ca_bundle: settings.ca_bundle.as_ref() };
    let started = std::time::Instant::now();
    let credentials = aws::credentials(&aws, &login.proof, role, duration).await?;
    log::debug(
        2,
        &format!("STS answered in {:?}; credentials expire {}", started.elapsed(), credentials.expiration),
    );
    Ok(Entry::new(credentials, settings.source.kind(), role, Some(login.who.clone())))
}
