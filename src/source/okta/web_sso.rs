//! From Okta's tokens to a signed SAML Response for one AWS Federation app, as okta-aws-cli's
//! `web` command does it:
//! 1. RFC 8693 token exchange at `/oauth2/v1/token`: the ID token as subject, the access token
//!    as actor, for a web-SSO token whose audience is `urn:okta:apps:<app id>`;
//! 2. that token POSTed as a form to `/login/token/sso` (never in a URL, where proxies and logs
//!    keep it), whose HTML page carries the `SAMLResponse` hidden input meant for AWS.

use base64::Engine;
use serde::Deserialize;

use super::Failure;
use crate::error::Error;
use crate::saml::{self, Grants, NS_PROTOCOL};
use crate::secret::Secret;
use crate::source::oidc::discovery::{ClientAuth, Op};
use crate::source::oidc::token::Refusal;
use crate::text::shown;

const EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ID_TOKEN: &str = "urn:ietf:params:oauth:token-type:id_token";
const ACCESS_TOKEN: &str = "urn:ietf:params:oauth:token-type:access_token";
const WEB_SSO: &str = "urn:okta:oauth:token-type:web_sso_token";

/// An app's SAML answer: the base64 Response for STS and what it grants.
#[derive(Debug, Clone)]
pub struct SamlApp {
    pub app: super::app_links::FedApp,
    pub response: Secret,
    pub grants: Grants,
}

#[derive(Deserialize)]
struct Answer {
    access_token: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// The Okta tokens a sign-in gave.
pub struct Tokens<'a> {
    pub access: &'a Secret,
    pub id: &'a Secret,
}

/// The SAML Response for `app`.
pub async fn saml(
    op: &Op,
    org: &str,
    client: &ClientAuth<'_>,
    tokens: &Tokens<'_>,
    app: &super::app_links::FedApp,
) -> Result<SamlApp, Failure> {
    let web_sso = exchange(op, client, tokens, &app.id).await?;
    let url = format!("{org}/login/token/sso");
    let form =
        url::form_urlencoded::Serializer::new(String::new()).append_pair("token", web_sso.expose()).finish();
    let (status, body) = op
        .send_built(&url, "Okta's SAML sign-in page", |http, url| {
            http.post(url)
                .header("Accept", "text/html")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(form)
        })
        .await
        .map_err(Failure::Other)?;
    match status {
        200 => {}
        // Okta's answer to a web-SSO token it no longer takes (expired, or used): sign in again.
        401 | 403 => return Err(Failure::Expired("Okta refused the web sign-in token")),
        _ => return Err(Failure::Other(Error::NotOkta { url, found: format!("HTTP {status}") })),
    }
    let response = saml_input(&body).ok_or_else(|| {
        Failure::Other(Error::NotOkta { url: url.clone(), found: "a page without a SAMLResponse".into() })
    })?;
    let grants = grants(&response, &url).map_err(Failure::Other)?;
    crate::log::debug(2, &format!("Okta app {} granted {} role(s)", app.id, grants.roles.len()));
    Ok(SamlApp { app: app.clone(), response, grants })
}

async fn exchange(
    op: &Op,
    client: &ClientAuth<'_>,
    tokens: &Tokens<'_>,
    app_id: &str,
) -> Result<Secret, Failure> {
    let audience = format!("urn:okta:apps:{app_id}");
    let form = [
        ("grant_type", EXCHANGE),
        ("actor_token", tokens.access.expose()),
        ("actor_token_type", ACCESS_TOKEN),
        ("subject_token", tokens.id.expose()),
        ("subject_token_type", ID_TOKEN),
        ("requested_token_type", WEB_SSO),
        ("audience", audience.as_str()),
    ];
    let (status, body) = op
        .post(&op.meta.token_endpoint, &form, client, "Okta's token exchange")
        .await
        .map_err(Failure::Other)?;
    let answer: Answer = serde_json::from_slice(&body).map_err(|_| {
        Failure::Other(Error::NotOkta {
            url: crate::http::shown_url(&op.meta.token_endpoint),
            found: format!("HTTP {status} without a JSON token answer"),
        })
    })?;
    match (status, answer.access_token, answer.error) {
        (200, Some(token), None) => Ok(Secret::new(token)),
        // The ID or access token expired or was revoked: a new sign-in gives others.
        (_, _, Some(error)) if error == "invalid_grant" => {
            Err(Failure::Expired("Okta no longer accepts the saved tokens"))
        }
        (_, _, Some(error)) => {
            let refusal = Refusal::Said {
                error: shown(&error, 100),
                description: answer.error_description.map(|d| shown(&d, 300)),
            };
            Err(Failure::Other(refusal.into_error(&op.issuer(), "web sign-in token exchange", client)))
        }
        _ => Err(Failure::Other(Error::NotOkta {
            url: crate::http::shown_url(&op.meta.token_endpoint),
            found: format!("HTTP {status} without a web sign-in token"),
        })),
    }
}

/// The value of the page's `SAMLResponse` input, whitespace removed (HTML may wrap it).
fn saml_input(body: &[u8]) -> Option<Secret> {
    let page = scraper::Html::parse_document(&String::from_utf8_lossy(body));
    let selector = scraper::Selector::parse(r#"input[name="SAMLResponse"]"#).ok()?;
    let value = page.select(&selector).find_map(|input| input.value().attr("value"))?;
    let value: String = value.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    (!value.is_empty()).then(|| Secret::new(value))
}

/// What a SAML Response (from the page at `url`) grants, once its status says Success (STS
/// checks its signature).
fn grants(response: &Secret, url: &str) -> Result<Grants, Error> {
    let bad =
        |why: &str| Error::NotOkta { url: url.to_string(), found: format!("a SAMLResponse that {why}") };
    let xml = base64::engine::general_purpose::STANDARD
        .decode(response.expose())
        .map_err(|_| bad("is not base64"))?;
    let root = crate::xml::parse(&xml).map_err(|_| bad("is not well-formed XML"))?;
    if !root.is(NS_PROTOCOL, "Response") {
        return Err(bad("is not a SAML Response"));
    }
    crate::source::ecp::response::check_status(&root)?;
    saml::grants(&root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hidden_input_is_read_from_html_as_okta_writes_it() {
        // Unclosed inputs, other forms first, the value wrapped over lines: HTML, not XML.
        let page = br#"<!DOCTYPE html><html><head><title>x</title></head><body>
            <form id="other"><input name="RelayState" type="hidden" value="r"></form>
            <form id="appForm" action="https://signin.aws.amazon.com/saml" method="POST">
            <input name="SAMLResponse" type="hidden" value="PHNhbWxw
            Ok=">
            </form></body></html>"#;
        assert_eq!(saml_input(page).unwrap().expose(), "PHNhbWxwOk=");
        assert!(
            saml_input(b"<html><body><p id=\"error\">The session token is invalid.</p></body></html>")
                .is_none()
        );
        assert!(saml_input(b"<input name=\"SAMLResponse\" value=\"\">").is_none());
    }

    #[test]
    fn grants_need_a_successful_saml_response() {
        let b64 = |s: &str| Secret::new(base64::engine::general_purpose::STANDARD.encode(s));
        let failed = r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"/></samlp:Status></samlp:Response>"#;
        let url = "https://example.okta.com/login/token/sso";
        assert_eq!(grants(&b64(failed), url).unwrap_err().exit_code(), crate::error::exit::AUTHN_FAILED);
        let e = grants(&b64("<html/>"), url).unwrap_err();
        assert!(e.to_string().contains("a SAMLResponse that is not a SAML Response"), "{e}");
        assert_eq!(e.exit_code(), crate::error::exit::IDP_ERROR);
        assert!(grants(&Secret::new("%%%"), url).unwrap_err().to_string().contains("is not base64"));
    }
}
