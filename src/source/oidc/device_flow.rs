//! The device authorization grant (RFC 8628): the person signs in elsewhere with a code while
//! this polls the token endpoint, every `interval` seconds (5 when the issuer says none),
//! slowing down when told to.

use std::time::{Duration, Instant};

use serde::Deserialize;

use super::discovery::{ClientAuth, Op};
use super::token::{self, Grant, Refusal, Tokens};
use crate::error::Error;
use crate::oauth::device_prompt::{self, Prompt, Show};
use crate::secret::Secret;

const DEFAULT_INTERVAL: u64 = 5;
/// RFC 8628 §3.5: each `slow_down` adds five seconds.
const SLOW_DOWN: u64 = 5;

#[derive(Deserialize)]
struct Authorization {
    device_code: String,
    user_code: String,
    #[serde(alias = "verification_url")]
    verification_uri: String,
    verification_uri_complete: Option<String>,
    expires_in: Option<u64>,
    interval: Option<u64>,
}

/// Signs in with a device code.
pub async fn run(op: &Op, scope: &str, client: &ClientAuth<'_>, show: &Show) -> Result<Tokens, Error> {
    let Some(endpoint) = op.meta.device_authorization_endpoint.as_deref() else {
        return Err(Error::BadSetting {
            key: "oidc_flow",
            value: "device".into(),
            why: format!("{} offers no device sign-in; use oidc_flow = browser", op.issuer()),
        });
    };
    let (status, body) =
        op.post(endpoint, &[("scope", scope)], client, "the OpenID provider's device endpoint").await?;
    let auth: Authorization = match serde_json::from_slice::<Authorization>(&body) {
        Ok(a) if status == 200 => a,
        _ => {
            let said = serde_json::from_slice::<serde_json::Value>(&body).ok();
            let error = said.as_ref().and_then(|v| v["error"].as_str()).map(|e| crate::text::shown(e, 100));
            return Err(match error {
                Some(error) => Refusal::Said {
                    description: said
                        .as_ref()
                        .and_then(|v| v["error_description"].as_str())
                        .map(str::to_string),
                    error,
                }
                .into_error(&op.issuer(), "device sign-in request", client),
                None => Error::NotOidc {
                    url: crate::http::shown_url(endpoint),
                    found: format!("HTTP {status} without a device authorization"),
                },
            });
        }
    };
    let device_code = Secret::new(auth.device_code);
    let prompt = Prompt {
        verification_uri: crate::text::shown(&auth.verification_uri, 300),
        user_code: crate::text::shown(&auth.user_code, 40),
        verification_uri_complete: auth.verification_uri_complete.map(|u| crate::text::shown(&u, 300)),
    };
    let mut browser = device_prompt::show(&prompt, show)?;
    let lifetime = Duration::from_secs(auth.expires_in.unwrap_or(600))
        .clamp(Duration::from_secs(10), device_prompt::LONGEST_CODE_LIFE);
    let deadline = Instant::now() + lifetime;
    let mut interval = auth.interval.unwrap_or(DEFAULT_INTERVAL).clamp(1, 60);
    loop {
        device_prompt::check_browser(&mut browser)?;
        match token::request(op, client, &Grant::DeviceCode { device_code: &device_code }).await {
            Ok(tokens) => return Ok(tokens),
            Err(Refusal::Said { error, .. }) if error == "authorization_pending" => {}
            Err(Refusal::Said { error, .. }) if error == "slow_down" => {
                interval += SLOW_DOWN;
                crate::log::debug(1, &format!("the issuer asked to slow down; polling every {interval} s"));
            }
            Err(Refusal::Said { error, .. }) if error == "expired_token" => {
                // The issuer's own word on how long the code lived, not the wait's bound.
                return Err(expired(auth.expires_in.map_or(lifetime, Duration::from_secs)));
            }
            Err(refusal) => return Err(refusal.into_error(&op.issuer(), "device sign-in", client)),
        }
        if Instant::now() + Duration::from_secs(interval) > deadline {
            return Err(expired(lifetime));
        }
        tokio::time::sleep(Duration::from_secs(interval)).await;
    }
}

fn expired(lifetime: Duration) -> Error {
    Error::SignInTimedOut { secs: lifetime.as_secs(), hint: " and enter the new code sooner" }
}
