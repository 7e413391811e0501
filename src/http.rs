//! The one transport policy of every HTTP client aws-login builds, so that a new client cannot
//! forget a rule:
//!
//! - a URL is `https://`, or `http://` only on loopback (127.0.0.0/8, ::1, `localhost`), and
//!   never carries a user name or password ([`check_url`]);
//! - redirects are never followed: a request that carries a password, a Duo passcode, session
//!   cookies or a SAML assertion goes to the URL it was written for and nowhere else;
//! - bounded connects and answers;
//! - trust: the system's certificate authorities plus `ca_bundle`;
//! - the standard proxy variables (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`).
//!
//! The IdP's client is [`client`]; STS's (the SDK's own connector, `aws::sts::http_client`) takes
//! the same rules from here: its URLs through [`check_url`], its connect bound from
//! [`CONNECT_TIMEOUT`]. The SDK's client never follows redirects.

use std::time::Duration;

use reqwest::Url;

use crate::error::Error;
use crate::text::shown;
use crate::tls::CaBundle;

/// Connecting should be quick, and so should an answer that waits for nobody; an answer that
/// waits for a Duo push or call is bounded by the profile's `duo_timeout` instead.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a URL from outside (a redirect's target, a setting) may be in a message.
const MAX_URL_SHOWN: usize = 200;

/// True for a host that cannot be anywhere but this machine: 127.0.0.0/8, ::1, `localhost`.
pub fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
    }
}

/// The URL that setting `key` names, if it may be used: `https://`, or `http://` on loopback
/// only (plain http would carry `carries` unencrypted), with no user name or password in it.
/// The refusal shows the URL without what stands before an `@`.
pub fn check_url(key: &'static str, raw: &str, carries: &str) -> Result<Url, Error> {
    let bad = |why: String| Error::BadSetting { key, value: shown_url(raw), why };
    let parsed = Url::parse(raw).map_err(|e| bad(parse_error(e).into()))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad(
            "it holds a user name or password (the part before @), which aws-login never sends in a URL; remove it"
                .into(),
        ));
    }
    let loopback = parsed.host().is_some_and(|h| is_loopback(&h));
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if loopback => Ok(parsed),
        "http" => Err(bad(format!(
            "it must start with https:// (plain http, allowed only on this machine, would send {carries} unencrypted)"
        ))),
        _ => Err(bad("it must start with https://".into())),
    }
}

/// A URL parser's complaint in words, with what to write instead.
fn parse_error(e: url::ParseError) -> &'static str {
    use url::ParseError as P;
    match e {
        P::RelativeUrlWithoutBase => "it is not a full URL: write it with its scheme, as https://host/path",
        P::EmptyHost => "it names no host: write it as https://host/path",
        P::InvalidPort => "its port is not a number from 1 to 65535",
        P::InvalidIpv4Address | P::InvalidIpv6Address => "its IP address is not valid",
        P::InvalidDomainCharacter | P::IdnaError => "its host name holds characters a host name cannot have",
        _ => "it is not a valid URL: write it as https://host/path",
    }
}

/// A URL from outside for a message: whatever stands before an `@` in its host part (a user
/// name and password) replaced by `***`, control characters escaped, cut to a sane length.
pub fn shown_url(raw: &str) -> String {
    // Where the authority begins: after `scheme:` and any slashes (the URL parser takes
    // `https:/host` and `https:\\host` for `https://host`), else at the start.
    let scheme_end = raw
        .find(':')
        .filter(|&i| i > 0 && raw[..i].chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)));
    let start = match scheme_end {
        Some(i) => i + 1 + raw[i + 1..].chars().take_while(|c| matches!(c, '/' | '\\')).count(),
        None => 0,
    };
    let rest = &raw[start..];
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let redacted = match rest[..end].rfind('@') {
        Some(at) => format!("{}***{}", &raw[..start], &rest[at..]),
        None => raw.to_string(),
    };
    shown(&redacted, MAX_URL_SHOWN)
}

/// Where a redirect from `base` points, for a message: resolved against `base` (when known),
/// without any user name or password, and without its query and fragment (`?…`), which may
/// carry a ticket or session; escaped and cut.
pub fn redirect_target(base: Option<&Url>, location: Option<&[u8]>) -> String {
    let Some(raw) = location.map(String::from_utf8_lossy) else {
        return "a location it did not name".to_string();
    };
    let resolved = match base {
        Some(base) => base.join(raw.trim()),
        None => Url::parse(raw.trim()),
    };
    match resolved {
        Ok(mut url) => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            let cut = url.query().is_some() || url.fragment().is_some();
            url.set_query(None);
            url.set_fragment(None);
            shown(&format!("{url}{}", if cut { "?…" } else { "" }), MAX_URL_SHOWN)
        }
        Err(_) => shown_url(raw.split(['?', '#']).next().unwrap_or_default()),
    }
}

/// Whose certificates to trust.
#[derive(Debug, Clone, Copy)]
pub struct Trust<'a> {
    /// Certificate authorities to trust besides the system's.
    pub ca_bundle: Option<&'a CaBundle>,
    /// False: accept any certificate (`verify_ssl_certificate = false`; the caller warns).
    pub verify: bool,
}

/// The HTTP client for requests to `endpoint` (already through [`check_url`]): no redirects,
/// connects bounded by `connect_timeout` (at most [`CONNECT_TIMEOUT`]), the trust asked for, the
/// proxy variables, and https only when `endpoint` is https. Each request sets its own bound on
/// the answer.
pub fn client(endpoint: &Url, trust: Trust<'_>, connect_timeout: Duration) -> Result<reqwest::Client, Error> {
    // Read even when unused here, so a bad bundle fails before anything is sent.
    let extra_roots = trust.ca_bundle.map(CaBundle::certificates).transpose()?.unwrap_or_default();
    let plain = endpoint.scheme() == "http";
    let mut builder = reqwest::Client::builder()
        .connect_timeout(connect_timeout.min(CONNECT_TIMEOUT))
        .redirect(reqwest::redirect::Policy::none())
        .https_only(!plain)
        .user_agent(concat!("aws-login/", env!("CARGO_PKG_VERSION")));
    if trust.verify {
        let certs =
            extra_roots.iter().map(|c| reqwest::Certificate::from_der(c)).collect::<Result<Vec<_>, _>>();
        let certs =
            certs.map_err(|_| Error::Unexpected("cannot use the certificates of ca_bundle".into()))?;
        // A plain-http endpoint (loopback only) needs no TLS: loading the system's certificate
        // authorities would cost every login a few milliseconds for nothing.
        builder = if plain { builder.tls_certs_only(certs) } else { builder.tls_certs_merge(certs) };
    } else {
        builder = builder.tls_danger_accept_invalid_certs(true);
    }
    builder.build().map_err(|_| Error::Unexpected("cannot set up the HTTPS client".into()))
}

/// A failed connection or exchange in plain words, from what the error chain holds (the
/// library's own text goes to `-v` only). Timeouts and TLS are told apart by the callers,
/// which know the bound and the trust.
pub fn failure(e: &(dyn std::error::Error + 'static)) -> String {
    use std::io::ErrorKind as K;
    crate::log::debug(1, &format!("network failure: {}", innermost(e)));
    let chain = || std::iter::successors(Some(e), |e| e.source());
    let io_kind = chain().find_map(|e| e.downcast_ref::<std::io::Error>()).map(|io| io.kind());
    // hyper and hyper-util give no kinds to test, only their texts.
    let said = |what: &str| chain().any(|e| e.to_string().contains(what));
    match io_kind {
        Some(K::ConnectionRefused) => {
            "the connection was refused (nothing listens there: check the host and port)".into()
        }
        Some(K::TimedOut) => "no connection within the time allowed".into(),
        Some(K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof) => {
            "the connection was closed before a complete answer came".into()
        }
        Some(K::NetworkUnreachable | K::HostUnreachable | K::AddrNotAvailable | K::NetworkDown) => {
            "the network cannot get there from this computer".into()
        }
        _ if said("dns error") => "its host name could not be found (DNS)".into(),
        _ if said("connection closed before message completed") || said("end of file") => {
            "the connection was closed before a complete answer came".into()
        }
        _ if said("invalid HTTP") || said("message head is too large") => {
            "it answered with something that is not HTTP".into()
        }
        _ if said("error decoding response body") || said("error reading a body") => {
            "the answer was cut off".into()
        }
        _ => "the connection failed (run with -v for the details)".into(),
    }
}

/// The most specific cause in an error chain ("Connection refused (os error 111)"), for `-v`.
pub fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::exit;

    const IDP: &str = "your password";

    #[test]
    fn https_anywhere_plain_http_only_on_loopback() {
        for ok in
            ["http://127.0.0.1:8080/ecp", "http://127.9.9.9/ecp", "http://[::1]/ecp", "http://LocalHost/ecp"]
        {
            check_url("ecp_endpoint_url", ok, IDP).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        check_url("ecp_endpoint_url", "https://idp.example.edu/ecp", IDP).unwrap();
        for bad in
            ["http://idp.example.edu/ecp", "http://10.0.0.1/ecp", "http://[::2]/", "http://localhost.evil/"]
        {
            let e = check_url("ecp_endpoint_url", bad, IDP).unwrap_err();
            assert_eq!(e.exit_code(), exit::BAD_SETTING, "{bad}");
            assert!(e.to_string().contains("would send your password unencrypted"), "{e}");
        }
        let e = check_url("AWS_ENDPOINT_URL_STS", "ftp://sts/", "x").unwrap_err().to_string();
        assert!(
            e.starts_with("AWS_ENDPOINT_URL_STS = 'ftp://sts/' is not valid: it must start with https://")
        );
    }

    #[test]
    fn parse_errors_are_said_in_words() {
        let cases = [
            ("idp.example.edu/idp/profile/SAML2/SOAP/ECP", "it is not a full URL: write it with its scheme"),
            ("https://", "names no host"),
            ("https://idp:99999/ecp", "port is not a number from 1 to 65535"),
            ("https://999.1.1.1/", "IP address is not valid"),
            ("https://[::g]/", "IP address is not valid"),
            ("https://id p/", "host name holds characters"),
        ];
        for (raw, words) in cases {
            let e = check_url("ecp_endpoint_url", raw, IDP).unwrap_err().to_string();
            assert!(e.contains(words), "{raw}: {e}");
            assert!(!e.contains("relative URL without a base") && !e.contains("invalid"), "{raw}: {e}");
        }
    }

    #[test]
    fn a_url_with_a_password_is_refused_without_showing_it() {
        let cases = [
            ("https://alice:hunter2@idp.example.edu/ecp", "https://***@idp.example.edu/ecp"),
            ("https://hunter2@idp.example.edu/ecp", "https://***@idp.example.edu/ecp"),
            ("http://alice:hunter2@127.0.0.1/ecp", "http://***@127.0.0.1/ecp"),
            ("https:/alice:hunter2@idp/ecp", "https:/***@idp/ecp"),
            ("https://a:b@c:hunter2@idp/ecp?x=@", "https://***@idp/ecp?x=@"),
        ];
        for (raw, shown) in cases {
            let e = check_url("ecp_endpoint_url", raw, IDP).unwrap_err();
            assert_eq!(e.exit_code(), exit::BAD_SETTING, "{raw}");
            let e = e.to_string();
            assert!(!e.contains("hunter2"), "{e}");
            assert!(e.contains(&format!("'{shown}'")) && e.contains("user name or password"), "{e}");
        }
        // Refused for another reason, or not a URL at all: the password is not shown either.
        for raw in
            ["alice:hunter2@idp.example.edu/ecp", "ftp://alice:hunter2@idp/", "https://a:hunter2@idp:x/"]
        {
            let e = check_url("ecp_endpoint_url", raw, IDP).unwrap_err().to_string();
            assert!(!e.contains("hunter2"), "{e}");
        }
    }

    #[test]
    fn redirect_targets_are_resolved_and_cleaned() {
        let base = Url::parse("https://idp.example.edu/idp/profile/SAML2/SOAP/ECP").unwrap();
        let target = |l: &[u8]| redirect_target(Some(&base), Some(l));
        assert_eq!(target(b"/idp/Authn/External"), "https://idp.example.edu/idp/Authn/External");
        assert_eq!(target(b"http://u:secret@evil.example/x"), "http://evil.example/x");
        assert_eq!(target(b"/SSO?SAMLRequest=abc&ticket=ST-1#f"), "https://idp.example.edu/SSO?…");
        assert_eq!(redirect_target(Some(&base), None), "a location it did not name");
        assert_eq!(redirect_target(None, Some(b"/relative?q=1")), "/relative");
        assert_eq!(redirect_target(None, Some(b"https://u:p@h/x?q")), "https://h/x?…");
        let long = format!("https://evil.example/{}", "a".repeat(5000));
        assert_eq!(target(long.as_bytes()).chars().count(), MAX_URL_SHOWN);
        assert!(!target(b"http://[::g]/u:secret@x\x1b").contains('\x1b'));
        assert!(!target(b"http://u:secret@[::g]/").contains("secret"));
    }
}
