//! The loopback redirect of a native app's browser sign-in (RFC 8252 §7.3): a listener on
//! 127.0.0.1, on a free port or the first free of the ports the issuer has registered, that
//! keeps serving until the redirect carrying the answer arrives. Browsers open spare
//! connections that send nothing and ask for `/favicon.ico`, so connections are served side by
//! side and anything but the redirect gets a 404. The browser command runs meanwhile: a
//! scripted browser exits only after following the redirect here. The wait is bounded.

use std::pin::pin;
use std::time::Duration;

use futures_util::future::{Either, select};
use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::browser;
use crate::error::Error;
use crate::log;
use crate::secret::Secret;

/// How long one connection may take to send its request: a spare connection that never
/// speaks is dropped after this, without holding up the others.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// A request line and headers; a browser's are far smaller.
const MAX_REQUEST: usize = 16 * 1024;
/// How often a running browser command is checked for having failed.
const BROWSER_CHECK: Duration = Duration::from_millis(50);

/// A bound listener, not yet serving.
#[derive(Debug)]
pub struct Listener {
    socket: std::net::TcpListener,
    port: u16,
    path: String,
}

/// The query parameters of the redirect. Its `code` is a secret, so they are kept as secrets,
/// and `Debug` shows their names only.
pub struct Redirect {
    params: Vec<(String, Secret)>,
}

impl std::fmt::Debug for Redirect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.params.iter().map(|(k, _)| k)).finish()
    }
}

/// The browser command to run while the listener serves, and the URL to give it.
pub struct Opener {
    pub words: Vec<String>,
    pub url: Secret,
}

/// Binds 127.0.0.1 on the first free of `ports`, or on a free port when `ports` is empty.
/// `path` is the redirect URI's path (`/callback`).
pub fn bind(ports: &[u16], path: &str) -> Result<Listener, Error> {
    let path = if path.starts_with('/') { path.to_string() } else { format!("/{path}") };
    let candidates: Vec<u16> = if ports.is_empty() { vec![0] } else { ports.to_vec() };
    let mut last = None;
    for port in candidates {
        match std::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, port)) {
            Ok(socket) => {
                let port = socket.local_addr().map_err(listen_failed)?.port();
                socket.set_nonblocking(true).map_err(listen_failed)?;
                log::debug(1, &format!("waiting for the sign-in redirect on http://127.0.0.1:{port}{path}"));
                return Ok(Listener { socket, port, path });
            }
            Err(e) => {
                log::debug(2, &format!("port {port} on 127.0.0.1 is not free: {e}"));
                last = Some(e);
            }
        }
    }
    Err(Error::BadSetting {
        key: "redirect_ports",
        value: ports.iter().map(u16::to_string).collect::<Vec<_>>().join(","),
        why: format!(
            "none of these ports on 127.0.0.1 could be listened on ({}); stop what uses them, or ask for more ports to be registered with the issuer",
            last.map(|e| e.to_string()).unwrap_or_default()
        ),
    })
}

fn listen_failed(e: std::io::Error) -> Error {
    Error::Unexpected(format!("cannot listen on 127.0.0.1 for the sign-in redirect: {e}"))
}

impl Listener {
    /// The redirect URI to send: `http://127.0.0.1:<port><path>` (RFC 8252 §7.3: the IP
    /// literal, not `localhost`, which may resolve elsewhere).
    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}{}", self.port, self.path)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the redirect arrives (with `code` or `error`), at most `within`, running
    /// `opener` meanwhile; a browser command that fails ends the wait with its error.
    pub async fn wait(self, opener: Option<Opener>, within: Duration) -> Result<Redirect, Error> {
        let listener = TcpListener::from_std(self.socket).map_err(listen_failed)?;
        let path = self.path;
        let serving = pin!(serve(&listener, &path));
        let opening = pin!(run_browser(opener));
        let both = async {
            match select(serving, opening).await {
                Either::Left((redirect, _)) => redirect,
                Either::Right((Ok(()), serving)) => serving.await,
                Either::Right((Err(e), _)) => Err(e),
            }
        };
        tokio::time::timeout(within, both).await.unwrap_or(Err(Error::SignInTimedOut {
            secs: within.as_secs(),
            hint: ", or raise login_timeout",
        }))
    }
}

/// Runs the browser command until it exits; never ends without one. It is polled, not waited
/// for on a thread: a browser that keeps running after the redirect must not keep this process
/// alive, and it is never killed (it may be the person's own browser).
async fn run_browser(opener: Option<Opener>) -> Result<(), Error> {
    let Some(opener) = opener else { return std::future::pending().await };
    let mut started = browser::spawn(&opener.words, &opener.url).map_err(sign_in_wording)?;
    loop {
        match started.child.try_wait() {
            Ok(Some(status)) => return started.outcome(status).map_err(sign_in_wording),
            Ok(None) => tokio::time::sleep(BROWSER_CHECK).await,
            // Its status cannot be read: whether it worked will show in the redirect arriving.
            Err(_) => return Ok(()),
        }
    }
}

/// [`browser`]'s failure, told as a sign-in's.
pub(crate) fn sign_in_wording(e: Error) -> Error {
    match e {
        Error::BrowserFailed { command, detail } => Error::SignInBrowserFailed { command, detail },
        other => other,
    }
}

/// Accepts connections and serves them side by side until one brings the redirect.
async fn serve(listener: &TcpListener, path: &str) -> Result<Redirect, Error> {
    let mut connections = FuturesUnordered::new();
    loop {
        let accepted = {
            let accept = pin!(listener.accept());
            if connections.is_empty() {
                Some(accept.await)
            } else {
                match select(accept, connections.next()).await {
                    Either::Left((accepted, _)) => Some(accepted),
                    Either::Right((Some(Some(redirect)), _)) => return Ok(redirect),
                    Either::Right(_) => None,
                }
            }
        };
        match accepted {
            Some(Ok((stream, _))) => connections.push(answer(stream, path)),
            // Out of file descriptors, a connection reset before it was taken: keep serving.
            Some(Err(e)) => log::debug(2, &format!("a connection to the redirect listener failed: {e}")),
            None => {}
        }
    }
}

/// Reads one request and answers it: the redirect gets the "you can close this tab" page and is
/// returned; anything else gets a 404.
async fn answer(mut stream: TcpStream, path: &str) -> Option<Redirect> {
    let target = match tokio::time::timeout(REQUEST_TIMEOUT, request_target(&mut stream)).await {
        Ok(Some(target)) => target,
        _ => return None,
    };
    let (asked, query) = target.split_once('?').unwrap_or((&target, ""));
    let redirect = (asked == path).then(|| Redirect::from_query(query)).filter(Redirect::is_answer);
    let (status, page) = match &redirect {
        Some(r) if r.get("error").is_some() => ("200 OK", PAGE_FAILED),
        Some(_) => ("200 OK", PAGE_DONE),
        None => {
            log::debug(
                2,
                &format!("the redirect listener answered 404 to {}", crate::text::shown(asked, 100)),
            );
            ("404 Not Found", PAGE_NOT_FOUND)
        }
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{page}",
        page.len()
    );
    // The browser may already have gone; the answer stands either way.
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
    redirect
}

const PAGE_DONE: &str = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Signed in</title></head><body><h1>Signed in</h1><p>aws-login has what it needs. You can close this tab.</p></body></html>";
const PAGE_FAILED: &str = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Sign-in not completed</title></head><body><h1>Sign-in not completed</h1><p>The terminal says why. You can close this tab.</p></body></html>";
const PAGE_NOT_FOUND: &str = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Not found</title></head><body><p>Not found.</p></body></html>";

/// The request line's target of a GET, once the whole head has arrived.
async fn request_target(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 || head.len() + n > MAX_REQUEST {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = head.split(|&b| b == b'\r').next()?;
    let line = std::str::from_utf8(line).ok()?;
    let mut words = line.split(' ');
    match (words.next(), words.next()) {
        (Some("GET"), Some(target)) => Some(target.to_string()),
        _ => None,
    }
}

impl Redirect {
    /// The parameters of a query string (`code=…&state=…`).
    pub fn from_query(query: &str) -> Redirect {
        let params = url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), Secret::new(v.into_owned())))
            .collect();
        Redirect { params }
    }

    /// The redirect's address as a person pasted it back (when no listener could be reached),
    /// checked to be the redirect URI that was sent.
    pub fn pasted(text: &str, redirect_uri: &str) -> Result<Redirect, Error> {
        let refused = |problem: &str| Error::RedirectRefused { problem: problem.to_string() };
        let text = text.trim();
        let (address, query) =
            text.split_once('?').ok_or_else(|| refused("pasted has no query (no ?code=…)"))?;
        if address != redirect_uri {
            return Err(refused("pasted is not the address of this sign-in's redirect"));
        }
        let redirect = Redirect::from_query(query.split('#').next().unwrap_or_default());
        if redirect.is_answer() {
            Ok(redirect)
        } else {
            Err(refused("pasted carries neither a code nor an error"))
        }
    }

    /// A parameter's value, if it was sent once.
    pub fn get(&self, name: &str) -> Option<&str> {
        let mut found = self.params.iter().filter(|(k, _)| k == name);
        match (found.next(), found.next()) {
            (Some((_, v)), None) => Some(v.expose()),
            _ => None,
        }
    }

    /// Whether it answers the authorization request: a code, or an error.
    fn is_answer(&self) -> bool {
        self.get("code").is_some() || self.get("error").is_some()
    }

    /// The authorization code, once the redirect is known to answer this request: the `state`
    /// sent, and the issuer's `iss` (RFC 9207) when it names one. `issuer` names the issuer in
    /// messages.
    pub fn code(&self, state: &str, issuer: &str) -> Result<Secret, Error> {
        // Checked first: an error redirect with a foreign state is not this login's either.
        if self.get("state") != Some(state) {
            return Err(Error::RedirectRefused {
                problem: "did not carry the `state` this login sent".into(),
            });
        }
        if let Some(iss) = self.get("iss")
            && iss.trim_end_matches('/') != issuer.trim_end_matches('/')
        {
            return Err(Error::RedirectRefused {
                problem: format!(
                    "came from issuer {}, not from {} (RFC 9207)",
                    crate::text::shown(iss, 200),
                    crate::text::shown(issuer, 200)
                ),
            });
        }
        if let Some(error) = self.get("error") {
            return Err(authorization_error(issuer, error, self.get("error_description")));
        }
        match self.get("code") {
            Some(code) if !code.is_empty() => Ok(Secret::new(code)),
            _ => Err(Error::RedirectRefused { problem: "carried no code".into() }),
        }
    }
}

/// An authorization request's `error` (RFC 6749 §4.1.2.1) in words.
pub fn authorization_error(issuer: &str, error: &str, description: Option<&str>) -> Error {
    let detail = match description.filter(|d| !d.trim().is_empty()) {
        Some(d) => format!("{error}: {d}"),
        None => error.to_string(),
    };
    let (issuer, detail) = (crate::text::shown(issuer, 200), crate::text::shown(&detail, 300));
    match error {
        "access_denied" => Error::SignInDenied { issuer, detail },
        _ => Error::OAuthError {
            issuer,
            what: "sign-in request",
            detail,
            advice: "check client_id, scope and the redirect settings of this profile, or ask the issuer's administrators",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
    }

    /// Sends `request` and returns the whole answer.
    async fn send(port: u16, request: &str) -> String {
        let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        s.write_all(request.as_bytes()).await.unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out
    }

    #[test]
    fn serves_past_silent_connections_and_favicon_until_the_redirect() {
        runtime().block_on(async {
            let listener = bind(&[], "/callback").unwrap();
            let port = listener.port();
            assert_eq!(listener.redirect_uri(), format!("http://127.0.0.1:{port}/callback"));
            let waiting = tokio::spawn(listener.wait(None, Duration::from_secs(30)));
            // A spare connection that never speaks, as Chromium opens, stays open throughout.
            let _silent = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
            let favicon = send(port, "GET /favicon.ico HTTP/1.1\r\nHost: x\r\n\r\n").await;
            assert!(favicon.starts_with("HTTP/1.1 404"), "{favicon}");
            let bare = send(port, "GET /callback HTTP/1.1\r\nHost: x\r\n\r\n").await;
            assert!(bare.starts_with("HTTP/1.1 404"), "{bare}");
            let done =
                send(port, "GET /callback?code=c-123&state=s1&iss=http%3A%2F%2Fop HTTP/1.1\r\n\r\n").await;
            assert!(done.starts_with("HTTP/1.1 200") && done.contains("close this tab"), "{done}");
            let redirect = waiting.await.unwrap().unwrap();
            assert_eq!(redirect.code("s1", "http://op/").unwrap().expose(), "c-123");
            assert!(!format!("{redirect:?}").contains("c-123"));
        });
    }

    #[test]
    fn the_first_free_configured_port_is_taken() {
        let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let busy_port = busy.local_addr().unwrap().port();
        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let free_port = free.local_addr().unwrap().port();
        drop(free);
        let l = bind(&[busy_port, free_port], "cb").unwrap();
        assert_eq!(l.redirect_uri(), format!("http://127.0.0.1:{free_port}/cb"));
        let e = bind(&[busy_port], "/cb").unwrap_err();
        assert_eq!(e.exit_code(), crate::error::exit::BAD_SETTING);
        assert!(e.to_string().starts_with(&format!("redirect_ports = '{busy_port}' is not valid")), "{e}");
    }

    #[test]
    fn a_failing_browser_ends_the_wait_and_a_silent_one_times_out() {
        runtime().block_on(async {
            let opener = Opener { words: vec!["false".into()], url: Secret::new("http://127.0.0.1/auth?x") };
            let e = bind(&[], "/cb").unwrap().wait(Some(opener), Duration::from_secs(30)).await.unwrap_err();
            assert_eq!(e.exit_code(), crate::error::exit::BROWSER);
            assert!(e.to_string().contains("exited with status 1") && e.to_string().contains("--no-browser"));
            let opener = Opener { words: vec!["true".into()], url: Secret::new("http://127.0.0.1/auth?x") };
            let e =
                bind(&[], "/cb").unwrap().wait(Some(opener), Duration::from_millis(200)).await.unwrap_err();
            assert_eq!(e.exit_code(), crate::error::exit::AUTHN_FAILED);
        });
    }

    #[test]
    fn state_iss_and_error_are_checked() {
        let r = Redirect::from_query("code=abc&state=s1&iss=https%3A%2F%2Fevil");
        let e = r.code("s2", "https://op").unwrap_err().to_string();
        assert!(e.contains("did not carry the `state`") && !e.contains("abc"), "{e}");
        let e = r.code("s1", "https://op").unwrap_err().to_string();
        assert!(e.contains("came from issuer https://evil, not from https://op"), "{e}");
        let r = Redirect::from_query("error=access_denied&error_description=no&state=s1");
        let e = r.code("s1", "https://op").unwrap_err();
        assert_eq!(e.exit_code(), crate::error::exit::AUTHN_FAILED);
        assert!(e.to_string().contains("(access_denied: no)"), "{e}");
        let r = Redirect::from_query("code=a&code=b&state=s1");
        assert!(r.code("s1", "https://op").is_err());
    }

    #[test]
    fn a_pasted_redirect_must_be_this_sign_ins() {
        let uri = "http://127.0.0.1:5555/callback";
        let r = Redirect::pasted(" http://127.0.0.1:5555/callback?code=c&state=s \n", uri).unwrap();
        assert_eq!(r.code("s", "https://op").unwrap().expose(), "c");
        assert!(Redirect::pasted("http://127.0.0.1:5556/callback?code=c&state=s", uri).is_err());
        assert!(Redirect::pasted("http://127.0.0.1:5555/callback", uri).is_err());
        assert!(Redirect::pasted("http://127.0.0.1:5555/callback?x=1", uri).is_err());
    }
}
