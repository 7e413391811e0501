"""A standalone SAML 2.0 Assertion for AWS, signed with the test IdP's key by xmlsec1.

For the stand-ins that hand out SAML without an ECP exchange (tests/oidc/exchange.py, the RFC 8693
token exchange to SAML): the STS front verifies it with the IdP's certificate, as it does the
IdP's own assertions. The signature is enveloped, over the Assertion by its ID, exclusive c14n,
RSA-SHA256 — what Shibboleth and Keycloak send.
"""

import datetime as dt
import secrets
import subprocess
import tempfile
from xml.sax.saxutils import escape, quoteattr

SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
SAMLP_NS = "urn:oasis:names:tc:SAML:2.0:protocol"
AWS_ACS_URL = "https://signin.aws.amazon.com/saml"
ROLE_ATTR = "https://aws.amazon.com/SAML/Attributes/Role"
ROLE_SESSION_NAME_ATTR = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
SESSION_DURATION_ATTR = "https://aws.amazon.com/SAML/Attributes/SessionDuration"
ENTITY_ID = "https://idp.example.org/idp/shibboleth"

# Empty DigestValue and SignatureValue: xmlsec1 --sign fills them in.
SIGNATURE_TEMPLATE = (
    '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>'
    '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
    '<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
    '<ds:Reference URI="#{id}"><ds:Transforms>'
    '<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
    '<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>'
    '<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
    "<ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/>"
    "<ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature>"
)


def instant(when):
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _attribute(name, values):
    inner = "".join(f"<saml:AttributeValue>{escape(v)}</saml:AttributeValue>" for v in values)
    return (f'<saml:Attribute Name={quoteattr(name)} '
            f'NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">{inner}</saml:Attribute>')


def build(subject, roles, session_name, audience, ttl, session_duration=None, now=None):
    """The unsigned Assertion (text) and its ID. `roles` are "role ARN,provider ARN" values;
    `ttl` seconds bound Conditions and the bearer confirmation (negative: already expired)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    aid = "_" + secrets.token_hex(16)
    until = instant(now + dt.timedelta(seconds=ttl))
    attrs = []
    if roles:
        attrs.append(_attribute(ROLE_ATTR, roles))
    attrs.append(_attribute(ROLE_SESSION_NAME_ATTR, [session_name]))
    if session_duration is not None:
        attrs.append(_attribute(SESSION_DURATION_ATTR, [str(session_duration)]))
    xml = (
        f'<saml:Assertion xmlns:saml="{SAML_NS}" ID="{aid}" Version="2.0" IssueInstant="{instant(now)}">'
        f"<saml:Issuer>{escape(ENTITY_ID)}</saml:Issuer>"
        + SIGNATURE_TEMPLATE.format(id=aid)
        + "<saml:Subject>"
        f'<saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">{escape(subject)}</saml:NameID>'
        '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
        f'<saml:SubjectConfirmationData NotOnOrAfter="{until}" Recipient="{AWS_ACS_URL}"/>'
        "</saml:SubjectConfirmation></saml:Subject>"
        f'<saml:Conditions NotBefore="{instant(now - dt.timedelta(seconds=5))}" NotOnOrAfter="{until}">'
        f"<saml:AudienceRestriction><saml:Audience>{escape(audience)}</saml:Audience>"
        "</saml:AudienceRestriction></saml:Conditions>"
        f'<saml:AuthnStatement AuthnInstant="{instant(now)}" SessionIndex="{aid}">'
        "<saml:AuthnContext><saml:AuthnContextClassRef>"
        "urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified</saml:AuthnContextClassRef>"
        "</saml:AuthnContext></saml:AuthnStatement>"
        f"<saml:AttributeStatement>{''.join(attrs)}</saml:AttributeStatement>"
        "</saml:Assertion>"
    )
    return xml, aid


def sign(xml, aid, key_file, cert_file):
    """xmlsec1 fills in the signature; returns the signed Assertion's bytes."""
    with tempfile.NamedTemporaryFile(suffix=".xml") as tmpl:
        tmpl.write(xml.encode())
        tmpl.flush()
        proc = subprocess.run(
            ["xmlsec1", "--sign", "--privkey-pem", f"{key_file},{cert_file}",
             "--id-attr:ID", f"{SAML_NS}:Assertion", "--node-id", aid, tmpl.name],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)
    if proc.returncode != 0:
        raise RuntimeError(f"xmlsec1 --sign failed: {proc.stderr.decode(errors='replace')[:500]}")
    signed = proc.stdout
    if signed.startswith(b"<?xml"):
        signed = signed[signed.index(b"?>") + 2:].lstrip()
    return signed


def signed(key_file, cert_file, **fields):
    """build() then sign(): the signed Assertion's bytes."""
    xml, aid = build(**fields)
    return sign(xml, aid, key_file, cert_file)


def in_response(assertion):
    """An unsigned samlp:Response (Status Success, addressed to AWS) around the signed
    assertion's bytes, untouched — what an IdP's POST form carries."""
    head = (f'<samlp:Response xmlns:samlp="{SAMLP_NS}" Destination="{AWS_ACS_URL}" ID="_{secrets.token_hex(16)}" '
            f'Version="2.0" IssueInstant="{instant(dt.datetime.now(dt.timezone.utc))}">'
            '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>')
    return head.encode() + assertion + b"</samlp:Response>"
