//! STS through aws-sdk-sts. AssumeRoleWithSAML is unsigned, so the client gets no credential
//! provider, and its region is always given explicitly: nothing ever probes the instance
//! metadata service. The endpoint follows the standard settings (`AWS_ENDPOINT_URL_STS`,
//! `AWS_ENDPOINT_URL`, the AWS profile's `endpoint_url`).

use aws_config::BehaviorVersion;
use aws_config::meta::region::RegionProviderChain;
use aws_sdk_sts::config::Region;
use aws_sdk_sts::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use time::OffsetDateTime;

use crate::credentials::Credentials;
use crate::error::Error;
use crate::saml::Role;
use crate::secret::Secret;
use crate::tls::{self, CaBundle};

/// `ca_bundle` adds certificate authorities to the system's for an https STS endpoint.
pub async fn assume_role_with_saml(
    req: &Request<'_>,
    saml_response: &Secret,
    ca_bundle: Option<&CaBundle>,
) -> Result<Credentials, Error> {
    let (aws_profile, role, duration) = (req.profile, req.role, req.duration);
    let fallback = crate::partition::of_arn(&role.role_arn).unwrap_or(&crate::partition::AWS).sts_region;
    let built = client(aws_profile, fallback, ca_bundle).await?;
    let (config, client) = (&built.config, &built.client);
    let out = client
        .assume_role_with_saml()
        .role_arn(&role.role_arn)
        .principal_arn(&role.principal_arn)
        .saml_assertion(saml_response.expose())
        .set_duration_seconds(duration.map(|d| d as i32))
        .send()
        .await
        .map_err(|e| refused(e, config, ca_bundle, req))?;
    complete(out.credentials, config)
}

/// AssumeRoleWithWebIdentity, unsigned like AssumeRoleWithSAML: `token` is the OpenID
/// provider's token, `session_name` a valid RoleSessionName. `req.issuer` names the provider.
pub async fn assume_role_with_web_identity(
    req: &Request<'_>,
    token: &Secret,
    session_name: &str,
    ca_bundle: Option<&CaBundle>,
) -> Result<Credentials, Error> {
    let fallback = crate::partition::of_arn(&req.role.role_arn).unwrap_or(&crate::partition::AWS).sts_region;
    let built = client(req.profile, fallback, ca_bundle).await?;
    let (config, client) = (&built.config, &built.client);
    let out = client
        .assume_role_with_web_identity()
        .role_arn(&req.role.role_arn)
        .role_session_name(session_name)
        .web_identity_token(token.expose())
        .set_duration_seconds(req.duration.map(|d| d as i32))
        .send()
        .await
        .map_err(|e| refused(e, config, ca_bundle, req))?;
    complete(out.credentials, config)
}

/// A failed call in words: TLS trouble, else what STS said.
fn refused<E>(
    e: SdkError<E, aws_sdk_sts::config::http::HttpResponse>,
    config: &aws_config::SdkConfig,
    ca_bundle: Option<&CaBundle>,
    req: &Request<'_>,
) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    tls::failure("STS", &shown_endpoint(config), ca_bundle, &e).unwrap_or_else(|| sts_error(e, config, req))
}

/// The credentials of an answer, refused unless complete and unexpired.
fn complete(
    c: Option<aws_sdk_sts::types::Credentials>,
    config: &aws_config::SdkConfig,
) -> Result<Credentials, Error> {
    let c = c.ok_or_else(|| Error::Unexpected("STS answered without credentials; try again".into()))?;
    let expiration = OffsetDateTime::from_unix_timestamp(c.expiration.secs())
        .map_err(|_| Error::Unexpected("STS answered with an impossible expiration time".into()))?;
    // The SDK fills the required fields a cut-short answer lacks with empty strings and the
    // epoch: that is no credential, and must never be cached or printed.
    if c.access_key_id.is_empty()
        || c.secret_access_key.is_empty()
        || c.session_token.is_empty()
        || expiration <= OffsetDateTime::now_utc()
    {
        return Err(Error::NotSts {
            url: shown_endpoint(config),
            found: "an answer without complete, unexpired credentials".into(),
        });
    }
    Ok(Credentials {
        access_key_id: c.access_key_id,
        secret_access_key: Secret::new(c.secret_access_key),
        session_token: Secret::new(c.session_token),
        expiration,
    })
}

/// An STS client and the SDK config it came from.
struct Built {
    config: aws_config::SdkConfig,
    client: aws_sdk_sts::Client,
}

/// What a client is built from: the AWS profile, the partition's default region, `ca_bundle`.
type Key = (String, &'static str, Option<std::path::PathBuf>);
type Shared = std::sync::Arc<futures_util::lock::Mutex<Vec<(Key, std::sync::Arc<Built>)>>>;

tokio::task_local! {
    /// The clients built inside [`sharing_one_client`].
    static SHARED: Shared;
}

/// Runs `calls` with one STS client (one SDK config, one connection pool: TLS roots loaded and
/// connections opened once) shared by all of them, as `login --all-roles` makes one call per
/// role. The client lives as long as `calls`, inside one runtime; elsewhere each call builds
/// its own.
pub async fn sharing_one_client<F: std::future::Future>(calls: F) -> F::Output {
    SHARED.scope(Shared::default(), calls).await
}

async fn client(
    aws_profile: &str,
    fallback_region: &'static str,
    ca_bundle: Option<&CaBundle>,
) -> Result<std::sync::Arc<Built>, Error> {
    let Ok(shared) = SHARED.try_with(Shared::clone) else {
        return build(aws_profile, fallback_region, ca_bundle).await.map(std::sync::Arc::new);
    };
    let key: Key = (aws_profile.to_string(), fallback_region, ca_bundle.map(|c| c.path.clone()));
    // Held while building, so that calls started together wait for one client.
    let mut built = shared.lock().await;
    if let Some((_, b)) = built.iter().find(|(k, _)| *k == key) {
        return Ok(b.clone());
    }
    let b = std::sync::Arc::new(build(aws_profile, fallback_region, ca_bundle).await?);
    built.push((key, b.clone()));
    Ok(b)
}

async fn build(
    aws_profile: &str,
    fallback_region: &'static str,
    ca_bundle: Option<&CaBundle>,
) -> Result<Built, Error> {
    let region =
        RegionProviderChain::first_try(aws_config::environment::EnvironmentVariableRegionProvider::new())
            .or_else(
                aws_config::profile::ProfileFileRegionProvider::builder().profile_name(aws_profile).build(),
            )
            .or_else(Region::from_static(fallback_region));
    // Bounded, so a silent STS endpoint fails with a clear error instead of hanging the caller.
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(crate::http::CONNECT_TIMEOUT)
        .operation_attempt_timeout(std::time::Duration::from_secs(30))
        .operation_timeout(std::time::Duration::from_secs(60))
        .build();
    let config = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(timeouts)
        .profile_name(aws_profile)
        .region(region)
        .no_credentials()
        .load()
        .await;
    // The same rules as for the IdP (see crate::http), before anything is sent: https, or
    // plain http on loopback only; no user name or password in the URL. The connector checks
    // every request again, for endpoints set where these variables do not look.
    if let Some(url) = configured_endpoint(&config) {
        crate::http::check_url(endpoint_setting(), &url, CARRIES)?;
    }
    // A plain-http endpoint (a local emulator) needs none of the system's certificate
    // authorities; loading them costs every login a few milliseconds.
    let system_roots = !shown_endpoint(&config).starts_with("http://");
    let client = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(&config)
            .http_client(http_client(ca_bundle, system_roots)?)
            .build(),
    );
    Ok(Built { config, client })
}

/// What the call asked for, to turn STS's refusals into advice.
pub struct Request<'a> {
    pub profile: &'a str,
    pub role: &'a Role,
    /// DurationSeconds sent, and whether it came from the profile's `duration`.
    pub duration: Option<u32>,
    /// The OpenID provider, for AssumeRoleWithWebIdentity (then `role`'s provider is unused).
    pub issuer: Option<&'a str>,
}

/// What to do about a refusal: specific advice for the codes STS documents, general advice
/// for any other, so the sentence always ends with a next step.
fn hint(code: &str, message: &str, ctx: &Request<'_>, region: &str) -> String {
    let m = message.to_ascii_lowercase();
    let p = ctx.profile;
    match code {
        "ValidationError" if m.contains("maxsessionduration") || m.contains("durationseconds") => {
            match ctx.duration {
                Some(d) => format!(
                    "; the role allows less than the {d} s requested: lower `duration` for profile '{p}' (e.g. 3600) or remove it"
                ),
                None => format!("; ask your AWS administrators to check the maximum session duration of {}", ctx.role),
            }
        }
        "ValidationError" => format!("; check role_arn and duration for profile '{p}'"),
        "InvalidIdentityToken" | "IDPRejectedClaim" | "AccessDenied" if let Some(issuer) = ctx.issuer => format!(
            "; {} does not accept tokens of {issuer} for you (its IAM OIDC provider, audience or trust policy): ask your AWS administrators",
            ctx.role.role_arn
        ),
        // AWS: "Specified provider doesn't exist" (not "…the identity provider's certificate").
        "InvalidIdentityToken" if m.contains("provider doesn") || m.contains("provider does not") => format!(
            "; the SAML provider {} is not registered in IAM: ask your AWS administrators",
            ctx.role.principal_arn
        ),
        "InvalidIdentityToken" => format!(
            "; AWS does not accept this IdP's assertion (its signature, issuer or audience): ask your AWS administrators to check that the metadata of {} matches the IdP",
            ctx.role.principal_arn
        ),
        "AccessDenied" => format!(
            "; {} does not trust this IdP for you: choose another role (role_arn for profile '{p}') or ask your AWS administrators",
            ctx.role.role_arn
        ),
        "IDPRejectedClaim" => format!(
            "; the trust policy of {} does not accept this assertion: ask your AWS administrators",
            ctx.role.role_arn
        ),
        "ExpiredTokenException" => "; the assertion was too old when it reached STS: check this computer's clock".into(),
        "MalformedPolicyDocument" | "PackedPolicyTooLarge" => {
            "; the session policy or tags the IdP sends are not acceptable to AWS: ask your IdP's administrators".into()
        }
        "RegionDisabledException" => format!(
            "; set another region for AWS profile '{p}' (or AWS_REGION), or ask your AWS administrators to activate STS in {region}"
        ),
        "Throttling" | "ThrottlingException" | "RequestLimitExceeded" => {
            "; too many requests: wait a minute and try again".into()
        }
        _ => "; if it persists, ask your AWS administrators".into(),
    }
}

fn sts_error<E>(
    e: SdkError<E, aws_sdk_sts::config::http::HttpResponse>,
    config: &aws_config::SdkConfig,
    ctx: &Request<'_>,
) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let url = shown_endpoint(config);
    let network = |detail: String| Error::Network { what: "STS", url: url.clone(), detail };
    match &e {
        // Never followed (the SDK's client does not follow redirects): the assertion was meant
        // for this endpoint only.
        SdkError::ServiceError(se) if (300..400).contains(&se.raw().status().as_u16()) => {
            let location = se.raw().headers().get("location").map(str::as_bytes);
            let base = reqwest::Url::parse(&url).ok();
            let target = crate::http::redirect_target(base.as_ref(), location);
            Error::NotSts {
                url,
                found: format!(
                    "a redirect (HTTP {}) to {target}, which was not followed",
                    se.raw().status().as_u16()
                ),
            }
        }
        // No error code the SDK could read: not STS's error XML (a proxy's page, an empty or
        // cut-short answer, an error in another envelope), but show what it says if it names one.
        SdkError::ServiceError(se) if se.err().code().is_none() => {
            let status = se.raw().status().as_u16();
            let found = match se.raw().body().bytes().and_then(error_in_body) {
                Some(said) => format!("HTTP {status} saying {said}, not in STS's error format"),
                None => format!("HTTP {status} without an STS error code"),
            };
            Error::NotSts { url, found }
        }
        SdkError::ServiceError(se) => {
            let code = crate::text::shown(se.err().code().unwrap_or("unknown error"), 100);
            let message =
                crate::text::shown(se.err().message().unwrap_or("no message").trim_end_matches('.'), 300);
            // A 5xx is STS failing, not refusing (the SDK has already retried): a network-class
            // error, to be retried later, not a reason to change anything.
            if se.raw().status().is_server_error() {
                return Error::StsUnavailable { code, message };
            }
            let region = config.region().map(|r| r.as_ref()).unwrap_or("this region");
            let hint = hint(&code, &message, ctx, region);
            Error::StsRejected { code, message, hint }
        }
        SdkError::TimeoutError(_) => network("it did not answer in time".into()),
        SdkError::DispatchFailure(d) if let Some(refused) = refused_endpoint(d) => {
            // Shown as configured if that is what was refused, else as requested.
            let setting = endpoint_setting();
            crate::http::check_url(setting, &url, CARRIES)
                .and_then(|_| crate::http::check_url(setting, &refused, CARRIES))
                .err()
                .unwrap_or_else(|| network("its URL was refused".into()))
        }
        SdkError::DispatchFailure(d) if d.is_timeout() => {
            network(format!("no connection within {} s", crate::http::CONNECT_TIMEOUT.as_secs()))
        }
        SdkError::DispatchFailure(d) => match d.as_connector_error() {
            Some(c) => network(crate::http::failure(c)),
            None => network("no connection".into()),
        },
        SdkError::ResponseError(r) => {
            crate::log::debug(1, &format!("STS's answer: {}", DisplayErrorContext(&e)));
            let status = r.raw().status().as_u16();
            Error::NotSts { url, found: format!("HTTP {status} with an answer that could not be read") }
        }
        _ => {
            crate::log::debug(1, &format!("the STS call failed: {}", DisplayErrorContext(&e)));
            Error::Unexpected("the STS request could not be made; run with -v for the details".into())
        }
    }
}

/// The URL of a request the connector refused (see [`Guarded`]).
fn refused_endpoint(d: &aws_smithy_runtime_api::client::result::DispatchFailure) -> Option<String> {
    let cause = d.as_connector_error().and_then(|c| std::error::Error::source(c))?;
    cause.downcast_ref::<RefusedEndpoint>().map(|r| r.0.clone())
}

/// The error code and message an error answer the SDK could not read holds anyway — a
/// `<Code>`/`<Message>` pair in another XML envelope, or a JSON error — shown escaped and cut.
fn error_in_body(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(&body[..body.len().min(64 * 1024)]);
    let code = xml_element(&text, "Code").or_else(|| json_field(&text, &["__type", "code", "Code"]))?;
    // JSON's __type may be "prefix#Code".
    let code = code.rsplit('#').next().unwrap_or(&code).trim().to_string();
    if code.is_empty() {
        return None;
    }
    let message = xml_element(&text, "Message").or_else(|| json_field(&text, &["message", "Message"]));
    Some(match message.filter(|m| !m.trim().is_empty()) {
        Some(m) => {
            format!("{}: {}", crate::text::shown(&code, 100), crate::saml::one_line(&m).trim_end_matches('.'))
        }
        None => crate::text::shown(&code, 100),
    })
}

/// The text of the first element named `name` (any prefix), without markup; entities are
/// left as written.
fn xml_element(text: &str, name: &str) -> Option<String> {
    let mut rest = text;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let tag_end = rest.find('>')?;
        let tag = &rest[..tag_end];
        let local = tag.split(|c: char| c.is_whitespace()).next().unwrap_or("");
        if local.rsplit(':').next() == Some(name) && !tag.ends_with('/') {
            let body = &rest[tag_end + 1..];
            return Some(body[..body.find('<').unwrap_or(body.len())].to_string());
        }
    }
    None
}

/// A string field of a JSON object, searched for at any depth under the given names.
fn json_field(text: &str, names: &[&str]) -> Option<String> {
    fn find(v: &serde_json::Value, names: &[&str]) -> Option<String> {
        match v {
            serde_json::Value::Object(map) => names
                .iter()
                .find_map(|n| map.get(*n).and_then(|v| v.as_str()).map(str::to_string))
                .or_else(|| map.values().find_map(|v| find(v, names))),
            serde_json::Value::Array(items) => items.iter().find_map(|v| find(v, names)),
            _ => None,
        }
    }
    find(&serde_json::from_str(text.trim()).ok()?, names)
}

/// What plain http to STS would expose.
const CARRIES: &str = "your SAML assertion and the credentials STS returns";

/// Checks the STS endpoint the environment names (`AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`)
/// before anything else happens, so that a bad one is a setting error before the IdP is asked
/// for a password or Duo. The AWS profile's `endpoint_url` is checked when the SDK has read it.
pub fn check_endpoint_in_env() -> Result<(), Error> {
    let named = ["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.trim().is_empty()));
    match named {
        Some(url) => crate::http::check_url(endpoint_setting(), &url, CARRIES).map(|_| ()),
        None => Ok(()),
    }
}

/// The setting an endpoint override comes from, to name it in a refusal.
fn endpoint_setting() -> &'static str {
    ["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"]
        .into_iter()
        .find(|v| std::env::var(v).is_ok_and(|u| !u.trim().is_empty()))
        .unwrap_or("endpoint_url")
}

/// The endpoint override, if any: `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`, or the AWS
/// profile's `endpoint_url`.
fn configured_endpoint(config: &aws_config::SdkConfig) -> Option<String> {
    ["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.trim().is_empty()))
        .or_else(|| config.endpoint_url().map(str::to_string))
}

/// A request the connector refused to send (its URL breaks the rules of crate::http).
#[derive(Debug)]
struct RefusedEndpoint(String);

impl std::fmt::Display for RefusedEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the STS endpoint was refused")
    }
}

impl std::error::Error for RefusedEndpoint {}

/// The SDK's connector with crate::http's URL rule in front: nothing is sent to an endpoint
/// that rule refuses, wherever the SDK found it.
#[derive(Debug)]
struct Guarded(aws_smithy_runtime_api::client::http::SharedHttpConnector);

impl aws_smithy_runtime_api::client::http::HttpConnector for Guarded {
    fn call(
        &self,
        request: aws_smithy_runtime_api::client::orchestrator::HttpRequest,
    ) -> aws_smithy_runtime_api::client::http::HttpConnectorFuture {
        use aws_smithy_runtime_api::client::http::HttpConnectorFuture;
        use aws_smithy_runtime_api::client::result::ConnectorError;
        if crate::http::check_url(endpoint_setting(), request.uri(), CARRIES).is_err() {
            let refused = RefusedEndpoint(request.uri().to_string());
            return HttpConnectorFuture::ready(Err(ConnectorError::user(Box::new(refused))));
        }
        self.0.call(request)
    }
}

/// The STS endpoint for messages: the usual overrides (the SDK's own resolution is not
/// exposed), else the SDK's default for the region.
fn shown_endpoint(config: &aws_config::SdkConfig) -> String {
    configured_endpoint(config)
        .map(|u| crate::http::shown_url(&u))
        .unwrap_or_else(|| "its default endpoint".into())
}

/// The SDK's default HTTPS client (rustls, the system's roots unless `system_roots` is false)
/// plus the `ca_bundle` roots and the standard proxy variables, which the SDK's default leaves
/// off but the AWS CLI honours.
fn http_client(
    ca_bundle: Option<&CaBundle>,
    system_roots: bool,
) -> Result<aws_sdk_sts::config::SharedHttpClient, Error> {
    use aws_smithy_http_client::tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode};
    use aws_smithy_http_client::{Connector, proxy::ProxyConfig};
    use aws_smithy_runtime_api::client::http::{SharedHttpConnector, http_client_fn};

    let mut roots = TrustStore::default().with_native_roots(system_roots);
    for cert in ca_bundle.map(CaBundle::certificates).transpose()?.unwrap_or_default() {
        roots.add_pem_certificate(crate::tls::pem(&cert));
    }
    let context = TlsContext::builder().with_trust_store(roots).build().map_err(|e| {
        crate::log::debug(1, &format!("the STS client's TLS: {e}"));
        Error::Unexpected("cannot set up HTTPS for STS; run with -v for the details".into())
    })?;
    Ok(http_client_fn(move |settings, components| {
        let mut builder = Connector::builder().connector_settings(settings.clone());
        builder.set_sleep_impl(components.sleep_impl());
        let connector = builder
            .proxy_config(ProxyConfig::from_env())
            .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
            .tls_context(context.clone())
            .build();
        SharedHttpConnector::new(Guarded(SharedHttpConnector::new(connector)))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_in_other_formats_are_read_for_their_code_and_message() {
        let ec2 = b"<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not\n authorized.</Message></Error></Errors></Response>";
        assert_eq!(error_in_body(ec2).as_deref(), Some("UnauthorizedOperation: You are not authorized"));
        let prefixed = b"<e:Fault xmlns:e='x'><e:Code>Throttled</e:Code></e:Fault>";
        assert_eq!(error_in_body(prefixed).as_deref(), Some("Throttled"));
        let json = br#"{"__type": "com.amazon.coral.service#AccessDeniedException", "Message": "no"}"#;
        assert_eq!(error_in_body(json).as_deref(), Some("AccessDeniedException: no"));
        let nested = br#"{"error": {"code": "Bad\u001b[2J", "message": "x"}}"#;
        assert_eq!(error_in_body(nested).as_deref(), Some("Bad\\u{1b}[2J: x"));
        let long = format!("<Code>{}</Code>", "A".repeat(5000));
        assert_eq!(error_in_body(long.as_bytes()).unwrap().chars().count(), 100);
        for nothing in
            [&b""[..], b"<html><body>Bad Gateway</body></html>", b"{\"ok\": 1}", b"<Code/>", b"<Code></Code>"]
        {
            assert_eq!(error_in_body(nothing), None, "{}", String::from_utf8_lossy(nothing));
        }
    }

    #[test]
    fn every_refusal_says_what_to_do() {
        let role = Role {
            role_arn: "arn:aws:iam::111122223333:role/Dev".into(),
            principal_arn: "arn:aws:iam::111122223333:saml-provider/Shib".into(),
        };
        let ctx = Request { profile: "dev", role: &role, duration: Some(7200), issuer: None };
        let cases = [
            ("AccessDenied", "Not authorized", "choose another role"),
            ("ExpiredTokenException", "Token is expired", "clock"),
            ("IDPRejectedClaim", "rejected", "trust policy of arn:aws:iam::111122223333:role/Dev"),
            ("InvalidIdentityToken", "Specified provider doesn't exist", "not registered in IAM"),
            (
                "InvalidIdentityToken",
                "Invalid SAML signature: it does not verify with the identity provider's certificate",
                "metadata of arn:aws:iam::111122223333:saml-provider/Shib",
            ),
            ("MalformedPolicyDocument", "malformed", "IdP's administrators"),
            ("PackedPolicyTooLarge", "too large", "IdP's administrators"),
            ("RegionDisabledException", "not activated", "activate STS in eu-south-2"),
            (
                "ValidationError",
                "DurationSeconds exceeds the MaxSessionDuration",
                "lower `duration` for profile 'dev'",
            ),
            ("ValidationError", "bad role ARN", "check role_arn and duration for profile 'dev'"),
            ("Throttling", "Rate exceeded", "wait a minute"),
            ("SomethingNew", "?", "ask your AWS administrators"),
        ];
        for (code, message, advice) in cases {
            let h = hint(code, message, &ctx, "eu-south-2");
            assert!(h.starts_with("; ") && h.contains(advice), "{code}: {h}");
        }
    }
}
