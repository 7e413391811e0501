//! The one trip every command makes: settings → cached credentials still good? → otherwise an
//! identity source → role choice → STS → cache. Sinks decide what to do with the result.

use time::OffsetDateTime;

use crate::cache::{Cache, Entry};
use crate::cli::ProfileArgs;
use crate::config::{self, Settings};
use crate::error::Error;
use crate::paths::Paths;
use crate::source::ecp::{self, authn_request::ServiceProvider, duo::Factor, duo::FactorSetting};
use crate::{log, prompt, role_choice, sts};

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
pub fn credentials(
    paths: &Paths,
    args: &ProfileArgs,
    force_refresh: bool,
) -> Result<Served, Error> {
    let settings = config::load(paths, args)?;
    let cache = Cache::new(paths, &settings.profile);
    let cached = cache.load()?;
    if let Some(entry) = cached.as_ref().filter(|_| !force_refresh) {
        let same_role = settings
            .role_arn
            .as_deref()
            .is_none_or(|r| r == entry.role_arn);
        if same_role && entry.is_fresh(OffsetDateTime::now_utc()) {
            log::debug(
                1,
                &format!("serving cached credentials from {}", cache.path().display()),
            );
            return Ok(Served::Cache(entry.clone()));
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Unexpected(format!("cannot start the network runtime: {e}")))?;
    let entry = runtime.block_on(login(&settings, cached.as_ref()))?;
    cache.store(&entry)?;
    Ok(Served::Login(entry))
}

async fn login(settings: &Settings, cached: Option<&Entry>) -> Result<Entry, Error> {
    let profile = settings.profile.as_str();
    let username = match settings
        .username
        .clone()
        .or_else(|| cached.and_then(|c| c.username.clone()))
    {
        Some(u) => u,
        None => prompt::line("Username", os_user().as_deref(), "a username", profile)?,
    };
    let password = match &settings.password {
        Some(p) => p.clone(),
        None => prompt::secret(&format!("Password for {username}: "), "a password", profile)?,
    };
    let factor = match settings.factor {
        FactorSetting::Factor(f) => Some(f),
        FactorSetting::Unset | FactorSetting::Off => None,
    };
    let passcode = match (factor, &settings.passcode) {
        (Some(Factor::Passcode), Some(code)) => Some(code.clone()),
        (Some(Factor::Passcode), None) => {
            Some(prompt::secret("Duo passcode: ", "a Duo passcode", profile)?)
        }
        _ => None,
    };

    let http = ecp::http_client()?;
    let saml = ecp::login(
        &http,
        &ecp::Login {
            endpoint: settings.ecp_endpoint_url.clone(),
            username: username.clone(),
            password,
            factor,
            passcode,
            duo_headers: settings.duo_headers.clone(),
            sp: ServiceProvider::aws(),
        },
    )
    .await?;
    log::debug(
        1,
        &format!("the IdP granted {} role(s)", saml.grants.roles.len()),
    );

    let remembered = cached.map(|c| c.role_arn.as_str());
    let role = role_choice::choose(
        &saml.grants.roles,
        settings.role_arn.as_deref(),
        remembered,
        profile,
    )?;
    log::debug(
        1,
        &format!("assuming {role} through {}", role.principal_arn),
    );
    let credentials =
        sts::assume_role_with_saml(profile, role, &saml.saml_response, settings.duration).await?;
    Ok(Entry::new(credentials, role, Some(username)))
}

fn os_user() -> Option<String> {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|u| !u.is_empty())
}
