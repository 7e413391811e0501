//! Client credentials (RFC 6749 §4.4) for a machine: no person, no prompt, made for CI. The
//! client proves itself as [`Client`] says: a signed JWT when it has a key, else its secret.
//! The access token is addressed to STS, not to aws-login: it is passed on as issued,
//! never checked as an ID token.

use super::Settings;
use super::client::Client;
use super::discovery::Op;
use super::token::{self, Grant, Tokens};
use crate::error::Error;

/// The machine's access token.
pub async fn tokens(op: &Op, s: &Settings, client: &Client<'_>) -> Result<Tokens, Error> {
    let m = &s.machine;
    let grant = Grant::ClientCredentials {
        scope: &s.scope,
        resource: m.resource.as_deref(),
        audience: m.audience.as_deref(),
    };
    let started = std::time::Instant::now();
    let auth = client.auth();
    let tokens = token::request(op, &auth, &grant)
        .await
        .map_err(|r| r.into_error(&op.issuer(), "client credentials request", &auth))?;
    crate::log::debug(2, &format!("client credentials answered in {:?}", started.elapsed()));
    Ok(tokens)
}
