//! SAML ECP against a Shibboleth IdP: one SOAP POST with HTTP Basic credentials and Duo headers,
//! answered by a signed SAML Response.

pub mod authn_request;
pub mod duo;
pub mod response;

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue};

use crate::error::Error;
use crate::secret::Secret;
use authn_request::{AuthnRequest, ServiceProvider};
use duo::{Factor, HeaderNames};
pub use response::SamlLogin;

/// Connecting should be quick; the answer may take as long as a person needs to approve a Duo
/// push (Duo itself gives up after about a minute).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const ANSWER_TIMEOUT: Duration = Duration::from_secs(120);
/// Real ECP answers are a few tens of kilobytes.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// Who is logging in, and how.
#[derive(Debug, Clone)]
pub struct Login {
    pub endpoint: String,
    pub username: String,
    pub password: Secret,
    pub factor: Option<Factor>,
    pub passcode: Option<Secret>,
    pub duo_headers: HeaderNames,
    pub sp: ServiceProvider,
}

pub fn http_client() -> Result<reqwest::Client, Error> {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(ANSWER_TIMEOUT)
        .user_agent(concat!("aws-login/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| {
            Error::Unexpected(format!(
                "cannot set up HTTPS: {}",
                crate::sts::innermost(&e)
            ))
        })
}

/// Performs the password (and Duo) login.
pub async fn login(http: &reqwest::Client, login: &Login) -> Result<SamlLogin, Error> {
    let request = AuthnRequest::new(login.sp.clone())
        .map_err(|e| Error::Unexpected(format!("no randomness for the request ID: {e}")))?;
    let host = reqwest::Url::parse(&login.endpoint)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();

    let mut req = http
        .post(&login.endpoint)
        .header(CONTENT_TYPE, "text/xml; charset=utf-8")
        .header(AUTHORIZATION, basic(&login.username, &login.password)?)
        .body(request.to_envelope());
    if let Some(factor) = login.factor {
        for (name, value) in duo::headers(factor, login.passcode.as_ref(), &login.duo_headers) {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| Error::BadSetting {
                key: "http_header_factor",
                value: name.clone(),
                why: "it is not a valid HTTP header name".into(),
            })?;
            req = req.header(name, sensitive(value.expose())?);
        }
        if factor.waits_for_device() {
            crate::log::notice(&format!(
                "Duo {} sent — approve it on your device",
                duo_action(factor)
            ));
        }
    }
    crate::log::debug(1, &format!("POST {} as {}", login.endpoint, login.username));

    let network = |e: reqwest::Error| Error::Network {
        what: "the IdP",
        url: login.endpoint.clone(),
        detail: if e.is_timeout() {
            "timed out".into()
        } else {
            crate::sts::innermost(&e)
        },
    };
    let mut resp = req.send().await.map_err(network)?;
    let status = resp.status();
    crate::log::debug(1, &format!("IdP answered HTTP {}", status.as_u16()));
    if status == reqwest::StatusCode::UNAUTHORIZED {
        return Err(Error::WrongPassword {
            username: login.username.clone(),
            host,
        });
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(network)? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(Error::NotEcp {
                url: login.endpoint.clone(),
                found: format!("an answer larger than {} MiB", MAX_BODY / (1024 * 1024)),
            });
        }
        body.extend_from_slice(&chunk);
    }
    match response::parse(&body, &login.endpoint) {
        Ok(ok) if status.is_success() => Ok(ok),
        // A SOAP fault explains itself whatever the status; other non-2xx answers are plain HTTP errors.
        Err(e @ Error::SoapFault(_)) => Err(e),
        Err(e) if status.is_success() => Err(e),
        _ => Err(Error::IdpStatus {
            status: status.as_u16(),
            url: login.endpoint.clone(),
        }),
    }
}

fn duo_action(factor: Factor) -> &'static str {
    match factor {
        Factor::Phone => "phone call",
        _ => "push",
    }
}

fn basic(username: &str, password: &Secret) -> Result<HeaderValue, Error> {
    use base64::Engine;
    let raw = format!("{username}:{}", password.expose());
    sensitive(&format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    ))
}

/// A header value marked sensitive, so the HTTP stack never prints it.
fn sensitive(value: &str) -> Result<HeaderValue, Error> {
    let mut v = HeaderValue::from_str(value).map_err(|_| {
        Error::Unexpected("a credential contains characters HTTP headers cannot carry".into())
    })?;
    v.set_sensitive(true);
    Ok(v)
}
