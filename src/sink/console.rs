//! `aws-login console`: the profile's credentials, from the same pipeline as every login
//! (cache, lock, refresh), turned into a console sign-in the way AWS documents it for a custom
//! identity broker
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_enable-console-custom-url.html>):
//!
//! 1. `GET <federation>?Action=getSigninToken&Session=<{"sessionId","sessionKey","sessionToken"}>`,
//!    with `SessionDuration` only where AWS accepts it, answers `{"SigninToken": …}`;
//! 2. `<federation>?Action=login&Issuer=…&Destination=<console URL>&SigninToken=…` signs the
//!    browser in.
//!
//! The sign-in token lets whoever holds it into the console for 15 minutes: it is a [`Secret`],
//! printed only on stdout with `--print`, never in a log line or message.

use std::collections::HashMap;

use reqwest::Url;

use crate::browser;
use crate::cli::ProfileArgs;
use crate::config;
use crate::credentials::Credentials;
use crate::error::Error;
use crate::http;
use crate::partition::Partition;
use crate::paths::Paths;
use crate::role::Role;
use crate::secret::Secret;
use crate::text::say;
use crate::tls::CaBundle;

/// Named as the issuer of the sign-in: where AWS sends a person whose console session ended.
const ISSUER: &str = "aws-login";
/// SessionDuration's range, as AWS documents it for credentials from `AssumeRole*`.
const SESSION_RANGE: std::ops::RangeInclusive<u32> = 900..=43200;
/// A federation answer is a short JSON object; more is not it.
const MAX_ANSWER: usize = 64 * 1024;
/// What a plain-http federation endpoint would expose (loopback only, see crate::http).
const CARRIES: &str = "your AWS credentials and the sign-in token";

/// What to do with the sign-in URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Show {
    Open,
    Print,
    /// Open it when a display is available, print it otherwise.
    Auto,
}

/// The command's own flags.
#[derive(Debug, Clone)]
pub struct Request {
    pub show: Show,
    pub destination: Option<String>,
    /// `--region`: `Some(None)` when given without a value.
    pub region: Option<Option<String>>,
    pub duration: Option<String>,
}

/// Everything the flow needs, checked before anything is sent or changed.
#[derive(Debug)]
struct Plan {
    federation: Url,
    destination: Url,
    duration: Option<u32>,
    /// `None`: print the URL.
    browser: Option<Vec<String>>,
}

pub fn console(paths: &Paths, args: &ProfileArgs, req: &Request) -> Result<(), Error> {
    let settings = config::load(paths, args)?;
    let values = config::profile_values(paths, &settings.profile)?;
    let env = |name: &str| std::env::var(name).ok();
    let plan = plan(settings.partition, &values, req, &env)?;

    let served = crate::login::credentials(paths, args, false)?;
    let entry = served.entry();
    let duration = session_duration(&entry.role, plan.duration);
    let token = crate::login::runtime()?.block_on(signin_token(
        &plan.federation,
        &entry.credentials,
        duration,
        settings.ca_bundle.as_ref(),
        &settings.profile,
    ))?;
    let url = login_url(&plan.federation, &plan.destination, &token);
    let role = entry.role.arn();
    match &plan.browser {
        Some(words) => {
            browser::open(words, &url)?;
            say(&format!("Opened the AWS console as {role} in your browser."));
        }
        None => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", url.expose())
                .and_then(|()| out.flush())
                .map_err(|e| Error::Unexpected(format!("cannot write to stdout: {e}")))?;
            say(&format!(
                "Console sign-in URL for {role} printed: it signs in whoever opens it within 15 minutes, so do not share it."
            ));
        }
    }
    Ok(())
}

/// Checks the flags and settings, and decides the URLs: nothing is sent yet.
fn plan(
    known: &Partition,
    values: &HashMap<String, String>,
    req: &Request,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Plan, Error> {
    let value = |key: &'static str| -> Result<Option<String>, Error> {
        match values.get(key).map(|v| v.trim()) {
            Some(v) if v.contains('\n') => Err(Error::BadSetting {
                key,
                value: crate::text::shown(v, 200),
                why: "it goes on into an indented line after it; write it on one line".into(),
            }),
            Some(v) if !v.is_empty() => Ok(Some(v.to_string())),
            _ => Ok(None),
        }
    };
    let from_env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    // The environment beats the profile, as for every AWS_LOGIN_* setting.
    let federation = match (from_env("AWS_LOGIN_FEDERATION_URL"), value("federation_url")?) {
        (Some(url), _) => http::check_url("AWS_LOGIN_FEDERATION_URL", url.trim(), CARRIES)?,
        (None, Some(url)) => http::check_url("federation_url", &url, CARRIES)?,
        (None, None) => default_url(known, known.signin_host, "/federation", "federation_url")?,
    };
    let console = match (from_env("AWS_LOGIN_CONSOLE_URL"), value("console_url")?) {
        (Some(url), _) => http::check_url("AWS_LOGIN_CONSOLE_URL", url.trim(), "the console address")?,
        (None, Some(url)) => http::check_url("console_url", &url, "the console address")?,
        (None, None) => default_url(known, known.console_host, "/console/home", "console_url")?,
    };
    let region = match &req.region {
        None => None,
        Some(None) => {
            return Err(Error::BadSetting {
                key: "region",
                value: String::new(),
                why: "--region needs a region name, such as eu-west-1".into(),
            });
        }
        Some(Some(r)) => Some(check_region(r)?),
    };
    let destination = destination(&console, req.destination.as_deref(), region.as_deref())?;
    let duration = match (&req.duration, value("duration")?) {
        (Some(given), _) => parse_session_duration(given)?,
        (None, Some(profile)) => parse_session_duration(&profile)?,
        (None, None) => None,
    };
    let open = match req.show {
        Show::Open => true,
        Show::Print => false,
        Show::Auto => browser::display_available(env),
    };
    let browser = if open {
        Some(browser::command(value("browser")?.as_deref(), env("BROWSER").as_deref())?)
    } else {
        None
    };
    Ok(Plan { federation, destination, duration, browser })
}

/// The partition's own host, or, where AWS has not published it (aws-eusc), a sentence saying
/// which setting to give instead of a guessed host.
fn default_url(p: &Partition, host: Option<&str>, path: &str, key: &'static str) -> Result<Url, Error> {
    let Some(host) = host else {
        return Err(Error::BadSetting {
            key: "partition",
            value: p.id.to_string(),
            why: format!(
                "AWS has not published its console sign-in hosts where aws-login could confirm them; set {key} (and the other of federation_url and console_url) in the profile"
            ),
        });
    };
    Url::parse(&format!("https://{host}{path}"))
        .map_err(|_| Error::Unexpected(format!("the partition table's host {host} is not a URL host")))
}

/// A region name as AWS spells them (`eu-west-1`, `us-gov-west-1`, `eusc-de-east-1`).
fn check_region(raw: &str) -> Result<String, Error> {
    let r = raw.trim();
    let ok = !r.is_empty()
        && r.len() <= 32
        && r.split('-').count() >= 3
        && r.split('-')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    if ok {
        Ok(r.to_string())
    } else {
        Err(Error::BadSetting {
            key: "region",
            value: crate::text::shown(raw, 100),
            why: "it is not an AWS region name, such as eu-west-1".into(),
        })
    }
}

/// Where the console opens: `--destination` (a URL, or a path on the console's host), else the
/// console's home; with `--region`, in that region.
fn destination(console: &Url, given: Option<&str>, region: Option<&str>) -> Result<Url, Error> {
    let mut url = match given.map(str::trim) {
        None | Some("") => console.clone(),
        Some(path) if path.starts_with('/') => console.join(path).map_err(|_| Error::BadSetting {
            key: "destination",
            value: crate::text::shown(path, 200),
            why: "it is not a path on the console's host".into(),
        })?,
        Some(url) => http::check_url("destination", url, "the console address")?,
    };
    if let Some(region) = region {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| k != "region")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        url.query_pairs_mut().clear().extend_pairs(kept).append_pair("region", region);
    }
    Ok(url)
}

/// `--duration` or the profile's `duration` as SessionDuration: 900–43200 s, or 0 for none.
fn parse_session_duration(raw: &str) -> Result<Option<u32>, Error> {
    let bad = || Error::BadSetting {
        key: "duration",
        value: crate::text::shown(raw, 100),
        why: "the console session must last between 900 and 43200 seconds (or 0 to leave it to AWS)".into(),
    };
    match raw.trim().parse::<u32>() {
        Ok(0) => Ok(None),
        Ok(s) if SESSION_RANGE.contains(&s) => Ok(Some(s)),
        _ => Err(bad()),
    }
}

/// SessionDuration as AWS accepts it: for credentials from `AssumeRoleWithSAML` (and the other
/// `AssumeRole*` calls made with the IdP's proof), never for role-chained credentials, which the
/// federation endpoint refuses with it. Each new kind of role says which it is here.
fn session_duration(role: &Role, wanted: Option<u32>) -> Option<u32> {
    match role {
        Role::Saml(_) | Role::WebIdentity(_) => wanted,
        // GetRoleCredentials' credentials are a role session of their own, not chained.
        Role::Sso(_) => wanted,
    }
}

/// The Session parameter: the credentials as the JSON object AWS documents.
fn session_json(c: &Credentials) -> Secret {
    let json = serde_json::json!({
        "sessionId": c.access_key_id,
        "sessionKey": c.secret_access_key.expose(),
        "sessionToken": c.session_token.expose(),
    });
    Secret::new(json.to_string())
}

/// The getSigninToken request. It carries the credentials, so it is never shown.
fn token_request(federation: &Url, c: &Credentials, duration: Option<u32>) -> Url {
    let mut url = federation.clone();
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("Action", "getSigninToken");
        if let Some(d) = duration {
            q.append_pair("SessionDuration", &d.to_string());
        }
        q.append_pair("Session", session_json(c).expose());
    }
    url
}

/// The sign-in URL the browser follows.
fn login_url(federation: &Url, destination: &Url, token: &Secret) -> Secret {
    let mut url = federation.clone();
    url.query_pairs_mut()
        .append_pair("Action", "login")
        .append_pair("Issuer", ISSUER)
        .append_pair("Destination", destination.as_str())
        .append_pair("SigninToken", token.expose());
    Secret::new(String::from(url))
}

/// The token from getSigninToken's answer, if it is one.
fn parse_token(body: &[u8]) -> Option<Secret> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let token = v.get("SigninToken")?.as_str()?;
    (!token.is_empty()).then(|| Secret::new(token))
}

async fn signin_token(
    federation: &Url,
    c: &Credentials,
    duration: Option<u32>,
    ca_bundle: Option<&CaBundle>,
    profile: &str,
) -> Result<Secret, Error> {
    let shown = http::shown_url(federation.as_str());
    let client = http::client(federation, http::Trust { ca_bundle, verify: true }, http::CONNECT_TIMEOUT)?;
    let with = duration.map(|d| format!(" with SessionDuration={d}")).unwrap_or_default();
    crate::log::debug(1, &format!("asking {shown} for a console sign-in token{with}"));
    let started = std::time::Instant::now();
    let failed = |e: reqwest::Error| {
        crate::tls::failure("the AWS federation endpoint", &shown, ca_bundle, &e).unwrap_or_else(|| {
            let detail = if e.is_timeout() {
                format!("it did not answer within {} s", http::ANSWER_TIMEOUT.as_secs())
            } else {
                http::failure(&e)
            };
            Error::Network { what: "the AWS federation endpoint", url: shown.clone(), detail }
        })
    };
    let mut resp = client
        .get(token_request(federation, c, duration))
        .timeout(http::ANSWER_TIMEOUT)
        .send()
        .await
        .map_err(failed)?;
    let status = resp.status();
    crate::log::debug(
        1,
        &format!("the federation endpoint answered HTTP {} in {:?}", status.as_u16(), started.elapsed()),
    );
    if status.is_redirection() {
        let location = resp.headers().get(reqwest::header::LOCATION).map(|v| v.as_bytes());
        let target = http::redirect_target(Some(federation), location);
        return Err(Error::NotFederation {
            url: shown,
            found: format!("a redirect (HTTP {}) to {target}, which was not followed", status.as_u16()),
        });
    }
    if !status.is_success() {
        return Err(Error::FederationRefused {
            url: shown,
            status: status.as_u16(),
            profile: profile.to_string(),
        });
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(failed)? {
        if body.len() + chunk.len() > MAX_ANSWER {
            return Err(Error::NotFederation { url: shown, found: "an answer larger than 64 KiB".into() });
        }
        body.extend_from_slice(&chunk);
    }
    parse_token(&body)
        .ok_or_else(|| Error::NotFederation { url: shown, found: "an answer without a SigninToken".into() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::exit;
    use crate::partition;

    fn creds() -> Credentials {
        Credentials {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: Secret::new("sk/+="),
            session_token: Secret::new("tok&en"),
            expiration: time::macros::datetime!(2026-11-22 15:00:00 UTC),
        }
    }

    fn values(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn req(show: Show) -> Request {
        Request { show, destination: None, region: None, duration: None }
    }

    const NO_ENV: &dyn Fn(&str) -> Option<String> = &|_| None;

    /// Golden: the two URLs exactly as AWS documents them, for the commercial partition.
    #[test]
    fn the_documented_wire_format() {
        let plan = plan(&partition::AWS, &values(&[]), &req(Show::Print), NO_ENV).unwrap();
        assert_eq!(plan.federation.as_str(), "https://signin.aws.amazon.com/federation");
        assert_eq!(plan.destination.as_str(), "https://console.aws.amazon.com/console/home");
        assert!(plan.browser.is_none() && plan.duration.is_none());

        let url = token_request(&plan.federation, &creds(), Some(3600));
        assert_eq!(
            url.as_str(),
            "https://signin.aws.amazon.com/federation?Action=getSigninToken&SessionDuration=3600&Session=%7B%22sessionId%22%3A%22ASIAEXAMPLE%22%2C%22sessionKey%22%3A%22sk%2F%2B%3D%22%2C%22sessionToken%22%3A%22tok%26en%22%7D"
        );
        let session: HashMap<String, String> = url.query_pairs().into_owned().collect();
        let json: serde_json::Value = serde_json::from_str(&session["Session"]).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"sessionId": "ASIAEXAMPLE", "sessionKey": "sk/+=", "sessionToken": "tok&en"})
        );
        assert!(!token_request(&plan.federation, &creds(), None).as_str().contains("SessionDuration"));

        let login = login_url(&plan.federation, &plan.destination, &Secret::new("tok+/="));
        assert_eq!(
            login.expose(),
            "https://signin.aws.amazon.com/federation?Action=login&Issuer=aws-login&Destination=https%3A%2F%2Fconsole.aws.amazon.com%2Fconsole%2Fhome&SigninToken=tok%2B%2F%3D"
        );
        assert_eq!(
            parse_token(br#"{"SigninToken":"abc"}"#).map(|s| s.expose().to_string()),
            Some("abc".into())
        );
        assert!(parse_token(br#"{"SigninToken":""}"#).is_none() && parse_token(b"<html>").is_none());
    }

    #[test]
    fn every_partition_its_hosts_and_eusc_says_so() {
        for (id, signin, console) in [
            ("aws-us-gov", "signin.amazonaws-us-gov.com", "console.amazonaws-us-gov.com"),
            ("aws-cn", "signin.amazonaws.cn", "console.amazonaws.cn"),
        ] {
            let plan = plan(partition::find(id).unwrap(), &values(&[]), &req(Show::Print), NO_ENV).unwrap();
            assert_eq!(plan.federation.host_str(), Some(signin), "{id}");
            assert_eq!(plan.destination.host_str(), Some(console), "{id}");
        }
        let eusc = partition::find("aws-eusc").unwrap();
        let e = plan(eusc, &values(&[]), &req(Show::Print), NO_ENV).unwrap_err();
        assert_eq!(e.exit_code(), exit::BAD_SETTING);
        assert!(
            e.to_string().contains("has not published its console sign-in hosts")
                && e.to_string().contains("set federation_url"),
            "{e}"
        );
        let both = values(&[
            ("federation_url", "https://signin.example.eu/federation"),
            ("console_url", "https://console.example.eu/"),
        ]);
        assert_eq!(
            plan(eusc, &both, &req(Show::Print), NO_ENV).unwrap().federation.host_str(),
            Some("signin.example.eu")
        );
    }

    #[test]
    fn the_environment_beats_the_profile_and_urls_follow_the_http_rule() {
        let v = values(&[
            ("federation_url", "https://a.example/federation"),
            ("console_url", "http://127.0.0.1:9/c"),
        ]);
        let env = |n: &str| (n == "AWS_LOGIN_FEDERATION_URL").then(|| "http://[::1]:8/f".to_string());
        let p = plan(&partition::AWS, &v, &req(Show::Print), &env).unwrap();
        assert_eq!(
            (p.federation.as_str(), p.destination.as_str()),
            ("http://[::1]:8/f", "http://127.0.0.1:9/c")
        );
        for (key, bad) in
            [("federation_url", "http://signin.example/federation"), ("console_url", "https://u:pw@c/")]
        {
            let e = plan(&partition::AWS, &values(&[(key, bad)]), &req(Show::Print), NO_ENV).unwrap_err();
            assert_eq!(e.exit_code(), exit::BAD_SETTING, "{key}");
            assert!(e.to_string().starts_with(&format!("{key} = ")) && !e.to_string().contains("pw@"), "{e}");
        }
    }

    #[test]
    fn destination_region_and_duration() {
        let mut r = req(Show::Print);
        r.region = Some(Some("eu-west-1".into()));
        r.destination = Some("/s3/home?region=us-east-1&x=1".into());
        r.duration = Some("43200".into());
        let p = plan(&partition::AWS, &values(&[("duration", "900")]), &r, NO_ENV).unwrap();
        assert_eq!(p.destination.as_str(), "https://console.aws.amazon.com/s3/home?x=1&region=eu-west-1");
        assert_eq!(p.duration, Some(43200), "the flag beats the profile");
        assert_eq!(
            plan(&partition::AWS, &values(&[("duration", "0")]), &req(Show::Print), NO_ENV).unwrap().duration,
            None
        );
        for (region, duration, dest) in [
            (Some(Some("EU WEST")), None, None),
            (Some(None), None, None),
            (None, Some("899"), None),
            (None, Some("43201"), None),
            (None, Some("1h"), None),
            (None, None, Some("http://console.example/")),
        ] {
            let r = Request {
                show: Show::Print,
                region: region.map(|r| r.map(str::to_string)),
                duration: duration.map(str::to_string),
                destination: dest.map(str::to_string),
            };
            let e = plan(&partition::AWS, &values(&[]), &r, NO_ENV).unwrap_err();
            assert_eq!(e.exit_code(), exit::BAD_SETTING, "{region:?} {duration:?} {dest:?}: {e}");
        }
    }

    #[test]
    fn open_or_print() {
        let display = |n: &str| (n == "DISPLAY").then(|| ":0".to_string());
        let with_browser = values(&[("browser", "my-browser --new")]);
        let p = plan(&partition::AWS, &with_browser, &req(Show::Auto), &display).unwrap();
        assert_eq!(p.browser.unwrap(), ["my-browser", "--new"]);
        assert!(
            plan(&partition::AWS, &with_browser, &req(Show::Auto), NO_ENV).unwrap().browser.is_none(),
            "no display: print"
        );
        assert!(
            plan(&partition::AWS, &with_browser, &req(Show::Open), NO_ENV).unwrap().browser.is_some(),
            "--open opens anyway"
        );
        assert!(plan(&partition::AWS, &with_browser, &req(Show::Print), &display).unwrap().browser.is_none());
    }

    #[test]
    fn saml_credentials_take_a_session_duration() {
        let role = Role::Saml(crate::role::SamlRole {
            role_arn: "arn:aws:iam::1:role/R".into(),
            principal_arn: "p".into(),
        });
        assert_eq!(session_duration(&role, Some(3600)), Some(3600));
        assert_eq!(session_duration(&role, None), None);
    }
}
