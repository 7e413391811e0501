//! Reads the IdP's answer to an ECP AuthnRequest: a SOAP envelope holding a SAML Response (or a
//! SOAP fault), parsed namespace-aware. Success only on a top-level `Success` status.

use base64::Engine;

use crate::error::Error;
use crate::saml::{self, Grants, NS_PROTOCOL, STATUS_SUCCESS};
use crate::secret::Secret;
use crate::xml::{self, Element, XmlError};

const NS_SOAP: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const NS_ECP: &str = "urn:oasis:names:tc:SAML:2.0:profiles:SSO:ecp";

/// A successful login: the assertion for STS and what it grants.
#[derive(Debug, Clone)]
pub struct SamlLogin {
    /// base64 of the `samlp:Response` element, carrying its in-scope namespace declarations so
    /// that it stands alone and its signature still verifies. A bearer credential: kept secret.
    pub saml_response: Secret,
    pub grants: Grants,
}

/// Parses a 2xx or 500 answer body from `url` to a request that named `acs_url` as the
/// assertion consumer service.
pub fn parse(body: &[u8], url: &str, acs_url: &str) -> Result<SamlLogin, Error> {
    let not_ecp = |found: String| Error::NotEcp { url: url.to_string(), found };
    let envelope = xml::parse(body).map_err(|e| match e {
        _ if looks_like_html(body) => not_ecp("an HTML page".into()),
        XmlError::Doctype => not_ecp("XML with a DOCTYPE declaration, which is never processed".into()),
        XmlError::Empty => not_ecp("an empty body".into()),
        XmlError::Malformed(detail) => not_ecp(format!("text that is not well-formed XML: {detail}")),
    })?;
    if !envelope.is(NS_SOAP, "Envelope") {
        return Err(not_ecp(format!("an XML <{}> document, not a SOAP envelope", envelope.name)));
    }
    let body_el =
        envelope.child(NS_SOAP, "Body").ok_or_else(|| not_ecp("a SOAP envelope without a Body".into()))?;
    if let Some(fault) = body_el.child(NS_SOAP, "Fault") {
        let text = |name: &str| fault.children.iter().find(|c| c.name == name).map(|c| c.text.trim());
        let message = text("faultstring").filter(|s| !s.is_empty()).or(text("faultcode"));
        return Err(Error::SoapFault(saml::one_line(message.unwrap_or("no reason given"))));
    }
    let response = body_el
        .child(NS_PROTOCOL, "Response")
        .ok_or_else(|| not_ecp("a SOAP message without a SAML Response".into()))?;

    check_acs(&envelope, url, acs_url)?;
    check_status(response)?;
    let grants = saml::grants(response)?;
    let standalone = response.standalone(body, &[&envelope, body_el]);
    let saml_response = Secret::new(base64::engine::general_purpose::STANDARD.encode(standalone));
    Ok(SamlLogin { saml_response, grants })
}

/// The SAML ECP profile: the client MUST NOT pass on a Response whose `ecp:Response` header
/// names another AssertionConsumerServiceURL than the request did. (An answer without the
/// header, which Shibboleth always sends, is taken as it is: STS checks the assertion's
/// Recipient and Destination itself.)
fn check_acs(envelope: &Element, url: &str, acs_url: &str) -> Result<(), Error> {
    let header = envelope.child(NS_SOAP, "Header").and_then(|h| h.child(NS_ECP, "Response"));
    match header.and_then(|r| r.attr("AssertionConsumerServiceURL")) {
        Some(found) if found != acs_url => Err(Error::AcsMismatch {
            url: url.to_string(),
            expected: acs_url.to_string(),
            found: crate::text::shown(found, 200),
        }),
        _ => Ok(()),
    }
}

/// A failed status becomes the IdP's own message (Duo plugins explain themselves there), else
/// the most specific status code.
pub(crate) fn check_status(response: &Element) -> Result<(), Error> {
    let status = response.child(NS_PROTOCOL, "Status");
    let code = status.and_then(|s| s.child(NS_PROTOCOL, "StatusCode"));
    if code.and_then(|c| c.attr("Value")) == Some(STATUS_SUCCESS) {
        return Ok(());
    }
    let message = status
        .and_then(|s| s.child(NS_PROTOCOL, "StatusMessage"))
        .map(|m| saml::one_line(&m.text))
        .filter(|m| !m.is_empty());
    // The most specific code that is not Success: a nested Success under a failed top-level
    // code must not make the message read "SAML status Success".
    let innermost = std::iter::successors(code, |c| c.child(NS_PROTOCOL, "StatusCode"))
        .filter_map(|c| c.attr("Value"))
        .filter(|v| *v != STATUS_SUCCESS)
        .last()
        .map(|v| saml::one_line(v.rsplit(':').next().unwrap_or(v)));
    let message = match (message, innermost) {
        (Some(m), _) => m,
        (None, Some(code)) => format!("SAML status {code}"),
        (None, None) => "the SAML Response has no status".to_string(),
    };
    Err(Error::AuthnFailed { message })
}

fn looks_like_html(body: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&body[..body.len().min(512)]).to_ascii_lowercase();
    let head = head.trim_start();
    head.starts_with("<!doctype html") || head.starts_with("<html") || head.contains("<body")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::exit;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    const URL: &str = "https://idp.example.edu/idp/profile/SAML2/SOAP/ECP";
    const ACS: &str = "https://signin.aws.amazon.com/saml";

    /// Runs xmlsec1 on a standalone Response signed by the test IdP; true if it verifies.
    fn xmlsec_verifies(response: &[u8]) -> bool {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("response.xml");
        std::fs::write(&file, response).unwrap();
        let cert = format!("{}/fixtures/ecp_success.cert.pem", env!("CARGO_MANIFEST_DIR"));
        let out = std::process::Command::new("xmlsec1")
            .args(["--verify", "--pubkey-cert-pem", &cert])
            .args(["--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion"])
            .arg(&file)
            .output()
            .expect("xmlsec1 is needed for this test: run tests/stack/install.sh");
        out.status.success()
    }

    #[test]
    fn success_yields_roles_and_a_standalone_response_whose_signature_verifies() {
        // A real answer of the test IdP (pysaml2), signed with fixtures/ecp_success.cert.pem.
        let doc = fixture("ecp_success.xml");
        let login = parse(&doc, URL, ACS).unwrap();
        let roles: Vec<_> = login.grants.roles.iter().map(|r| r.role_arn.as_str()).collect();
        assert_eq!(
            roles,
            [
                "arn:aws:iam::111122223333:role/ReadOnly",
                "arn:aws:iam::111122223333:role/Developer",
                "arn:aws:iam::444455556666:role/team/Admin",
                "arn:aws:iam::444455556666:role/Auditor",
            ]
        );
        assert_eq!(login.grants.session_duration, Some(28800));

        let decoded = base64::engine::general_purpose::STANDARD.decode(login.saml_response.expose()).unwrap();
        let text = String::from_utf8(decoded.clone()).unwrap();
        // saml2p is declared only on the Envelope; it must travel with the Response.
        assert!(
            text.starts_with("<saml2p:Response xmlns:saml2p=\"urn:oasis:names:tc:SAML:2.0:protocol\""),
            "{text}"
        );
        assert!(xml::parse(&decoded).unwrap().is(NS_PROTOCOL, "Response"));
        assert!(xmlsec_verifies(&decoded), "the extracted Response must still verify");

        // The check can fail: the same bytes with one role changed do not verify.
        let tampered = text.replacen("role/Auditor", "role/Auditer", 1);
        assert!(!xmlsec_verifies(tampered.as_bytes()));
    }

    #[test]
    fn a_byte_order_mark_does_not_shift_the_extracted_response() {
        // Found by fuzzing (xml_tree): with a UTF-8 BOM in front of the envelope, the Response
        // handed to STS was cut three bytes early.
        let doc = fixture("ecp_success.xml");
        let with_bom = [b"\xEF\xBB\xBF".as_slice(), &doc].concat();
        let (plain, bom) = (parse(&doc, URL, ACS).unwrap(), parse(&with_bom, URL, ACS).unwrap());
        assert_eq!(bom.saml_response.expose(), plain.saml_response.expose());
    }

    #[test]
    fn an_answer_for_another_acs_is_refused() {
        // SAML ECP profile: the client MUST NOT pass on a Response whose ecp:Response header
        // names another AssertionConsumerServiceURL than the request did.
        let doc = String::from_utf8(fixture("ecp_success.xml")).unwrap();
        let header = format!(r#"AssertionConsumerServiceURL="{ACS}""#);
        assert!(doc.contains(&header));
        let other =
            doc.replacen(&header, r#"AssertionConsumerServiceURL="https://evil.example/saml&#10;x""#, 1);
        let e = parse(other.as_bytes(), URL, ACS).unwrap_err();
        assert_eq!(e.exit_code(), exit::IDP_ERROR);
        let e = e.to_string();
        assert!(
            e.contains(&format!("addressed its answer to https://evil.example/saml\\nx, not to {ACS}")),
            "{e}"
        );
        // The request named the same ACS: accepted; no header at all: accepted (STS checks the
        // assertion's Recipient).
        let regional = "https://us-east-2.signin.aws.amazon.com/saml";
        let moved = doc.replacen(&header, &format!(r#"AssertionConsumerServiceURL="{regional}""#), 1);
        assert!(parse(moved.as_bytes(), URL, regional).is_ok());
        let start = doc.find("<soap11:Header>").unwrap();
        let end = doc.find("</soap11:Header>").unwrap() + "</soap11:Header>".len();
        let headless = format!("{}{}", &doc[..start], &doc[end..]);
        assert!(parse(headless.as_bytes(), URL, ACS).is_ok());
    }

    #[test]
    fn failures_say_what_happened() {
        let e = parse(&fixture("ecp_duo_denied.xml"), URL, ACS).unwrap_err();
        assert_eq!(e.exit_code(), exit::AUTHN_FAILED);
        assert!(e.to_string().contains("Duo push denied"), "{e}");

        let e = parse(&fixture("ecp_nested_status.xml"), URL, ACS).unwrap_err();
        assert_eq!(e.exit_code(), exit::AUTHN_FAILED);
        assert!(e.to_string().contains("AuthnFailed"), "{e}");

        let e = parse(&fixture("ecp_soap_fault.xml"), URL, ACS).unwrap_err();
        assert_eq!(e.exit_code(), exit::IDP_ERROR);
        assert!(e.to_string().contains("An error occurred processing the request"), "{e}");

        let e = parse(&fixture("login_page.html"), URL, ACS).unwrap_err();
        assert_eq!(e.exit_code(), exit::NOT_ECP);
        assert!(e.to_string().contains("HTML page"), "{e}");

        // Only a top-level Success counts, whatever is nested or enclosed.
        let doc = String::from_utf8(fixture("ecp_success.xml")).unwrap();
        let success = r#"<saml2p:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>"#;
        let nested = r#"<saml2p:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Requester"><saml2p:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></saml2p:StatusCode>"#;
        let e = parse(doc.replacen(success, nested, 1).as_bytes(), URL, ACS).unwrap_err();
        assert_eq!(e.exit_code(), exit::AUTHN_FAILED);
        assert!(e.to_string().contains("SAML status Requester"), "{e}");

        // What the IdP says is shown on one line, however it was written.
        let multi = doc.replacen(
            success,
            r#"<saml2p:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"/><saml2p:StatusMessage>
  Duo push denied.
  Try again.</saml2p:StatusMessage>"#,
            1,
        );
        let e = parse(multi.as_bytes(), URL, ACS).unwrap_err().to_string();
        assert!(e.contains("the IdP refused the login (Duo push denied. Try again.)"), "{e}");

        for junk in [&b"{\"json\":true}"[..], b"<a><b></a>", b"", b"<r/>"] {
            assert_eq!(parse(junk, URL, ACS).unwrap_err().exit_code(), exit::NOT_ECP);
        }
    }
}
