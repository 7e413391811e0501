//! The local credentials server: the profile's credentials on `http://127.0.0.1:<random port>/`
//! in the shape of the ECS container credentials endpoint, for SDKs in long-running programs
//! (`AWS_CONTAINER_CREDENTIALS_FULL_URI` + `AWS_CONTAINER_AUTHORIZATION_TOKEN`). Every request
//! must carry the random token as `Authorization`, else it gets 401 and nothing else.
//!
//! HTTP is served by hand over std's TcpListener: the SDKs send one small GET per fetch, so a
//! request line and headers (capped, with a read timeout), one answer and `Connection: close`
//! are all of HTTP/1.1 that is needed, without a server framework or an async runtime.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;

use super::refresh::{Held, Shared};
use crate::error::Error;

/// The request line and headers may not exceed this.
const MAX_HEAD: usize = 16 * 1024;
/// A client gets this long to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections served at once; more wait in the listen queue.
const MAX_CONNECTIONS: usize = 32;

pub struct Server {
    listener: TcpListener,
    token: Arc<str>,
    state: Shared,
    profile: Arc<str>,
}

impl Server {
    /// Binds a random loopback port and draws the token.
    pub fn bind(state: Shared, profile: &str) -> Result<Server, Error> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .map_err(|e| Error::Unexpected(format!("cannot listen on 127.0.0.1: {e}")))?;
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| Error::Unexpected(format!("no randomness for the token: {e}")))?;
        use base64::Engine;
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        Ok(Server { listener, token: token.into(), state, profile: profile.into() })
    }

    pub fn address(&self) -> Result<SocketAddr, Error> {
        self.listener
            .local_addr()
            .map_err(|e| Error::Unexpected(format!("cannot read the server's address: {e}")))
    }

    /// `AWS_CONTAINER_CREDENTIALS_FULL_URI`.
    pub fn url(&self) -> Result<String, Error> {
        Ok(format!("http://{}/", self.address()?))
    }

    /// `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Serves for ever on this thread.
    pub fn run(self) {
        let busy = Arc::new(AtomicUsize::new(0));
        for stream in self.listener.incoming() {
            let Ok(stream) = stream else { continue };
            if busy.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
                drop(stream);
                continue;
            }
            busy.fetch_add(1, Ordering::SeqCst);
            let (token, state, profile, busy) =
                (self.token.clone(), self.state.clone(), self.profile.clone(), busy.clone());
            std::thread::spawn(move || {
                let _ = answer(stream, &token, &state, &profile);
                busy.fetch_sub(1, Ordering::SeqCst);
            });
        }
    }
}

fn answer(mut stream: TcpStream, token: &str, state: &Shared, profile: &str) -> std::io::Result<()> {
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    stream.set_write_timeout(Some(READ_TIMEOUT))?;
    let response = match read_head(&mut stream)? {
        None => reply(400, None),
        Some(head) => respond(&head, token, state, profile, OffsetDateTime::now_utc()),
    };
    stream.write_all(&response)?;
    stream.flush()
}

/// The request's head (up to the blank line), or `None` if it is too long or not text.
fn read_head(stream: &mut TcpStream) -> std::io::Result<Option<String>> {
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        if head.len() > MAX_HEAD {
            return Ok(None);
        }
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(None);
        }
        head.extend_from_slice(&buf[..n]);
    }
    Ok(String::from_utf8(head).ok())
}

/// The whole answer to one request head: pure, so every branch is unit-tested.
pub fn respond(head: &str, token: &str, state: &Shared, profile: &str, now: OffsetDateTime) -> Vec<u8> {
    let mut lines = head.split("\r\n");
    let request = lines.next().unwrap_or("");
    let mut parts = request.split(' ');
    let (method, _target, version) = (parts.next(), parts.next(), parts.next());
    if !version.is_some_and(|v| v.starts_with("HTTP/1.")) || parts.next().is_some() {
        return reply(400, None);
    }
    let authorized = lines
        .filter_map(|l| l.split_once(':'))
        .filter(|(name, _)| name.trim().eq_ignore_ascii_case("authorization"))
        .any(|(_, value)| same(value.trim().as_bytes(), token.as_bytes()));
    if !authorized {
        return reply(401, None);
    }
    if method != Some("GET") {
        return reply(405, None);
    }
    let s = state.lock().unwrap_or_else(|p| p.into_inner());
    match &s.held {
        Some(held) if held.expiration > now => reply(200, Some(body(held))),
        _ => {
            let why = s.failure.as_deref().unwrap_or("the credentials expired before a refresh");
            let message = if why.contains("aws-login login") {
                why.to_string()
            } else {
                format!("{why}; run `aws-login login --profile {profile}`")
            };
            reply(503, Some(error_body(&message)))
        }
    }
}

/// Compares the token in constant time, so its bytes cannot be found by timing.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Body<'a> {
    access_key_id: &'a str,
    secret_access_key: &'a str,
    token: &'a str,
    expiration: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_id: Option<&'a str>,
}

fn body(held: &Held) -> String {
    use time::format_description::well_known::Rfc3339;
    let b = Body {
        access_key_id: &held.access_key_id,
        secret_access_key: held.secret_access_key.expose(),
        token: held.session_token.expose(),
        expiration: held.expiration.to_offset(time::UtcOffset::UTC).format(&Rfc3339).unwrap_or_default(),
        account_id: held.account_id.as_deref(),
    };
    serde_json::to_string(&b).unwrap_or_default()
}

/// The error shape the SDKs read from this endpoint.
fn error_body(message: &str) -> String {
    serde_json::json!({ "Code": "CredentialsUnavailable", "Message": message }).to_string()
}

fn reply(status: u16, body: Option<String>) -> Vec<u8> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        405 => "Method Not Allowed",
        _ => "Service Unavailable",
    };
    let body = body.unwrap_or_default();
    let kind = if body.is_empty() { "" } else { "Content-Type: application/json\r\n" };
    format!(
        "HTTP/1.1 {status} {reason}\r\n{kind}Content-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use crate::sink::refresh::State;

    const NOW: OffsetDateTime = time::macros::datetime!(2026-12-01 12:00 UTC);

    fn state(minutes_left: i64, failure: Option<&str>) -> Shared {
        let held = Held {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: Secret::new("sk"),
            session_token: Secret::new("tok"),
            expiration: NOW + time::Duration::minutes(minutes_left),
            account_id: Some("111122223333".into()),
            fetched: NOW - time::Duration::minutes(5),
        };
        Arc::new(std::sync::Mutex::new(State { held: Some(held), failure: failure.map(str::to_string) }))
    }

    fn get(auth: Option<&str>, s: &Shared) -> String {
        let auth = auth.map(|a| format!("Authorization: {a}\r\n")).unwrap_or_default();
        let head = format!("GET / HTTP/1.1\r\nHost: 127.0.0.1:1\r\n{auth}\r\n");
        String::from_utf8(respond(&head, "the-token", s, "dev", NOW)).unwrap()
    }

    #[test]
    fn the_right_token_gets_the_credentials_in_the_ecs_shape() {
        let out = get(Some("the-token"), &state(30, None));
        assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
        assert!(out.ends_with(
            r#"{"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"sk","Token":"tok","Expiration":"2026-12-01T12:30:00Z","AccountId":"111122223333"}"#
        ), "{out}");
    }

    #[test]
    fn no_or_a_wrong_token_gets_401_and_nothing_else() {
        for auth in [None, Some("the-toke"), Some("the-token2"), Some("Bearer the-token"), Some("")] {
            let out = get(auth, &state(30, None));
            assert!(out.starts_with("HTTP/1.1 401 "), "{auth:?}: {out}");
            assert!(
                out.ends_with("Content-Length: 0\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n"),
                "{out}"
            );
        }
        let head = "POST / HTTP/1.1\r\nauthorization:  the-token\r\n\r\n";
        let out = String::from_utf8(respond(head, "the-token", &state(30, None), "dev", NOW)).unwrap();
        assert!(out.starts_with("HTTP/1.1 405 "), "{out}");
        let out = String::from_utf8(respond("nonsense\r\n\r\n", "the-token", &state(30, None), "dev", NOW))
            .unwrap();
        assert!(out.starts_with("HTTP/1.1 400 "), "{out}");
    }

    #[test]
    fn after_a_failed_refresh_the_old_credentials_serve_until_they_expire() {
        let why = "a Duo push is needed but there is no terminal to ask on";
        let out = get(Some("the-token"), &state(2, Some(why)));
        assert!(out.starts_with("HTTP/1.1 200 "), "{out}");
        let out = get(Some("the-token"), &state(0, Some(why)));
        assert!(out.starts_with("HTTP/1.1 503 "), "{out}");
        assert!(out.contains(why) && out.contains("run `aws-login login --profile dev`"), "{out}");
        assert!(!out.contains("ASIAEXAMPLE"), "{out}");
    }
}
