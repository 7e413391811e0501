//! sso-oidc: RegisterClient, StartDeviceAuthorization and CreateToken (device-code and
//! refresh-token grants), with the shapes of botocore's `sso-oidc` model.

use serde_json::json;
use time::OffsetDateTime;

use super::token_file::Client;
use super::wire::{Failure, Service};
use crate::error::Error;
use crate::secret::Secret;

pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Registered {
    client_id: String,
    client_secret: Secret,
    client_secret_expires_at: i64,
}

/// StartDeviceAuthorization's answer.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    pub device_code: Secret,
    pub user_code: String,
    pub verification_uri: String,
    #[serde(default)]
    pub verification_uri_complete: Option<String>,
    pub expires_in: i64,
    #[serde(default)]
    pub interval: Option<i64>,
}

/// CreateToken's answer.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tokens {
    pub access_token: Secret,
    pub expires_in: i64,
    #[serde(default)]
    pub refresh_token: Option<Secret>,
}

/// The redirect URI registered for the browser flow: the loopback address without a port, as
/// RFC 8252 7.3 has it (any port is then taken) and the AWS CLI registers it.
pub const REDIRECT_PATH: &str = "/oauth/callback";

/// Which grant a client is registered for (with refresh tokens either way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    Device,
    AuthorizationCode,
}

impl Grant {
    pub fn name(self) -> &'static str {
        match self {
            Grant::Device => DEVICE_GRANT,
            Grant::AuthorizationCode => "authorization_code",
        }
    }
}

/// RegisterClient for `grant`, with refresh tokens.
pub async fn register(
    oidc: &Service,
    scopes: &[String],
    grant: Grant,
    start_url: &str,
) -> Result<Client, Failure> {
    let mut body = json!({
        "clientName": "aws-login",
        "clientType": "public",
        "scopes": scopes,
        "grantTypes": [grant.name(), "refresh_token"],
    });
    if grant == Grant::AuthorizationCode {
        body["redirectUris"] = json!([format!("http://127.0.0.1{REDIRECT_PATH}")]);
        body["issuerUrl"] = json!(start_url);
    }
    let r: Registered = oidc.post("/client/register", &body).await?;
    let expires = OffsetDateTime::from_unix_timestamp(r.client_secret_expires_at)
        .map_err(|_| Error::Unexpected("sso-oidc answered with an impossible registration expiry".into()))?;
    crate::log::debug(1, &format!("registered an OAuth client with Identity Center until {expires}"));
    Ok(Client { id: r.client_id, secret: r.client_secret, expires })
}

pub async fn start_device(oidc: &Service, client: &Client, start_url: &str) -> Result<Device, Failure> {
    let body = json!({"clientId": client.id, "clientSecret": client.secret.expose(), "startUrl": start_url});
    oidc.post("/device_authorization", &body).await
}

pub async fn device_token(oidc: &Service, client: &Client, device: &Device) -> Result<Tokens, Failure> {
    let body = json!({
        "clientId": client.id,
        "clientSecret": client.secret.expose(),
        "grantType": DEVICE_GRANT,
        "deviceCode": device.device_code.expose(),
    });
    oidc.post("/token", &body).await
}

/// CreateToken with the authorization code the loopback listener took, and its PKCE verifier.
pub async fn code_token(
    oidc: &Service,
    client: &Client,
    code: &Secret,
    redirect_uri: &str,
    verifier: &Secret,
) -> Result<Tokens, Failure> {
    let body = json!({
        "clientId": client.id,
        "clientSecret": client.secret.expose(),
        "grantType": "authorization_code",
        "code": code.expose(),
        "redirectUri": redirect_uri,
        "codeVerifier": verifier.expose(),
    });
    oidc.post("/token", &body).await
}

pub async fn refresh(oidc: &Service, client: &Client, refresh_token: &Secret) -> Result<Tokens, Failure> {
    let body = json!({
        "clientId": client.id,
        "clientSecret": client.secret.expose(),
        "grantType": "refresh_token",
        "refreshToken": refresh_token.expose(),
    });
    oidc.post("/token", &body).await
}
