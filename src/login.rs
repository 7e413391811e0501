//! The one trip every command makes: settings → cached credentials still good? → otherwise an
//! identity source → role choice → STS → cache. Sinks decide what to do with the result.
//!
//! Refresh order when the cache cannot serve:
//! 1. under the profile's lock, read the cache again (another caller may have refreshed it);
//! 2. the IdP session cookies (no password, no Duo) and the role remembered from the last login;
//! 3. a full login when nothing needs typing (password from config or keyring, factor configured);
//! 4. otherwise ask on the terminal, or, without one, fail at once saying what to run.

use reqwest::Url;
use time::OffsetDateTime;

use crate::backoff::PushBackoff;
use crate::cache::{Cache, Entry};
use crate::cli::ProfileArgs;
use crate::config::{self, Settings};
use crate::cookies::Jar;
use crate::error::Error;
use crate::lock::ProfileLock;
use crate::password::{self, Password, Source};
use crate::paths::Paths;
use crate::source::ecp::{
    self, Auth, PasswordLogin, SamlLogin, ServiceProvider, duo::Factor, duo::FactorSetting,
};
use crate::{keyring, log, prompt, role_choice, role_picker, sts};

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
    let _lock = ProfileLock::acquire(&paths.lock_file(&settings.profile), &settings.profile)?;
    let cached = cache.load()?;
    if !force_refresh && let Some(entry) = servable(cached.clone(), &settings) {
        log::debug(1, "another aws-login refreshed the credentials while this one waited");
        return Ok(Served::Cache(entry));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Unexpected(format!("cannot start the network runtime: {e}")))?;
    let done = runtime.block_on(login(paths, &settings, cached.as_ref()))?;
    // The login succeeded as a whole: only now change files and the keyring.
    done.jar.save()?;
    cache.store(&done.entry)?;
    if let Some(password) = &done.password {
        password::remember(&settings, &done.account, password);
    }
    PushBackoff::new(paths, &settings.profile).clear();
    Ok(Served::Login(done.entry))
}

fn servable(cached: Option<Entry>, settings: &Settings) -> Option<Entry> {
    let entry = cached?;
    let same_role = settings.role_arn.as_deref().is_none_or(|r| r == entry.role_arn);
    (same_role && entry.is_fresh(OffsetDateTime::now_utc(), settings.refresh_margin)).then_some(entry)
}

/// A login that succeeded, with what to keep from it.
struct Done {
    entry: Entry,
    jar: Jar,
    account: String,
    /// The password a password login used (none after a session login).
    password: Option<Password>,
}

async fn login(paths: &Paths, settings: &Settings, cached: Option<&Entry>) -> Result<Done, Error> {
    let profile = settings.profile.as_str();
    let endpoint = Url::parse(&settings.ecp_endpoint_url)
        .map_err(|e| Error::Unexpected(format!("ecp_endpoint_url: {e}")))?;
    let username = match settings.username.clone().or_else(|| cached.and_then(|c| c.username.clone())) {
        Some(u) => u,
        None => prompt::line("Username", os_user().as_deref(), "a username", profile)?,
    };
    let account = keyring::account(&username, &settings.ecp_endpoint_url);
    let mut jar = Jar::open(paths, &account, &username, &endpoint)?;
    let http = ecp::http_client(settings.verify_tls)?;
    let sp = settings.sp.clone();

    let (saml, password) = match ecp::exchange(&http, &endpoint, &sp, Auth::Session, &mut jar).await {
        Ok(saml) => (saml, None),
        Err(Error::SessionRefused) => {
            log::debug(1, "no live IdP session; logging in with a password");
            let idp = Idp { endpoint: &endpoint, sp: &sp, http: &http, account: &account };
            let (saml, password) = password_login(paths, settings, &username, &idp, &mut jar).await?;
            (saml, Some(password))
        }
        Err(e) => return Err(e),
    };
    log::debug(1, &format!("the IdP granted {} role(s)", saml.grants.roles.len()));
    for r in &saml.grants.roles {
        log::debug(2, &format!("  granted {r} via {}", r.principal_arn));
    }

    let remembered = cached.map(|c| c.role_arn.as_str());
    let roles = &saml.grants.roles;
    let role = match role_choice::choose(roles, settings.role_arn.as_deref(), remembered, profile) {
        Err(Error::RoleAmbiguous { .. }) if let Some(term) = prompt::terminal() => {
            let aliases = config::account_aliases(paths);
            role_picker::pick(&term, &role_picker::Menu::new(roles, &|id| aliases.get(id).cloned()))?
        }
        other => other?,
    };
    log::debug(1, &format!("assuming {role} through {}", role.principal_arn));
    // STS would refuse more than the IdP allows; ask for no more than that.
    let duration = match (settings.duration, saml.grants.session_duration) {
        (Some(d), Some(max)) => Some(d.min(max)),
        (d, _) => d,
    };
    let request = sts::Request { profile, role, duration };
    let started = std::time::Instant::now();
    let credentials = sts::assume_role_with_saml(&request, &saml.saml_response).await?;
    log::debug(
        2,
        &format!("STS answered in {:?}; credentials expire {}", started.elapsed(), credentials.expiration),
    );
    Ok(Done { entry: Entry::new(credentials, role, Some(username)), jar, account, password })
}

/// The IdP being logged in to.
struct Idp<'a> {
    endpoint: &'a Url,
    sp: &'a ServiceProvider,
    http: &'a reqwest::Client,
    account: &'a str,
}

async fn password_login(
    paths: &Paths,
    settings: &Settings,
    username: &str,
    idp: &Idp<'_>,
    jar: &mut Jar,
) -> Result<(SamlLogin, Password), Error> {
    let profile = settings.profile.as_str();
    let terminal = prompt::terminal_available();
    let mut setting = settings.factor;
    if setting == FactorSetting::Unset && terminal {
        // As awscli-login does: with nothing configured, a person may choose (Enter: IdP default).
        setting = prompt::factor(profile)?;
    }
    // Unset leaves the choice to the IdP, whose default (`auto`) is a push.
    let may_push = match setting {
        FactorSetting::Factor(f) => f.waits_for_device(),
        FactorSetting::Unset => true,
        FactorSetting::Off => false,
    };
    let backoff = PushBackoff::new(paths, profile);
    if may_push && !terminal {
        backoff.check()?;
    }

    let mut password = password::obtain(settings, idp.account, false)?;
    let mut factor = match setting {
        FactorSetting::Factor(f) => Some(f),
        FactorSetting::Unset | FactorSetting::Off => None,
    };
    let mut passcode = match (factor, &settings.passcode) {
        (Some(Factor::Passcode), Some(code)) => Some(code.clone()),
        (Some(Factor::Passcode), None) => Some(prompt::secret("Duo passcode: ", "a Duo passcode", profile)?),
        _ => None,
    };
    loop {
        let login = PasswordLogin {
            username: username.to_string(),
            password: password.secret.clone(),
            factor,
            passcode: passcode.clone(),
            duo_headers: settings.duo_headers.clone(),
        };
        let waiting = match factor {
            Some(Factor::Phone) => prompt::waiting("Duo call placed — answer it and approve"),
            Some(f) if f.waits_for_device() => prompt::waiting("Duo push sent — approve it on your device"),
            _ => None,
        };
        let result = ecp::exchange(idp.http, idp.endpoint, idp.sp, Auth::Password(&login), jar).await;
        drop(waiting);
        match result {
            Ok(saml) => return Ok((saml, password)),
            // A stored password the IdP rejects is stale (the user changed it): forget it, and
            // ask once more if someone is there to answer.
            Err(Error::WrongPassword { .. }) if password.source == Source::Keyring => {
                password::forget(idp.account);
                if !terminal {
                    return Err(Error::StalePassword {
                        account: idp.account.to_string(),
                        profile: profile.into(),
                    });
                }
                log::notice(&format!("The password stored for {} was rejected and removed.", idp.account));
                password = password::obtain(settings, idp.account, true)?;
            }
            // `sms` is a two-step factor: this answer means the codes were sent; use one now.
            Err(Error::AuthnFailed { .. }) if factor == Some(Factor::Sms) => {
                if !terminal {
                    return Err(Error::SmsSent { profile: profile.into() });
                }
                passcode = Some(prompt::secret("Duo passcode (sent by SMS): ", "a Duo passcode", profile)?);
                factor = Some(Factor::Passcode);
            }
            Err(e @ Error::AuthnFailed { .. }) if may_push && !terminal => {
                // A push nobody approved: hold the next one back rather than send a storm.
                backoff.record();
                return Err(e);
            }
            Err(e) => return Err(e),
        }
    }
}

fn os_user() -> Option<String> {
    std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).ok().filter(|u| !u.is_empty())
}
