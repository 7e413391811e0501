//! `doctor`'s look at an ECP endpoint: one SOAP POST of a real AuthnRequest with no credentials
//! and no cookies, so the IdP can neither log anyone in nor send a Duo push. A Shibboleth ECP
//! endpoint answers that with HTTP 401 and a `WWW-Authenticate: Basic` challenge; anything else
//! (a redirect, a login page, a SOAP fault, a 404) says the URL or the IdP's set-up is wrong.

use reqwest::header::{CONTENT_TYPE, DATE, LOCATION, WWW_AUTHENTICATE};
use time::OffsetDateTime;

use super::authn_request::AuthnRequest;
use super::{IdpClient, Settings};
use crate::error::Error;
use crate::source::Probe;

/// Bounded like any request that waits for nobody.
pub async fn probe(profile: &crate::config::Settings, settings: &Settings) -> Probe {
    let fail = |e: Error| Probe { verdict: Err(e.to_string()), clocks: None };
    let endpoint = match crate::http::check_url("ecp_endpoint_url", &settings.endpoint_url, "your password") {
        Ok(url) => url,
        Err(e) => return fail(e),
    };
    let idp: IdpClient = match super::http_client(profile, settings) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let request = match AuthnRequest::new(settings.sp.clone()) {
        Ok(r) => r,
        Err(e) => return fail(Error::Unexpected(format!("no randomness for the request ID: {e}"))),
    };
    let url = endpoint.as_str();
    crate::log::debug(1, &format!("POST {url} without credentials (doctor)"));
    let sent = idp
        .http
        .post(endpoint.clone())
        .header(CONTENT_TYPE, "text/xml; charset=utf-8")
        .body(request.to_envelope())
        .timeout(crate::http::ANSWER_TIMEOUT)
        .send()
        .await;
    let resp = match sent {
        Ok(r) => r,
        Err(e) => return fail(idp.failure(url, &e, None, false)),
    };
    let now = OffsetDateTime::now_utc();
    let clocks = resp.headers().get(DATE).and_then(|v| v.to_str().ok()).and_then(http_date).map(|d| (d, now));
    let status = resp.status();
    let challenge = resp.headers().get(WWW_AUTHENTICATE).and_then(|v| v.to_str().ok()).map(str::to_string);
    let location = resp.headers().get(LOCATION).map(|v| v.as_bytes().to_vec());
    let verdict = if status == reqwest::StatusCode::UNAUTHORIZED {
        match challenge {
            Some(c) if c.trim_start().to_ascii_lowercase().starts_with("basic") => {
                Ok(format!("{url} answers like an ECP endpoint (HTTP 401, asking for a password)"))
            }
            _ => Err(format!(
                "{url} answered HTTP 401 without asking for HTTP Basic credentials, which ECP logs in with; check ecp_endpoint_url, or ask your IdP's administrators whether ECP is enabled"
            )),
        }
    } else if status.is_redirection() {
        Err(Error::IdpRedirect {
            url: url.to_string(),
            status: status.as_u16(),
            location: crate::http::redirect_target(Some(&endpoint), location.as_deref()),
        }
        .to_string())
    } else {
        let body = bounded_body(resp).await;
        match super::response::parse(&body, url, &settings.sp.acs_url) {
            // A SOAP fault explains itself whatever the status; a 404 is a wrong URL, not junk.
            Err(e @ Error::SoapFault(_)) => Err(e.to_string()),
            _ if !status.is_success() => {
                Err(Error::IdpStatus { status: status.as_u16(), url: url.to_string() }.to_string())
            }
            // Logged in without credentials: not what an ECP endpoint does, but it speaks SAML.
            Ok(_) => Ok(format!(
                "{url} answered with a SAML login without credentials (check who may log in there)"
            )),
            Err(e) => Err(e.to_string()),
        }
    };
    Probe { verdict, clocks }
}

/// At most a few tens of kilobytes: enough to tell SOAP from a page.
async fn bounded_body(mut resp: reqwest::Response) -> Vec<u8> {
    const CAP: usize = 64 * 1024;
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = resp.chunk().await {
        body.extend_from_slice(&chunk);
        if body.len() >= CAP {
            break;
        }
    }
    body
}

/// An HTTP `Date` (`Tue, 01 Dec 2026 23:31:10 GMT`, RFC 9110's IMF-fixdate).
pub fn http_date(value: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(value.trim(), &time::format_description::well_known::Rfc2822).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_http_dates() {
        let d = http_date("Tue, 01 Dec 2026 23:31:10 GMT").unwrap();
        assert_eq!(d.unix_timestamp(), 1_796_167_870);
        assert!(http_date("yesterday").is_none());
    }
}
