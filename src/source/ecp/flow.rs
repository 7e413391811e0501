//! The ECP identity source end to end: the IdP session cookies first (no password, no Duo),
//! else a password login with Duo — asking at the terminal when someone is there, holding back
//! unattended pushes when they go unanswered, and retrying once when a stored password is stale.

use reqwest::Url;

use super::duo::{Factor, FactorSetting};
use super::{Auth, PasswordLogin, SamlLogin, ServiceProvider};
use crate::backoff::PushBackoff;
use crate::config::Settings;
use crate::cookies::Jar;
use crate::error::Error;
use crate::password::{self, Password, Source};
use crate::paths::Paths;
use crate::{keyring, log, prompt};

/// A successful ECP login and what to keep once the whole login has succeeded.
pub struct EcpLogin {
    pub saml: SamlLogin,
    pub username: String,
    /// The IdP account (`user@host[:port]`): the keyring entry and the cookie jar.
    pub account: String,
    /// The cookie jar with the IdP's new cookies, to be saved by the caller.
    pub jar: Jar,
    /// The password a password login used (none after a session login).
    pub password: Option<Password>,
}

/// Logs in as the profile's user (else the user of the last login, else asked for).
pub async fn login(
    paths: &Paths,
    settings: &Settings,
    last_username: Option<&str>,
) -> Result<EcpLogin, Error> {
    let profile = settings.profile.as_str();
    let endpoint = crate::http::check_url("ecp_endpoint_url", &settings.ecp_endpoint_url, "your password")?;
    let username = match settings.username.clone().or_else(|| last_username.map(str::to_string)) {
        Some(u) => u,
        None => prompt::line("Username", os_user().as_deref(), "a username", profile)?,
    };
    let account = keyring::account(&username, &settings.ecp_endpoint_url);
    let mut jar =
        Jar::open(paths, &account, &username, &endpoint, crate::lock::max_wait(settings.duo_timeout))?;
    let http = super::http_client(settings)?;
    let sp = settings.sp.clone();

    let (saml, password) = match super::exchange(&http, &endpoint, &sp, Auth::Session, &mut jar).await {
        Ok(saml) => (saml, None),
        Err(Error::SessionRefused) => {
            log::debug(1, "no live IdP session; logging in with a password");
            let idp = Idp { endpoint: &endpoint, sp: &sp, http: &http, account: &account };
            let (saml, password) = password_login(paths, settings, &username, &idp, &mut jar).await?;
            (saml, Some(password))
        }
        Err(e) => return Err(e),
    };
    Ok(EcpLogin { saml, username, account, jar, password })
}

/// The IdP being logged in to.
struct Idp<'a> {
    endpoint: &'a Url,
    sp: &'a ServiceProvider,
    http: &'a super::IdpClient,
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
            duo_timeout: settings.duo_timeout,
        };
        let waiting = match factor {
            Some(Factor::Phone) => prompt::waiting("Duo call placed — answer it and approve"),
            Some(f) if f.waits_for_device() => prompt::waiting("Duo push sent — approve it on your device"),
            _ => None,
        };
        let result = super::exchange(idp.http, idp.endpoint, idp.sp, Auth::Password(&login), jar).await;
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
            Err(e @ (Error::AuthnFailed { .. } | Error::DuoTimeout { .. })) if may_push && !terminal => {
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
