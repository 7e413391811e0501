//! SAML ECP against a Shibboleth IdP: one SOAP POST with HTTP Basic credentials and Duo headers,
//! answered by a signed SAML Response.

pub mod authn_request;
pub mod duo;
pub mod flow;
pub mod probe;
pub mod questions;
pub mod response;
pub mod session;
pub mod settings;

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, HeaderName, HeaderValue, LOCATION, SET_COOKIE};

use crate::cookies::Jar;
use crate::error::Error;
use crate::secret::Secret;
use authn_request::AuthnRequest;
pub use authn_request::ServiceProvider;
use duo::{Factor, HeaderNames};
pub use response::SamlLogin;
pub use settings::Settings;

/// Real ECP answers are a few tens of kilobytes.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// A password (and Duo) login.
#[derive(Debug, Clone)]
pub struct PasswordLogin {
    pub username: String,
    pub password: Secret,
    pub factor: Option<Factor>,
    pub passcode: Option<Secret>,
    pub duo_headers: HeaderNames,
    /// The bound on the whole request when it waits for a Duo push or call.
    pub duo_timeout: Duration,
}

impl PasswordLogin {
    fn waits_for_duo(&self) -> Option<Duration> {
        self.factor.filter(|f| f.waits_for_device()).map(|_| self.duo_timeout)
    }
}

/// How a request proves who the user is.
#[derive(Debug)]
pub enum Auth<'a> {
    /// The IdP session cookies alone: no password, no Duo.
    Session,
    Password(&'a PasswordLogin),
}

/// The HTTP client for the IdP (see [`crate::http`]: no redirects, bounded, the system's
/// certificate authorities plus the profile's `ca_bundle`, the standard proxy variables, which
/// do not exempt loopback), and what it trusts, so that a refused certificate is explained.
/// `verify_ssl_certificate = false` accepts any certificate, and says so every time.
pub struct IdpClient {
    http: reqwest::Client,
    ca_bundle: Option<crate::tls::CaBundle>,
    /// The bound on connecting.
    connect: Duration,
}

pub fn http_client(profile: &crate::config::Settings, settings: &Settings) -> Result<IdpClient, Error> {
    let endpoint = crate::http::check_url("ecp_endpoint_url", &settings.endpoint_url, "your password")?;
    let trust = crate::http::Trust { ca_bundle: profile.ca_bundle.as_ref(), verify: profile.verify_tls };
    // Shorter than every bound on a whole request (duo_timeout is at least 5 s), so that a
    // server that never takes the connection is told from one that takes the request and
    // keeps it waiting: only the latter can have sent a Duo push.
    let connect = crate::http::CONNECT_TIMEOUT.min(Duration::from_secs(settings.duo_timeout.as_secs() / 2));
    let http = crate::http::client(&endpoint, trust, connect)?;
    if !profile.verify_tls {
        eprintln!(
            "aws-login: warning: the IdP's TLS certificate is not checked (verify_ssl_certificate = false); anyone on the network path can read your password"
        );
    }
    Ok(IdpClient { http, ca_bundle: profile.ca_bundle.clone(), connect })
}

impl IdpClient {
    /// What a failed request to `url` means. `answered`: the IdP's status line had arrived.
    fn failure(&self, url: &str, e: &reqwest::Error, duo_wait: Option<Duration>, answered: bool) -> Error {
        if let Some(tls) = crate::tls::failure("the IdP", url, self.ca_bundle.as_ref(), e) {
            return tls;
        }
        let network = |detail: String| Error::Network { what: "the IdP", url: url.to_string(), detail };
        match duo_wait {
            // Never connected (the connect bound is shorter than the request's): nothing was
            // sent, so no Duo push is pending either; a plain network failure.
            _ if e.is_connect() && e.is_timeout() => {
                network(format!("no connection within {} s", self.connect.as_secs()))
            }
            _ if e.is_connect() => network(crate::http::failure(e)),
            // Connected and sent, then silence while the IdP should be waiting for Duo: which
            // side is slow cannot be known here, and the message says so.
            Some(limit) if e.is_timeout() && !answered => {
                let host = reqwest::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_string));
                Error::DuoTimeout { secs: limit.as_secs(), host: host.unwrap_or_default() }
            }
            limit if e.is_timeout() => {
                let secs = limit.unwrap_or(crate::http::ANSWER_TIMEOUT).as_secs();
                network(if answered {
                    format!("its answer was not complete within {secs} s")
                } else {
                    format!("it did not answer within {secs} s")
                })
            }
            _ => network(crate::http::failure(e)),
        }
    }
}

/// One ECP exchange with the IdP at `endpoint`. On success the IdP's cookies are taken into
/// `jar` (the caller saves it once the whole login has succeeded); on any failure they are not.
/// With [`Auth::Session`], an IdP that no longer honours the session answers
/// [`Error::SessionRefused`].
pub async fn exchange(
    idp: &IdpClient,
    endpoint: &reqwest::Url,
    sp: &ServiceProvider,
    auth: Auth<'_>,
    jar: &mut Jar,
) -> Result<SamlLogin, Error> {
    let url = endpoint.as_str();
    let request = AuthnRequest::new(sp.clone())
        .map_err(|e| Error::Unexpected(format!("no randomness for the request ID: {e}")))?;
    let mut req = idp
        .http
        .post(endpoint.clone())
        .header(CONTENT_TYPE, "text/xml; charset=utf-8")
        .body(request.to_envelope());
    match auth {
        Auth::Session => {
            let Some(cookies) = jar.header() else { return Err(Error::SessionRefused) };
            req = req.header(COOKIE, sensitive(cookies.expose())?);
            crate::log::debug(1, &format!("POST {url} with the IdP session cookies"));
        }
        Auth::Password(login) => {
            req = req.header(AUTHORIZATION, basic(&login.username, &login.password)?);
            if let Some(factor) = login.factor {
                for (name, value) in duo::headers(factor, login.passcode.as_ref(), &login.duo_headers) {
                    let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| Error::BadSetting {
                        key: "http_header_factor",
                        value: crate::text::shown(&name, 100),
                        why: "it is not a valid HTTP header name".into(),
                    })?;
                    req = req.header(name, sensitive(value.expose())?);
                }
            }
            crate::log::debug(1, &format!("POST {url} as {}", login.username));
        }
    }

    // One bound for the whole exchange, body included: a server that trickles bytes cannot
    // hold the caller past it.
    let duo_wait = match auth {
        Auth::Password(login) => login.waits_for_duo(),
        Auth::Session => None,
    };
    req = req.timeout(duo_wait.unwrap_or(crate::http::ANSWER_TIMEOUT));
    let started = std::time::Instant::now();
    let mut resp = req.send().await.map_err(|e| idp.failure(url, &e, duo_wait, false))?;
    let status = resp.status();
    crate::log::debug(1, &format!("IdP answered HTTP {} in {:?}", status.as_u16(), started.elapsed()));
    let session = matches!(auth, Auth::Session);
    if status == reqwest::StatusCode::UNAUTHORIZED {
        return Err(match auth {
            Auth::Session => Error::SessionRefused,
            Auth::Password(login) => Error::WrongPassword {
                username: login.username.clone(),
                host: endpoint.host_str().unwrap_or_default().to_string(),
            },
        });
    }
    // Cookies the IdP no longer takes can make the request too large for it: a session it will
    // not honour, so the password is next.
    if session && status == reqwest::StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE {
        crate::log::debug(1, "the IdP found the session cookies too large; logging in with a password");
        return Err(Error::SessionRefused);
    }
    // Never followed (see crate::http): the password, passcode or cookies were meant for this
    // URL only.
    if status.is_redirection() {
        let location = resp.headers().get(LOCATION).map(|v| v.as_bytes());
        return Err(Error::IdpRedirect {
            url: url.to_string(),
            status: status.as_u16(),
            location: crate::http::redirect_target(Some(endpoint), location),
        });
    }
    let set_cookies: Vec<String> = resp
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect();
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| idp.failure(url, &e, duo_wait, true))? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(Error::NotEcp {
                url: url.to_string(),
                found: format!("an answer larger than {} MiB", MAX_BODY / (1024 * 1024)),
            });
        }
        body.extend_from_slice(&chunk);
    }
    // The answer must be addressed to the ACS the request named (checked in parse): else it is
    // refused before its cookies are taken.
    let parsed = match response::parse(&body, url, &sp.acs_url) {
        Ok(ok) if status.is_success() => Ok(ok),
        // A SOAP fault explains itself whatever the status; other non-2xx answers are plain HTTP errors.
        Err(e @ Error::SoapFault(_)) => Err(e),
        Err(e) if status.is_success() => Err(e),
        // A 400 without SOAP to a cookie-only request: the cookies, not the URL, are what the
        // IdP did not take (as with 431 above).
        Err(_) if session && status == reqwest::StatusCode::BAD_REQUEST => {
            crate::log::debug(
                1,
                "the IdP refused the session cookies (HTTP 400); logging in with a password",
            );
            Err(Error::SessionRefused)
        }
        _ => Err(Error::IdpStatus { status: status.as_u16(), url: url.to_string() }),
    };
    match (parsed, auth) {
        (Ok(ok), _) => {
            jar.absorb(set_cookies.iter().map(String::as_str));
            Ok(ok)
        }
        // An IdP that wants a password again says so with a failed SAML status.
        (Err(Error::AuthnFailed { .. }), Auth::Session) => Err(Error::SessionRefused),
        (Err(e), _) => Err(e),
    }
}

fn basic(username: &str, password: &Secret) -> Result<HeaderValue, Error> {
    use base64::Engine;
    // Both spellings of the password are zeroed once the header is built.
    let raw = zeroize::Zeroizing::new(format!("{username}:{}", password.expose()));
    let header = zeroize::Zeroizing::new(format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw.as_bytes())
    ));
    sensitive(&header)
}

/// A header value marked sensitive, so the HTTP stack never prints it.
fn sensitive(value: &str) -> Result<HeaderValue, Error> {
    let mut v = HeaderValue::from_str(value).map_err(|_| {
        Error::Unexpected("a credential contains characters HTTP headers cannot carry".into())
    })?;
    v.set_sensitive(true);
    Ok(v)
}
