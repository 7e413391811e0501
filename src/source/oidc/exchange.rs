//! The token exchange to SAML (RFC 8693, as Keycloak answers it and aws-cli-oidc uses it): the
//! answer's `access_token` is the base64url of a signed `saml:Assertion`. AWS takes a
//! `samlp:Response`, so the assertion goes, byte for byte (its signature covers it), into an
//! unsigned Response with status Success; then the SAML path as for ECP.

use base64::Engine;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::{DecodePaddingMode, general_purpose};

use super::TokenKind;
use super::client::Client;
use super::discovery::Op;
use super::machine_settings::Exchange;
use super::token::{self, ACCESS_TOKEN_TYPE, Grant, ID_TOKEN_TYPE};
use crate::error::Error;
use crate::saml::{Grants, NS_ASSERTION, NS_PROTOCOL, STATUS_SUCCESS};
use crate::secret::Secret;

/// Where AWS takes SAML: the Response's Destination when the assertion names no Recipient.
const AWS_SAML_ENDPOINT: &str = "https://signin.aws.amazon.com/saml";

/// base64url with or without padding, as providers differ.
const URL_SAFE_ANY: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Exchanges `subject` (of kind `kind`) at the exchange endpoint for a SAML Response (base64)
/// and the grants its assertion carries.
pub async fn to_saml(
    op: &Op,
    exchange: &Exchange,
    client: &Client<'_>,
    subject: &Secret,
) -> Result<(Secret, Grants), Error> {
    let endpoint = exchange.endpoint.as_deref().unwrap_or(&op.meta.token_endpoint);
    let subject_type = match exchange.subject {
        TokenKind::AccessToken => ACCESS_TOKEN_TYPE,
        TokenKind::IdToken => ID_TOKEN_TYPE,
    };
    let grant = Grant::ExchangeToSaml { subject, subject_type, audience: &exchange.audience };
    let started = std::time::Instant::now();
    let auth = client.auth();
    let answer = token::request_at(op, endpoint, &auth, &grant)
        .await
        .map_err(|refusal| refusal.into_error(&op.issuer(), "token exchange to SAML", &auth))?;
    crate::log::debug(2, &format!("the token exchange answered in {:?}", started.elapsed()));
    let now = time::OffsetDateTime::now_utc();
    let (response, grants) = wrap(answer.access_token.expose(), &response_id()?, now).map_err(|why| {
        Error::ExchangeNotSaml { url: crate::http::shown_url(endpoint), why: why.to_string() }
    })?;
    Ok((Secret::new(STANDARD.encode(response.expose())), grants))
}

/// The Response (with ID `id`) around the assertion that `token` (base64url) carries, and its
/// grants.
pub fn wrap(token: &str, id: &str, now: time::OffsetDateTime) -> Result<(Secret, Grants), &'static str> {
    let bytes = URL_SAFE_ANY
        .decode(token.trim())
        .or_else(|_| general_purpose::STANDARD.decode(token.trim()))
        .map_err(|_| "its access_token is not base64")?;
    let text = String::from_utf8(bytes).map_err(|_| "its access_token is not text")?;
    let root = crate::xml::parse(text.as_bytes()).map_err(|_| "its access_token is not XML")?;
    if !root.is(NS_ASSERTION, "Assertion") {
        return Err("its access_token is XML but not a saml:Assertion");
    }
    // The element's own bytes: an XML declaration before it cannot sit inside the Response.
    let assertion = text.get(root.span.clone()).ok_or("its assertion could not be cut out")?;
    let issuer = root.child(NS_ASSERTION, "Issuer").map(|i| i.text.trim().to_string());
    let recipient = root
        .child(NS_ASSERTION, "Subject")
        .into_iter()
        .flat_map(|s| s.children_named(NS_ASSERTION, "SubjectConfirmation"))
        .filter_map(|c| c.child(NS_ASSERTION, "SubjectConfirmationData"))
        .find_map(|d| d.attr("Recipient").map(str::to_string))
        .unwrap_or_else(|| AWS_SAML_ENDPOINT.to_string());
    let esc = |s: &str| quick_xml::escape::escape(s).into_owned();
    let issuer = issuer
        .map(|i| format!(r#"<saml:Issuer xmlns:saml="{NS_ASSERTION}">{}</saml:Issuer>"#, esc(&i)))
        .unwrap_or_default();
    let instant = now
        .replace_nanosecond(0)
        .unwrap_or(now)
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|_| "the clock cannot be written")?;
    let response = format!(
        r#"<samlp:Response xmlns:samlp="{NS_PROTOCOL}" ID="{}" Version="2.0" IssueInstant="{instant}" Destination="{}">{issuer}<samlp:Status><samlp:StatusCode Value="{STATUS_SUCCESS}"/></samlp:Status>{assertion}</samlp:Response>"#,
        esc(id),
        esc(&recipient),
    );
    let parsed =
        crate::xml::parse(response.as_bytes()).map_err(|_| "its assertion does not fit in a Response")?;
    let grants = crate::saml::grants(&parsed).map_err(|_| "its assertion grants no AWS role")?;
    Ok((Secret::new(response), grants))
}

/// A fresh Response ID, random as ECP's AuthnRequest ID is: 128 bits of base64url behind `_`,
/// as an XML ID must start with a letter or `_` (the ID is not a secret).
fn response_id() -> Result<String, Error> {
    Ok(format!("_{}", crate::oauth::pkce::random(16)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLE: &str =
        "arn:aws:iam::111122223333:role/Developer,arn:aws:iam::111122223333:saml-provider/TestIdP";

    fn assertion() -> String {
        format!(
            r#"<saml:Assertion xmlns:saml="{NS_ASSERTION}" ID="_a1" Version="2.0"><saml:Issuer>https://idp.example.org/idp/shibboleth</saml:Issuer><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">  sig &amp; whitespace  kept </ds:Signature><saml:Subject><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData Recipient="https://signin.aws.amazon.com/saml"/></saml:SubjectConfirmation></saml:Subject><saml:AttributeStatement><saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role"><saml:AttributeValue>{ROLE}</saml:AttributeValue></saml:Attribute><saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/SessionDuration"><saml:AttributeValue>1800</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion>"#
        )
    }

    fn now() -> time::OffsetDateTime {
        time::macros::datetime!(2026-12-02 06:00:00.5 UTC)
    }

    #[test]
    fn the_assertion_goes_into_the_response_byte_for_byte() {
        let a = assertion();
        // An XML declaration and a newline before it, and no padding, as Keycloak sends it.
        let token =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("<?xml version=\"1.0\"?>\n{a}"));
        let (response, grants) = wrap(&token, "_r1", now()).unwrap();
        let xml = response.expose();
        assert!(xml.contains(&a), "{xml}");
        assert_eq!(xml.matches("<saml:Assertion").count(), 1);
        assert!(!xml.contains("<?xml"), "{xml}");
        assert!(
            xml.starts_with(&format!(r#"<samlp:Response xmlns:samlp="{NS_PROTOCOL}" ID="_r1" "#)),
            "{xml}"
        );
        assert!(
            xml.contains(
                r#"IssueInstant="2026-12-02T06:00:00Z" Destination="https://signin.aws.amazon.com/saml">"#
            ),
            "{xml}"
        );
        assert!(xml.contains(&format!(r#"<saml:Issuer xmlns:saml="{NS_ASSERTION}">https://idp.example.org/idp/shibboleth</saml:Issuer><samlp:Status><samlp:StatusCode Value="{STATUS_SUCCESS}"/></samlp:Status><saml:Assertion"#)), "{xml}");
        assert!(xml.ends_with("</saml:Assertion></samlp:Response>"), "{xml}");
        assert_eq!(grants.roles.len(), 1);
        assert_eq!(
            (grants.roles[0].role_arn.as_str(), grants.session_duration),
            ("arn:aws:iam::111122223333:role/Developer", Some(1800))
        );
        // Padded base64url is taken too.
        let padded = base64::engine::general_purpose::URL_SAFE.encode(&a);
        assert!(wrap(&padded, "_r1", now()).unwrap().0.expose().contains(&a));
    }

    #[test]
    fn response_ids_are_fresh_ncnames() {
        let (a, b) = (response_id().unwrap(), response_id().unwrap());
        assert_ne!(a, b);
        // An NCName: a letter or `_` first, then letters, digits, `-`, `_` or `.`.
        let mut chars = a.chars();
        assert!(chars.next().is_some_and(|c| c == '_' || c.is_ascii_alphabetic()), "{a}");
        assert!(chars.all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)), "{a}");
        assert_eq!(a.len(), 23, "{a}");
    }

    #[test]
    fn what_is_not_a_saml_assertion_is_said() {
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        assert_eq!(wrap("%%%", "_r1", now()).unwrap_err(), "its access_token is not base64");
        assert_eq!(wrap(&b64("eyJhbGciOi"), "_r1", now()).unwrap_err(), "its access_token is not XML");
        let response = format!(r#"<p:Response xmlns:p="{NS_PROTOCOL}"/>"#);
        assert_eq!(
            wrap(&b64(&response), "_r1", now()).unwrap_err(),
            "its access_token is XML but not a saml:Assertion"
        );
        let no_roles = format!(
            r#"<saml:Assertion xmlns:saml="{NS_ASSERTION}"><saml:Issuer>x</saml:Issuer></saml:Assertion>"#
        );
        assert_eq!(wrap(&b64(&no_roles), "_r1", now()).unwrap_err(), "its assertion grants no AWS role");
    }
}
