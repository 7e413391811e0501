//! The OpenID provider's metadata (OpenID Connect Discovery 1.0) and the HTTP client every
//! request to it goes through (see [`crate::http`]: no redirects, bounded, the profile's trust).

use std::time::Duration;

use reqwest::Url;
use serde::Deserialize;

use super::Settings;
use super::client_assertion::{ASSERTION_TYPE, SigningKey};
use crate::error::Error;
use crate::http::check_url;
use crate::text::shown;

/// What the provider says of itself; only the endpoints aws-login uses.
#[derive(Debug, Clone, Deserialize)]
pub struct Metadata {
    pub issuer: String,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: String,
    pub jwks_uri: String,
    pub device_authorization_endpoint: Option<String>,
    pub revocation_endpoint: Option<String>,
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Vec<String>,
}

impl Metadata {
    /// A client assertion's `aud` for a request to `url` (RFC 7523 §3): the token endpoint for
    /// any of the provider's own endpoints, as Okta, Entra ID and Keycloak require and every
    /// provider takes; another server's URL (an `exchange_endpoint`) for itself.
    pub fn assertion_audience<'a>(&'a self, url: &'a str) -> &'a str {
        let own = [self.device_authorization_endpoint.as_deref(), self.revocation_endpoint.as_deref()];
        if own.contains(&Some(url)) { &self.token_endpoint } else { url }
    }
}

/// The provider: its metadata and the client that talks to it.
pub struct Op {
    pub meta: Metadata,
    http: reqwest::Client,
    ca_bundle: Option<crate::tls::CaBundle>,
}

/// What plain http to the provider would expose.
const CARRIES: &str = "your tokens";
/// An answer larger than this is no provider's.
const MAX_ANSWER: usize = 1024 * 1024;

/// Fetches the provider's metadata and checks it names the configured issuer and usable URLs.
/// `trust` is the profile's (`ca_bundle`, `verify_ssl_certificate`).
pub async fn discover(trust: crate::http::Trust<'_>, s: &Settings) -> Result<Op, Error> {
    let key = if s.issuer.is_some() { "oidc_issuer" } else { "well_known_url" };
    let url = check_url(key, &s.discovery_url, CARRIES)?;
    let http = crate::http::client(&url, trust, crate::http::CONNECT_TIMEOUT)?;
    let mut op = Op {
        meta: Metadata {
            issuer: String::new(),
            authorization_endpoint: None,
            token_endpoint: String::new(),
            jwks_uri: String::new(),
            device_authorization_endpoint: None,
            revocation_endpoint: None,
            token_endpoint_auth_methods_supported: Vec::new(),
        },
        http,
        ca_bundle: trust.ca_bundle.cloned(),
    };
    let started = std::time::Instant::now();
    let (status, body) = op.send(op.http.get(url.clone()), url.as_str(), "the OpenID provider").await?;
    crate::log::debug(2, &format!("discovery answered in {:?}", started.elapsed()));
    let not_oidc = |found: String| Error::NotOidc { url: crate::http::shown_url(url.as_str()), found };
    if status != 200 {
        return Err(not_oidc(format!("HTTP {status}")));
    }
    let meta: Metadata = serde_json::from_slice(&body)
        .map_err(|e| not_oidc(format!("its metadata is not valid: {}", shown(&e.to_string(), 200))))?;
    if let Some(want) = &s.issuer
        && meta.issuer.trim_end_matches('/') != want.trim_end_matches('/')
    {
        return Err(not_oidc(format!(
            "it names issuer {}, not {} as configured",
            shown(&meta.issuer, 200),
            shown(want, 200)
        )));
    }
    // Every endpoint must follow the same transport rules as the setting itself.
    let endpoints = [Some(&meta.token_endpoint), Some(&meta.jwks_uri)].into_iter().chain(
        [&meta.authorization_endpoint, &meta.device_authorization_endpoint, &meta.revocation_endpoint]
            .map(Option::as_ref),
    );
    for endpoint in endpoints.flatten() {
        check_url(key, endpoint, CARRIES).map_err(|_| {
            not_oidc(format!(
                "it names an endpoint aws-login may not use: {}",
                crate::http::shown_url(endpoint)
            ))
        })?;
    }
    op.meta = meta;
    Ok(op)
}

/// A provider whose endpoints are known without discovery (an Okta org's fixed paths), with
/// the same client and rules as [`discover`]; `key` names the setting its URLs come from.
pub fn known(trust: crate::http::Trust<'_>, meta: Metadata, key: &'static str) -> Result<Op, Error> {
    let url = check_url(key, &meta.token_endpoint, CARRIES)?;
    let http = crate::http::client(&url, trust, crate::http::CONNECT_TIMEOUT)?;
    Ok(Op { meta, http, ca_bundle: trust.ca_bundle.cloned() })
}

impl Op {
    /// The issuer as the provider names itself, for messages.
    pub fn issuer(&self) -> String {
        shown(&self.meta.issuer, 200)
    }

    /// A GET for JSON (the JWKS).
    pub async fn get(&self, url: &str, what: &'static str) -> Result<(u16, Vec<u8>), Error> {
        self.send_built(url, what, |http, url| http.get(url)).await
    }

    /// A form POST (the token, device and revocation endpoints), with the client's
    /// authentication when it has a secret.
    pub async fn post(
        &self,
        url: &str,
        form: &[(&str, &str)],
        client: &ClientAuth<'_>,
        what: &'static str,
    ) -> Result<(u16, Vec<u8>), Error> {
        let parsed = Url::parse(url)
            .map_err(|_| Error::NotOidc { url: shown(url, 200), found: "a bad URL".into() })?;
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        let mut req = self.http.post(parsed).header("Accept", "application/json");
        // A fresh assertion for each request: providers refuse a replayed `jti`.
        let assertion = match client.key {
            Some(key) => {
                let aud = client.assertion_audience.unwrap_or_else(|| self.meta.assertion_audience(url));
                Some(key.assertion(client.id, aud, time::OffsetDateTime::now_utc().unix_timestamp())?)
            }
            None => None,
        };
        let secret_in = client.secret_in;
        match client.secret {
            // client_secret_basic unless the provider offers only client_secret_post.
            Some(secret)
                if secret_in == SecretIn::Basic || secret_in == SecretIn::Auto && self.basic_auth() =>
            {
                let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
                req = req.basic_auth(enc(client.id), Some(enc(secret.expose())));
            }
            Some(secret) => fields.extend([("client_id", client.id), ("client_secret", secret.expose())]),
            None => fields.push(("client_id", client.id)),
        }
        if let Some(assertion) = &assertion {
            fields.extend([
                ("client_assertion_type", ASSERTION_TYPE),
                ("client_assertion", assertion.expose()),
            ]);
        }
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        req = req.header("Content-Type", "application/x-www-form-urlencoded").body(body);
        self.send(req, url, what).await
    }

    /// A request of the caller's making (a bearer header, an HTML answer, a JSON body) to a URL
    /// checked like the provider's, through the same client and bounds as every other.
    pub async fn send_built(
        &self,
        url: &str,
        what: &'static str,
        build: impl FnOnce(&reqwest::Client, Url) -> reqwest::RequestBuilder,
    ) -> Result<(u16, Vec<u8>), Error> {
        let parsed = Url::parse(url)
            .map_err(|_| Error::NotOidc { url: shown(url, 200), found: "a bad URL".into() })?;
        self.send(build(&self.http, parsed), url, what).await
    }

    fn basic_auth(&self) -> bool {
        let methods = &self.meta.token_endpoint_auth_methods_supported;
        methods.is_empty() || methods.iter().any(|m| m == "client_secret_basic")
    }

    async fn send(
        &self,
        req: reqwest::RequestBuilder,
        url: &str,
        what: &'static str,
    ) -> Result<(u16, Vec<u8>), Error> {
        let failed = |e: reqwest::Error| {
            crate::tls::failure(what, url, self.ca_bundle.as_ref(), &e).unwrap_or_else(|| Error::Network {
                what,
                url: crate::http::shown_url(url),
                detail: if e.is_timeout() {
                    format!("it did not answer within {} s", ANSWER.as_secs())
                } else {
                    crate::http::failure(&e)
                },
            })
        };
        let mut resp = req.timeout(ANSWER).send().await.map_err(failed)?;
        let status = resp.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(failed)? {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_ANSWER {
                return Err(Error::NotOidc {
                    url: crate::http::shown_url(url),
                    found: "an answer too large".into(),
                });
            }
        }
        Ok((status, body))
    }
}

const ANSWER: Duration = crate::http::ANSWER_TIMEOUT;

/// Who the client is at the provider and how it proves itself: a secret (sent where
/// `secret_in` says), a key that signs a fresh client assertion for each request (RFC 7523),
/// or nothing (a public client). Made by [`super::client::Client`] from a profile.
pub struct ClientAuth<'a> {
    pub id: &'a str,
    pub secret: Option<&'a crate::secret::Secret>,
    pub secret_in: SecretIn,
    pub key: Option<&'a SigningKey>,
    /// The assertion's `aud` (`client_assertion_audience`); else [`Metadata::assertion_audience`].
    pub assertion_audience: Option<&'a str>,
}

impl<'a> ClientAuth<'a> {
    /// A public client: its id and nothing to prove (Okta's native app).
    pub fn public(id: &'a str) -> ClientAuth<'a> {
        ClientAuth { id, secret: None, secret_in: SecretIn::Auto, key: None, assertion_audience: None }
    }
}

/// Where a client secret goes (RFC 6749 §2.3.1): the profile's `token_endpoint_auth_method`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretIn {
    /// HTTP Basic unless the provider offers only the form.
    Auto,
    Basic,
    Post,
}

#[cfg(test)]
mod tests {
    use super::Metadata;

    #[test]
    fn an_assertion_is_addressed_to_the_token_endpoint_or_to_another_server() {
        let op = "https://op.example";
        let meta = Metadata {
            issuer: op.into(),
            authorization_endpoint: None,
            token_endpoint: format!("{op}/token"),
            jwks_uri: format!("{op}/jwks"),
            device_authorization_endpoint: Some(format!("{op}/device/auth")),
            revocation_endpoint: Some(format!("{op}/token/revocation")),
            token_endpoint_auth_methods_supported: Vec::new(),
        };
        for own in ["/token", "/device/auth", "/token/revocation"] {
            assert_eq!(meta.assertion_audience(&format!("{op}{own}")), meta.token_endpoint);
        }
        let exchange = "https://exchange.example/token";
        assert_eq!(meta.assertion_audience(exchange), exchange);
    }
}
