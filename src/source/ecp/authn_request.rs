//! The SOAP envelope aws-login posts to the IdP's ECP endpoint: a SAML AuthnRequest made on behalf
//! of AWS's sign-in service (there is no SP leg: AWS does not speak ECP itself).

use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use time::OffsetDateTime;
use time::macros::format_description;

const NS_SOAP: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const BINDING_PAOS: &str = "urn:oasis:names:tc:SAML:2.0:bindings:PAOS";

/// Whom the assertion is for: the AWS sign-in endpoint and SP entity ID of a partition.
#[derive(Debug, Clone)]
pub struct ServiceProvider {
    pub acs_url: String,
    pub entity_id: String,
}

impl ServiceProvider {
    /// The commercial partition, as AWS publishes it in its SAML metadata.
    pub fn aws() -> Self {
        Self::from(crate::partition::AWS_SAML)
    }

    /// AWS's sign-in service provider in `partition`, if [`crate::partition`] knows it.
    pub fn for_partition(partition: &str) -> Option<Self> {
        crate::partition::find(partition)?.saml.map(Self::from)
    }
}

impl From<crate::partition::SamlSp> for ServiceProvider {
    fn from(sp: crate::partition::SamlSp) -> Self {
        ServiceProvider { acs_url: sp.acs_url.into(), entity_id: sp.entity_id.into() }
    }
}

#[derive(Debug, Clone)]
pub struct AuthnRequest {
    pub id: String,
    pub issue_instant: OffsetDateTime,
    pub sp: ServiceProvider,
}

impl AuthnRequest {
    /// A request with a fresh random ID (`_` + 32 hex digits: an NCName, as SAML requires) and
    /// the current UTC time.
    pub fn new(sp: ServiceProvider) -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes)?;
        let id = bytes.iter().fold(String::from("_"), |mut s, b| {
            s.push_str(&format!("{b:02X}"));
            s
        });
        Ok(AuthnRequest { id, issue_instant: OffsetDateTime::now_utc(), sp })
    }

    /// The SOAP 1.1 envelope, UTF-8, without an XML declaration (as awscli-login sends it).
    pub fn to_envelope(&self) -> Vec<u8> {
        let instant = self
            .issue_instant
            .to_offset(time::UtcOffset::UTC)
            .format(format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z"))
            .unwrap_or_default();
        let mut w = Writer::new(Vec::with_capacity(512));
        let envelope = BytesStart::new("S:Envelope").with_attributes([
            ("xmlns:S", NS_SOAP),
            ("xmlns:saml2", crate::saml::NS_ASSERTION),
            ("xmlns:saml2p", crate::saml::NS_PROTOCOL),
        ]);
        let request = BytesStart::new("saml2p:AuthnRequest").with_attributes([
            ("AssertionConsumerServiceURL", self.sp.acs_url.as_str()),
            ("ID", self.id.as_str()),
            ("IssueInstant", instant.as_str()),
            ("ProtocolBinding", BINDING_PAOS),
            ("Version", "2.0"),
        ]);
        // Writing to a Vec cannot fail.
        let events = [
            Event::Start(envelope),
            Event::Start(BytesStart::new("S:Body")),
            Event::Start(request),
            Event::Start(BytesStart::new("saml2:Issuer")),
            Event::Text(BytesText::new(&self.sp.entity_id)),
            Event::End(BytesEnd::new("saml2:Issuer")),
            Event::End(BytesEnd::new("saml2p:AuthnRequest")),
            Event::End(BytesEnd::new("S:Body")),
            Event::End(BytesEnd::new("S:Envelope")),
        ];
        for e in events {
            let _ = w.write_event(e);
        }
        w.into_inner()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml;

    fn fixed() -> AuthnRequest {
        AuthnRequest {
            id: "_37435E75D88945F3A8ECFD538C1F6BCC".into(),
            issue_instant: OffsetDateTime::from_unix_timestamp(1_522_944_410).unwrap(),
            sp: ServiceProvider::aws(),
        }
    }

    #[test]
    fn matches_the_fixture_byte_for_byte() {
        let expected =
            std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/authn_request.xml")).unwrap();
        let got = fixed().to_envelope();
        assert_eq!(String::from_utf8(got).unwrap(), String::from_utf8(expected).unwrap().trim_end());
    }

    #[test]
    fn is_a_namespace_correct_saml_request() {
        let doc = fixed().to_envelope();
        let env = xml::parse(&doc).unwrap();
        assert!(env.is(NS_SOAP, "Envelope"));
        assert!(env.child(NS_SOAP, "Header").is_none());
        let req =
            env.child(NS_SOAP, "Body").unwrap().child(crate::saml::NS_PROTOCOL, "AuthnRequest").unwrap();
        assert_eq!(req.attr("AssertionConsumerServiceURL"), Some("https://signin.aws.amazon.com/saml"));
        assert_eq!(req.attr("ProtocolBinding"), Some(BINDING_PAOS));
        assert_eq!(req.attr("IssueInstant"), Some("2018-04-05T16:06:50Z"));
        assert_eq!(req.attr("Version"), Some("2.0"));
        let issuer = req.child(crate::saml::NS_ASSERTION, "Issuer").unwrap();
        assert_eq!(issuer.text, "urn:amazon:webservices");
    }

    #[test]
    fn partitions_have_their_own_sign_in_endpoints() {
        let gov = ServiceProvider::for_partition("aws-us-gov").unwrap();
        assert_eq!(gov.acs_url, "https://signin.amazonaws-us-gov.com/saml");
        assert_eq!(gov.entity_id, "urn:amazon:webservices:govcloud");
        let cn = ServiceProvider::for_partition("aws-cn").unwrap();
        assert_eq!(
            (cn.acs_url.as_str(), cn.entity_id.as_str()),
            ("https://signin.amazonaws.cn/saml", "urn:amazon:webservices:cn-north-1")
        );
        assert!(ServiceProvider::for_partition("aws-mars").is_none());
        for sp in crate::partition::ALL.iter().filter_map(|p| ServiceProvider::for_partition(p.id)) {
            let doc = AuthnRequest { sp: sp.clone(), ..fixed() }.to_envelope();
            let env = xml::parse(&doc).unwrap();
            let req = &env.children[0].children[0];
            assert_eq!(req.children[0].text, sp.entity_id);
        }
    }

    #[test]
    fn ids_are_random_ncnames_and_values_are_escaped() {
        let a = AuthnRequest::new(ServiceProvider::aws()).unwrap();
        let b = AuthnRequest::new(ServiceProvider::aws()).unwrap();
        assert_ne!(a.id, b.id);
        assert_eq!(a.id.len(), 33);
        assert!(a.id.starts_with('_') && a.id[1..].bytes().all(|c| c.is_ascii_hexdigit()));

        let sp =
            ServiceProvider { acs_url: "https://x/saml?a=1&b=\"2\"".into(), entity_id: "urn:<odd>&".into() };
        let doc = AuthnRequest { sp, ..fixed() }.to_envelope();
        let env = xml::parse(&doc).unwrap();
        let req = &env.children[0].children[0];
        assert_eq!(req.attr("AssertionConsumerServiceURL"), Some("https://x/saml?a=1&b=\"2\""));
        assert_eq!(req.children[0].text, "urn:<odd>&");
    }
}
