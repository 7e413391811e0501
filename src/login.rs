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

    let _lock = before_login(paths, &settings)?;
    let cached = cache.load()?;
    if !force_refresh && let Some(entry) = servable(cached.clone(), &settings) {
        log::debug(1, "another aws-login refreshed the credentials while this one waited");
        return Ok(Served::Cache(entry));
    }
    let entry = runtime()?.block_on(login(paths, &settings, cached.as_ref()))?;
    // Credentials change only once STS has answered.
    cache.store(&entry)?;
    Ok(Served::Login(entry))
}

/// What every login does first: Ctrl-C restores the terminal, the AWS files and the STS
/// endpoint are checked (a bad one fails before the IdP is asked for anything), and the
/// profile's lock is taken and returned.
pub fn before_login(paths: &Paths, settings: &Settings) -> Result<ProfileLock, Error> {
    prompt::restore_terminal_on_interrupt();
    crate::paths::check_aws_files()?;
    aws::sts::check_endpoint_in_env()?;
    ProfileLock::acquire_within(
        &paths.lock_file(&settings.profile),
        &format!("profile '{}'", settings.profile),
        settings.source.max_wait(),
    )
}

/// The async runtime of one command's network calls: one thread is enough, as they wait on
/// the network, not the CPU.
pub fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Unexpected(format!("cannot start the network runtime: {e}")))
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
    let login = sign_in(paths, settings, cached, kept.as_ref()).await?;
    let remembered = cached.map(|c| c.role.arn()).or(kept.as_ref().map(|k| k.role_arn.as_str()));
    assume(paths, settings, remembered, &login).await.map_err(Error::after_session_kept)
}

/// The source's login as the user of the last login (from the cache, or what a logout kept),
/// its session state kept at once. For commands that assume the roles themselves
/// (`login --all-roles`), after [`before_login`].
pub async fn sign_in_as_before(paths: &Paths, settings: &Settings) -> Result<Login, Error> {
    let cached = Cache::new(paths, &settings.profile).load()?;
    let kept = cached.is_none().then(|| crate::cache::Remembered::load(paths, &settings.profile)).flatten();
    sign_in(paths, settings, cached.as_ref(), kept.as_ref()).await
}

async fn sign_in(
    paths: &Paths,
    settings: &Settings,
    cached: Option<&Entry>,
    kept: Option<&crate::cache::Remembered>,
) -> Result<Login, Error> {
    let last_user = cached.and_then(|c| c.username.as_deref()).or(kept.and_then(|k| k.username.as_deref()));
    let mut login = settings.source.login(paths, settings, last_user).await?;
    // The IdP accepted the login: keep its session state now, whatever the role choice or STS
    // then say, so that trying again needs no password and no Duo push.
    login.commit(paths)?;
    prompt::note_session_kept();
    Ok(login)
}

/// DurationSeconds for STS: the profile's `duration`, no more than the IdP allows (STS would
/// refuse more).
pub fn duration(settings: &Settings, login: &Login) -> Option<u32> {
    match (settings.duration, login.proof.max_duration()) {
        (Some(d), Some(max)) => Some(d.min(max)),
        (d, _) => d,
    }
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
            let names = crate::names::Names::load(paths, &config::profile_values(paths, profile)?)
                .with_source_names(login.proof.account_names());
            let menu = role_picker::Menu::new(roles, &|id| names.account(id).map(str::to_string))
                .labelled(&|r| names.role_label(r).map(str::to_string));
            role_picker::pick(&term, &menu)?
        }
        other => other?,
    };
    log::debug(1, &format!("assuming {}", role.detail()));
    let duration = duration(settings, login);
    let aws = aws::Aws { profile, ca_bundle: settings.ca_bundle.as_ref() };
    let started = std::time::Instant::now();
    let credentials = aws::credentials(&aws, &login.proof, role, duration).await?;
    log::debug(
        2,
        &format!("STS answered in {:?}; credentials expire {}", started.elapsed(), credentials.expiration),
    );
    Ok(Entry::new(credentials, settings.source.kind(), role, Some(login.who.clone())))
}
