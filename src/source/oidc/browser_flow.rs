//! The authorization code grant with PKCE on a loopback redirect (RFC 8252), for a person at a
//! browser. Without a display and without a browser command, it prints the address and takes
//! the redirect's address pasted back (the caller prefers the device grant then, when the
//! issuer offers one).

use super::Settings;
use super::discovery::{ClientAuth, Op};
use super::token::{self, Grant, Tokens};
use crate::error::Error;
use crate::oauth::loopback::{self, Opener, Redirect};
use crate::oauth::pkce::{self, Pkce};
use crate::secret::Secret;

/// How the sign-in page reaches the person.
pub enum Reach {
    /// Opened with this browser command.
    Open(Vec<String>),
    /// Printed; the browser on this machine follows the redirect to the listener.
    Print,
    /// Printed; the redirect's address is pasted back (no browser here at all).
    Paste,
}

/// Signs in; returns the tokens and the nonce the ID token must carry.
pub async fn run(
    op: &Op,
    s: &Settings,
    client: &ClientAuth<'_>,
    reach: Reach,
    profile: &str,
) -> Result<(Tokens, String), Error> {
    let Some(endpoint) = op.meta.authorization_endpoint.as_deref() else {
        return Err(Error::NotOidc {
            url: op.issuer(),
            found: "its metadata names no authorization_endpoint".into(),
        });
    };
    let pkce = Pkce::new()?;
    let (state, nonce) = (pkce::state()?, pkce::nonce()?);
    let listener = loopback::bind(&s.redirect_ports, &s.redirect_path)?;
    let redirect_uri = listener.redirect_uri();
    let url = authorization_url(endpoint, s, &redirect_uri, &pkce, &state, &nonce)?;
    let redirect = match reach {
        Reach::Open(words) => {
            crate::log::notice("Opening the sign-in page in your browser…");
            let opener = Opener { words, url: Secret::new(url) };
            listener.wait(Some(opener), s.login_timeout).await?
        }
        Reach::Print => {
            crate::text::say("Open this address in your browser to sign in:");
            crate::text::say(&url);
            listener.wait(None, s.login_timeout).await?
        }
        Reach::Paste => {
            drop(listener);
            crate::text::say("Open this address in a browser to sign in:");
            crate::text::say(&url);
            crate::text::say(&format!(
                "The browser will then fail to load an address starting with {redirect_uri}; copy that whole address from its address bar."
            ));
            let pasted =
                crate::prompt::line("Address", None, "the address of the sign-in redirect", profile)?;
            Redirect::pasted(&pasted, &redirect_uri)?
        }
    };
    let code = redirect.code(&state, &op.meta.issuer)?;
    let grant = Grant::Code { code: &code, redirect_uri: &redirect_uri, verifier: &pkce.verifier };
    let tokens =
        token::request(op, client, &grant).await.map_err(|r| r.into_error(&op.issuer(), "code", client))?;
    Ok((tokens, nonce))
}

/// The authorization request (RFC 6749 §4.1.1, RFC 7636, OpenID Connect Core §3.1.2.1).
fn authorization_url(
    endpoint: &str,
    s: &Settings,
    redirect_uri: &str,
    pkce: &Pkce,
    state: &str,
    nonce: &str,
) -> Result<String, Error> {
    let mut url = reqwest::Url::parse(endpoint).map_err(|_| Error::NotOidc {
        url: crate::http::shown_url(endpoint),
        found: "its authorization_endpoint is not a URL".into(),
    })?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("response_type", "code")
            .append_pair("client_id", &s.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", &s.scope)
            .append_pair("state", state)
            .append_pair("nonce", nonce)
            .append_pair("code_challenge", &pkce.challenge)
            .append_pair("code_challenge_method", pkce::METHOD);
        // OpenID Connect Core §11: offline_access is honoured only with prompt=consent.
        if s.scope.split(' ').any(|x| x == "offline_access") {
            q.append_pair("prompt", "consent");
        }
    }
    Ok(url.into())
}
