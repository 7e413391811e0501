//! The two Identity Center services as aws-login reaches them: rest-json over the one HTTP client
//! of [`crate::http`] (no redirects, bounded, `ca_bundle`, proxies, `http://` on loopback only).
//! Every call is unsigned (the portal takes the access token in a header), so no SDK credential
//! machinery is needed, and nothing ever asks the instance metadata service. Endpoints follow
//! the SDKs' settings: `AWS_ENDPOINT_URL_SSO_OIDC` / `AWS_ENDPOINT_URL_SSO`, then
//! `AWS_ENDPOINT_URL`, then the AWS profile's `endpoint_url`, else AWS's host in the region.

use reqwest::header::{CONTENT_TYPE, HeaderValue};
use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::ini_edit::{IniFile, is_aws_config_profile};
use crate::secret::Secret;

/// Real answers are a few kilobytes.
const MAX_BODY: usize = 1024 * 1024;

/// One service at one endpoint.
#[derive(Debug, Clone)]
pub struct Service {
    pub base: reqwest::Url,
    http: reqwest::Client,
    /// For messages: "IAM Identity Center (sso-oidc)".
    pub what: &'static str,
    /// Trusted besides the system's, to explain a refused certificate.
    ca_bundle: Option<crate::tls::CaBundle>,
}

/// What a call can end in besides success: AWS's own error (its name and message), or
/// anything else (the network, a foreign answer), already a sentence.
#[derive(Debug)]
pub enum Failure {
    Aws { name: String, message: String },
    Other(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Other(e)
    }
}

/// Which service, for the endpoint settings.
#[derive(Debug, Clone, Copy)]
pub enum Which {
    Oidc,
    Portal,
}

impl Which {
    fn variable(self) -> &'static str {
        match self {
            Which::Oidc => "AWS_ENDPOINT_URL_SSO_OIDC",
            Which::Portal => "AWS_ENDPOINT_URL_SSO",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Which::Oidc => "IAM Identity Center (sso-oidc)",
            Which::Portal => "the IAM Identity Center portal",
        }
    }

    fn default_url(self, region: &str) -> String {
        let suffix = if region.starts_with("cn-") { "amazonaws.com.cn" } else { "amazonaws.com" };
        match self {
            Which::Oidc => format!("https://oidc.{region}.{suffix}"),
            Which::Portal => format!("https://portal.sso.{region}.{suffix}"),
        }
    }
}

impl Service {
    /// The service for `aws_profile` in `region`, its endpoint checked before anything is sent;
    /// `verify`: the profile's `verify_ssl_certificate`.
    pub fn new(which: Which, settings: &super::Settings, region: &str, verify: bool) -> Result<Self, Error> {
        let aws_profile = settings.aws_profile.as_str();
        let env = |k: &str| std::env::var(k).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let (setting, raw) = if let Some(url) = env(which.variable()) {
            (which.variable(), url)
        } else if let Some(url) = env("AWS_ENDPOINT_URL") {
            ("AWS_ENDPOINT_URL", url)
        } else if let Some(url) = profile_endpoint(aws_profile) {
            ("endpoint_url", url)
        } else {
            ("sso_region", which.default_url(region))
        };
        let base = crate::http::check_url(setting, &raw, "your Identity Center token")?;
        let trust = crate::http::Trust { ca_bundle: settings.ca_bundle.as_ref(), verify };
        let http = crate::http::client(&base, trust, crate::http::CONNECT_TIMEOUT)?;
        Ok(Service { base, http, what: which.what(), ca_bundle: settings.ca_bundle.clone() })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base.as_str().trim_end_matches('/'))
    }

    /// POST `path` with a JSON body (sso-oidc).
    pub async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<T, Failure> {
        let bytes = serde_json::to_vec(body).map_err(|e| Error::Unexpected(e.to_string()))?;
        let req = self.http.post(self.url(path)).header(CONTENT_TYPE, "application/json").body(bytes);
        self.send(path, req).await
    }

    /// A portal call: `method` `path` with `query`, the access token in its header.
    pub async fn portal<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, &str)],
        token: &Secret,
    ) -> Result<T, Failure> {
        let mut value = HeaderValue::from_str(token.expose())
            .map_err(|_| Error::Unexpected("the access token holds characters HTTP cannot carry".into()))?;
        value.set_sensitive(true);
        let mut url = reqwest::Url::parse(&self.url(path)).map_err(|_| {
            Error::Unexpected(format!("{} has an endpoint URL that cannot take a path", self.what))
        })?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let req = self.http.request(method, url).header("x-amz-sso_bearer_token", value);
        self.send(path, req).await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        path: &str,
        req: reqwest::RequestBuilder,
    ) -> Result<T, Failure> {
        let url = crate::http::shown_url(&self.url(path));
        let network = |detail: String| Error::Network { what: self.what, url: url.clone(), detail };
        let started = std::time::Instant::now();
        let mut resp = req.timeout(crate::http::ANSWER_TIMEOUT).send().await.map_err(|e| {
            crate::tls::failure(self.what, &url, self.ca_bundle.as_ref(), &e)
                .unwrap_or_else(|| network(crate::http::failure(&e)))
        })?;
        let status = resp.status();
        crate::log::debug(2, &format!("{url} answered HTTP {} in {:?}", status.as_u16(), started.elapsed()));
        let error_type = resp
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(':').next().unwrap_or(v).to_string());
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| network(crate::http::failure(&e)))? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(network("its answer is larger than 1 MiB".into()).into());
            }
            body.extend_from_slice(&chunk);
        }
        if status.is_success() {
            // Logout answers with no body at all.
            if body.is_empty() {
                body.extend_from_slice(b"null");
            }
            return serde_json::from_slice(&body).map_err(|_| {
                Failure::Other(network(format!(
                    "its answer (HTTP {}) is not what AWS sends",
                    status.as_u16()
                )))
            });
        }
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let field = |k: &str| json.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let name = error_type
            .or_else(|| field("__type").map(|t| t.rsplit('#').next().unwrap_or(&t).to_string()))
            .or_else(|| field("error"));
        match name {
            Some(name) if !name.is_empty() => {
                let message =
                    field("error_description").or_else(|| field("message")).or_else(|| field("Message"));
                let message = crate::text::shown(&message.unwrap_or_default(), 200);
                crate::log::debug(1, &format!("{} answered {name}: {message}", self.what));
                Err(Failure::Aws { name, message })
            }
            _ => Err(network(format!("it answered HTTP {} without an AWS error", status.as_u16())).into()),
        }
    }
}

/// The AWS profile's `endpoint_url` in the AWS config, if it sets one.
fn profile_endpoint(aws_profile: &str) -> Option<String> {
    let file = IniFile::open(&crate::paths::aws_config_file().ok()?).ok()?;
    let url = file.doc.get(&|h: &str| is_aws_config_profile(h, aws_profile), "endpoint_url")?;
    Some(url.trim().to_string()).filter(|u| !u.is_empty())
}
