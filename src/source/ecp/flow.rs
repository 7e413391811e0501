//! The ECP identity source end to end: the IdP session cookies first (no password, no Duo),
//! else a password login with Duo — asking at the terminal when someone is there, holding back
//! unattended pushes when they go unanswered, and retrying once when a stored password is stale.

use reqwest::Url;

use super::duo::{Factor, FactorSetting};
use super::{Auth, PasswordLogin, SamlLogin, ServiceProvider, Settings};
use crate::backoff::PushBackoff;
use crate::config;
use crate::cookies::Jar;
use crate::error::Error;
use crate::password::{self, Password, Source};
use crate::paths::Paths;
use crate::source::{Login, Proof, Session};
use crate::{log, prompt};

/// Logs in as the profile's user (else the user of the last login, else asked for).
pub async fn login(
    paths: &Paths,
    profile_settings: &config::Settings,
    settings: &Settings,
    last_username: Option<&str>,
) -> Result<Login, Error> {
    let profile = profile_settings.profile.as_str();
    let endpoint = crate::http::check_url("ecp_endpoint_url", &settings.endpoint_url, "your password")?;
    let username = match settings.username.clone().or_else(|| last_username.map(str::to_string)) {
        Some(u) => u,
        None => prompt::line("Username", os_user().as_deref(), "a username", profile)?,
    };
    let account = super::session::account_name(&username, &settings.endpoint_url);
    let mut jar = Jar::open(paths, &account, &username, &endpoint, super::session::max_wait(settings))?;
    let http = super::http_client(profile_settings, settings)?;
    let sp = settings.sp.clone();

    let (saml, password) = match super::exchange(&http, &endpoint, &sp, Auth::Session, &mut jar).await {
        Ok(saml) => (saml, None),
        Err(Error::SessionRefused) => {
            log::debug(1, "no live IdP session; logging in with a password");
            let idp = Idp { endpoint: &endpoint, sp: &sp, http: &http, account: &account };
            let (saml, password) =
                password_login(paths, profile, settings, &username, &idp, &mut jar).await?;
            (saml, Some(password))
        }
        Err(e) => return Err(e),
    };
    let proof = Proof::Saml { response: saml.saml_response, grants: saml.grants };
    Ok(Login::new(
        proof,
        username,
        Session::Ecp(super::session::Session {
            account,
            jar: Some(jar),
            password,
            password_settings: settings.password.clone(),
            profile: profile.to_string(),
        }),
    ))
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
    profile: &str,
    settings: &Settings,
    username: &str,
    idp: &Idp<'_>,
    jar: &mut Jar,
) -> Result<(SamlLogin, Password), Error> {
    let terminal = prompt::terminal_available();
    let mut setting = settings.factor;
    if setting == FactorSetting::Unset && terminal {
        // As awscli-login does: with nothing configured, a person may choose (Enter: IdP default).
        setting = ask_factor(profile)?;
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

    let mut password = password::obtain(&settings.password, idp.account, profile, false)?;
    // Passwords typed at the terminal so far: three tries, as sudo gives.
    let mut typed = u8::from(password.source == Source::Terminal);
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
        // The password and the factor travel in one request: until the IdP answers, nobody
        // knows whether a push went out, so say what will happen, not what has.
        let waiting = match (factor, setting) {
            (Some(Factor::Phone), _) => prompt::waiting(
                "Checking your password; once the IdP accepts it, Duo calls you: answer and approve",
            ),
            (Some(f), _) if f.waits_for_device() => prompt::waiting(
                "Checking your password; once the IdP accepts it, Duo sends a push: approve it on your device",
            ),
            (None, FactorSetting::Unset) => prompt::waiting(
                "Checking your password; if the IdP then asks Duo, approve the request on your device",
            ),
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
                password = password::obtain(&settings.password, idp.account, profile, true)?;
                typed += 1;
            }
            // A mistyped password is asked for again, as sudo does.
            Err(Error::WrongPassword { .. })
                if password.source == Source::Terminal && typed < PASSWORD_TRIES =>
            {
                prompt::say("The IdP rejected that password; try again.");
                password = password::obtain(&settings.password, idp.account, profile, true)?;
                typed += 1;
            }
            // `sms` is a two-step factor: this answer means the codes were sent; use one now.
            Err(Error::AuthnFailed { .. }) if factor == Some(Factor::Sms) => {
                if !terminal {
                    return Err(Error::SmsSent { profile: profile.into() });
                }
                passcode = Some(prompt::secret("Duo passcode (sent by SMS): ", "a Duo passcode", profile)?);
                factor = Some(Factor::Passcode);
            }
            Err(e) => {
                let e = with_duo_advice(e, factor, setting);
                if may_push && !terminal {
                    // A push nobody approved: hold the next one back rather than send a storm.
                    match &e {
                        Error::DuoRefused { denied, .. } => backoff.record(*denied),
                        Error::DuoTimeout { .. } => backoff.record(false),
                        _ => {}
                    }
                }
                return Err(e);
            }
        }
    }
}

/// How many passwords a person may type before the login gives up.
const PASSWORD_TRIES: u8 = 3;

/// An IdP refusal after the password was accepted is Duo's: say what to do about it.
fn with_duo_advice(e: Error, factor: Option<Factor>, setting: FactorSetting) -> Error {
    let Error::AuthnFailed { message } = e else { return e };
    let m = message.to_ascii_lowercase();
    // Without a factor sent, the refusal is Duo's only when the IdP says so.
    if setting == FactorSetting::Off || (factor.is_none() && !m.contains("duo")) {
        return Error::AuthnFailed { message };
    }
    let denied = m.contains("denied") || m.contains("declined") || m.contains("fraud");
    let advice = if denied {
        "run the command again and approve the request on your device (if you did not start this login, tell your IT security team)"
    } else if m.contains("timed out") || m.contains("timeout") {
        "run the command again and approve the request sooner"
    } else if factor == Some(Factor::Passcode) {
        "run the command again with a current passcode (--passcode CODE), or use another factor"
    } else {
        "check the profile's Duo factor (factor = push, passcode, sms or phone) and try again, or ask your IdP's administrators"
    };
    Error::DuoRefused { message, advice, denied }
}

fn os_user() -> Option<String> {
    std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).ok().filter(|u| !u.is_empty())
}

/// Asks for the Duo factor until the answer parses; an empty answer leaves it to the IdP.
fn ask_factor(profile: &str) -> Result<FactorSetting, Error> {
    loop {
        let answer = prompt::line(
            "Duo factor: push, passcode, sms, phone, auto, or off if you have no Duo (Enter: the IdP's default)",
            Some(""),
            "a Duo factor",
            profile,
        )?;
        match FactorSetting::parse(&answer) {
            Ok(f) => return Ok(f),
            Err(e) => prompt::say(&e.to_string()),
        }
    }
}
