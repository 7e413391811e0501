//! Trust for the connections to the IdP and STS: the certificate authorities of `ca_bundle` /
//! `AWS_CA_BUNDLE` added to the system's, and what a refused server certificate means for the
//! user, as one sentence with what to do.

use crate::error::Error;

/// A PEM file of certificate authorities to trust besides the system's (`ca_bundle`), and
/// which setting named it, so that an error points at the right one.
#[derive(Debug, Clone, PartialEq)]
pub struct CaBundle {
    pub path: std::path::PathBuf,
    pub key: &'static str,
}

impl CaBundle {
    /// botocore's order: `--ca-bundle`, then `AWS_CA_BUNDLE`, then the profile's `ca_bundle`.
    /// An empty flag means "none"; an empty variable is ignored.
    pub fn pick(
        flag: Option<String>,
        env: Option<String>,
        file: impl FnOnce() -> Option<String>,
    ) -> Option<CaBundle> {
        let (value, key) = match (flag, env.filter(|v| !v.trim().is_empty())) {
            (Some(v), _) => (v, "ca_bundle"),
            (None, Some(v)) => (v, "AWS_CA_BUNDLE"),
            (None, None) => (file()?, "ca_bundle"),
        };
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        let path = match (value.strip_prefix("~/"), std::env::var_os("HOME")) {
            (Some(rest), Some(home)) => std::path::Path::new(&home).join(rest),
            _ => std::path::PathBuf::from(value),
        };
        Some(CaBundle { path, key })
    }

    /// The bundle's certificates. Read only when a network client is built, so a cache hit
    /// never touches it. A certificate rustls cannot use as a root is skipped (a copy of a
    /// system bundle with the organisation's CA appended may hold one); a file with none is an
    /// error.
    pub fn certificates(&self) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, Error> {
        use rustls::pki_types::{CertificateDer, pem::PemObject};
        let bad = |why: String| Error::BadSetting {
            key: self.key,
            value: self.path.display().to_string(),
            why: format!("{why}; point it at a PEM file of the certificate authorities to trust"),
        };
        // A regular file only, read without waiting: a FIFO named here would hang the login.
        let read = crate::atomic_file::read_regular(&self.path)
            .and_then(|found| found.ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound)));
        let bytes = read.map_err(|e| {
            bad(match e.kind() {
                _ if crate::atomic_file::refusal(&e).is_some() => {
                    "cannot read it (it is not a regular file)".into()
                }
                std::io::ErrorKind::NotFound => "cannot read it (there is no such file)".into(),
                std::io::ErrorKind::PermissionDenied => "cannot read it (permission denied)".into(),
                std::io::ErrorKind::IsADirectory => "cannot read it (it is a directory)".into(),
                _ => format!("cannot read it ({e})"),
            })
        })?;
        let certs = CertificateDer::pem_slice_iter(&bytes).collect::<Result<Vec<_>, _>>().map_err(|e| {
            use rustls::pki_types::pem::Error as P;
            bad(match e {
                P::MissingSectionEnd { .. } => "it is not a valid PEM file (a -----BEGIN has no -----END)",
                P::IllegalSectionStart { .. } => {
                    "it is not a valid PEM file (a -----BEGIN inside another one)"
                }
                P::Base64Decode(_) => {
                    "it is not a valid PEM file (text between -----BEGIN and -----END that is not base64)"
                }
                _ => "it is not a valid PEM file",
            }
            .into())
        })?;
        if certs.is_empty() {
            return Err(bad("it holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into()));
        }
        let usable: Vec<_> =
            certs.into_iter().filter(|c| rustls::RootCertStore::empty().add(c.clone()).is_ok()).collect();
        if usable.is_empty() {
            return Err(bad("none of its certificates can be read".into()));
        }
        crate::log::debug(
            1,
            &format!("trusting {} certificate(s) from {} too", usable.len(), self.path.display()),
        );
        Ok(usable)
    }
}

/// One certificate as PEM, the form the SDK's trust store takes.
pub fn pem(cert: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(cert);
    let lines: Vec<&str> =
        b64.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap_or_default()).collect();
    format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", lines.join("\n"))
}

/// The rustls error somewhere in a chain. It arrives as io::Errors wrapped in io::Errors,
/// whose source() skips the wrapped error, so each one is opened by hand.
fn find_rustls_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    if let Some(found) = e.downcast_ref::<rustls::Error>() {
        return Some(found);
    }
    let wrapped = e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref());
    wrapped.and_then(|inner| find_rustls_error(inner)).or_else(|| e.source().and_then(find_rustls_error))
}

const SET_BUNDLE: &str = "if your organisation uses its own, set ca_bundle in the profile (or AWS_CA_BUNDLE) to its CA certificate file (PEM)";

/// A failed connection whose cause is TLS — the server's certificate, or a server that does not
/// speak TLS at all — as one sentence saying why it failed and what to do; `None` for any other
/// failure. `ca_bundle` is the bundle that was trusted besides the system's, if any.
pub fn failure(
    what: &'static str,
    url: &str,
    ca_bundle: Option<&CaBundle>,
    e: &(dyn std::error::Error + 'static),
) -> Option<Error> {
    use rustls::CertificateError as C;
    let network = |detail: &str| Some(Error::Network { what, url: url.to_string(), detail: detail.into() });
    let cert = match find_rustls_error(e)? {
        rustls::Error::InvalidCertificate(cert) => cert,
        // The first bytes back were not TLS: a plain-http server on an https:// URL.
        rustls::Error::InvalidMessage(_) => {
            return network("the server there does not speak TLS (is it plain http://, or the wrong port?)");
        }
        rustls::Error::PeerIncompatible(_) => {
            return network(
                "the server offers no TLS version or cipher aws-login accepts (TLS 1.2 or 1.3 with current ciphers)",
            );
        }
        rustls::Error::AlertReceived(_) => return network("the server broke off the TLS handshake"),
        _ => return None,
    };
    crate::log::debug(1, &format!("the TLS certificate was refused: {cert}"));
    // Never advise setting ca_bundle when it is set: say what it did not do.
    let named =
        |b: &CaBundle| format!("{} {}", b.key, crate::text::shown(&b.path.display().to_string(), 200));
    let problem = match cert {
        C::UnknownIssuer | C::BadSignature => match ca_bundle {
            None => format!("is not trusted: no certificate authority this computer trusts issued it; {SET_BUNDLE}"),
            Some(b) => format!(
                "is not trusted: the certificate authorities in {} did not issue it, nor did the system's; point {} at the CA certificate that did (PEM)",
                named(b),
                b.key
            ),
        },
        C::NotValidForName | C::NotValidForNameContext { .. } => {
            "is for another host name; check the host in the URL".to_string()
        }
        C::Expired | C::ExpiredContext { .. } | C::NotValidYet | C::NotValidYetContext { .. } => {
            "has expired or is not valid yet; check this computer's clock, or tell the server's administrators"
                .to_string()
        }
        C::Revoked => "has been revoked; tell the server's administrators".to_string(),
        // rustls-webpki's CaUsedAsEndEntity, which rustls passes on only as an opaque error.
        C::Other(other) if other.to_string() == "CaUsedAsEndEntity" => format!(
            "is its own certificate authority (self-signed, marked CA:TRUE), and rustls only trusts a server certificate that a CA issued{}; {}, or have the server's administrators give it one a CA issued (or a self-signed one marked CA:FALSE)",
            match ca_bundle {
                Some(b) => format!(", so it cannot be trusted through {}", named(b)),
                None => String::new(),
            },
            match ca_bundle {
                Some(b) => format!("give {} the CA that issued it instead", b.key),
                None => "set ca_bundle in the profile (or AWS_CA_BUNDLE) to the CA that issued it".to_string(),
            },
        ),
        C::InvalidPurpose | C::InvalidPurposeContext { .. } => {
            "is not one for a TLS server (its extended key usage); tell the server's administrators".to_string()
        }
        _ => match ca_bundle {
            None => format!("was refused as not valid for a TLS server; tell the server's administrators, or, {SET_BUNDLE}"),
            Some(b) => format!(
                "was refused as not valid for a TLS server; tell the server's administrators, or check that {} holds the CA that issued it",
                named(b)
            ),
        },
    };
    Some(Error::TlsCertificate { what, url: url.to_string(), problem })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ca_bundle_is_the_flag_then_aws_ca_bundle_then_the_profile() {
        let pick = |flag: Option<&str>, env: Option<&str>| {
            CaBundle::pick(flag.map(Into::into), env.map(Into::into), || Some("/file.pem".into()))
        };
        let bundle = |path: &str, key| Some(CaBundle { path: path.into(), key });
        assert_eq!(pick(Some("/flag.pem"), Some("/env.pem")), bundle("/flag.pem", "ca_bundle"));
        assert_eq!(pick(None, Some("/env.pem")), bundle("/env.pem", "AWS_CA_BUNDLE"));
        assert_eq!(pick(None, Some(" ")), bundle("/file.pem", "ca_bundle"));
        assert_eq!(pick(None, None), bundle("/file.pem", "ca_bundle"));
        // An empty flag turns the bundle off for one run.
        assert_eq!(pick(Some(""), Some("/env.pem")), None);
        assert_eq!(CaBundle::pick(None, None, || None), None);
    }
}
