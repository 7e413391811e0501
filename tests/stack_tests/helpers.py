"""Building ECP requests and manipulating SAML for the stack's own tests.

The tests play the part of `aws-login` here (build the SOAP AuthnRequest, cut
the Response out of the answer, call STS), so that the IdP and the STS front
are known to behave before the Rust client is tested against them.
"""

import base64
import copy
import datetime as dt
import re
import subprocess
import tempfile
import uuid

from lxml import etree

SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SAMLP_NS = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
ECP_NS = "urn:oasis:names:tc:SAML:2.0:profiles:SSO:ecp"
NS = {"soap11": SOAP11_NS, "samlp": SAMLP_NS, "saml": SAML_NS, "ds": DS_NS, "ecp": ECP_NS}
PAOS = "urn:oasis:names:tc:SAML:2.0:bindings:PAOS"
AWS_ACS = "https://signin.aws.amazon.com/saml"
STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"

ACCT1, ACCT2 = "111122223333", "444455556666"
PROVIDER1 = f"arn:aws:iam::{ACCT1}:saml-provider/TestIdP"
PROVIDER2 = f"arn:aws:iam::{ACCT2}:saml-provider/TestIdP"
DEVELOPER = f"arn:aws:iam::{ACCT1}:role/Developer"
READONLY = f"arn:aws:iam::{ACCT1}:role/ReadOnly"
TEAM_ADMIN = f"arn:aws:iam::{ACCT2}:role/team/Admin"


def utc_now():
    return dt.datetime.now(dt.timezone.utc)


def saml_instant(when):
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def authn_request_envelope(issuer="urn:amazon:webservices", acs=AWS_ACS, binding=PAOS,
                           version="2.0", request_id=None, issue_instant=None):
    """The SOAP envelope aws-login sends: no Header, an AuthnRequest in Body."""
    request_id = request_id or "_" + uuid.uuid4().hex
    issue_instant = issue_instant or saml_instant(utc_now())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<S:Envelope xmlns:S="{SOAP11_NS}"><S:Body>'
        f'<samlp:AuthnRequest xmlns:samlp="{SAMLP_NS}" xmlns:saml="{SAML_NS}"'
        f' AssertionConsumerServiceURL="{acs}" ID="{request_id}" IssueInstant="{issue_instant}"'
        f' ProtocolBinding="{binding}" Version="{version}">'
        f"<saml:Issuer>{issuer}</saml:Issuer>"
        "</samlp:AuthnRequest></S:Body></S:Envelope>"
    ).encode()


def parse(xml_bytes):
    return etree.fromstring(xml_bytes, etree.XMLParser(resolve_entities=False, no_network=True))


def response_element(envelope_bytes):
    root = parse(envelope_bytes)
    resp = root.find("soap11:Body/samlp:Response", NS)
    assert resp is not None, envelope_bytes[:500]
    return resp


def extract_response(envelope_bytes):
    """The Response as standalone XML. lxml copies the in-scope namespace
    declarations (saml2p lives on the Envelope) onto the serialised element,
    which is what a client must do too."""
    return etree.tostring(response_element(envelope_bytes))


def response_b64(envelope_bytes):
    return base64.b64encode(extract_response(envelope_bytes)).decode()


def status_of(envelope_bytes):
    """(top StatusCode, nested StatusCode or None, StatusMessage or None)."""
    resp = response_element(envelope_bytes)
    top = resp.find("samlp:Status/samlp:StatusCode", NS)
    nested = top.find("samlp:StatusCode", NS)
    msg = resp.find("samlp:Status/samlp:StatusMessage", NS)
    return (top.get("Value"), nested.get("Value") if nested is not None else None,
            msg.text if msg is not None else None)


def xmlsec_verify(xml_bytes, cert):
    with tempfile.NamedTemporaryFile(suffix=".xml") as tmp:
        tmp.write(xml_bytes)
        tmp.flush()
        proc = subprocess.run(
            ["xmlsec1", "--verify", "--enabled-key-data", "raw-x509-cert",
             "--pubkey-cert-pem", cert, "--id-attr:ID", f"{SAML_NS}:Assertion", tmp.name],
            capture_output=True, text=True)
    return proc.returncode == 0


def resign(response_xml, key, cert, edit):
    """Let `edit(assertion_element)` change the Assertion, then sign it again
    with the IdP's own key: a correctly signed assertion with chosen content
    (expired, wrong audience...), to test the checks behind the signature."""
    resp = parse(response_xml)
    assertion = resp.find("saml:Assertion", NS)
    edit(assertion)
    with tempfile.TemporaryDirectory() as tmp:
        src, out = f"{tmp}/in.xml", f"{tmp}/out.xml"
        with open(src, "wb") as fh:
            fh.write(etree.tostring(resp))
        subprocess.run(
            ["xmlsec1", "--sign", "--privkey-pem", f"{key},{cert}",
             "--id-attr:ID", f"{SAML_NS}:Assertion", "--output", out, src],
            check=True, capture_output=True)
        with open(out, "rb") as fh:
            return fh.read()


def b64(xml_bytes):
    return base64.b64encode(xml_bytes).decode()


def sts_error(resp):
    """(Type, Code, Message) of an STS ErrorResponse."""
    root = parse(resp.content)
    assert root.tag == f"{{{STS_NS}}}ErrorResponse", resp.text
    err = root.find(f"{{{STS_NS}}}Error")
    assert root.find(f"{{{STS_NS}}}RequestId").text
    return tuple(err.find(f"{{{STS_NS}}}{n}").text for n in ("Type", "Code", "Message"))


def credentials(resp):
    """Credentials dict from an AssumeRoleWithSAMLResponse."""
    root = parse(resp.content)
    creds = root.find(f".//{{{STS_NS}}}Credentials")
    out = {el.tag.split("}")[1]: el.text for el in creds}
    out["Arn"] = root.find(f".//{{{STS_NS}}}AssumedRoleUser/{{{STS_NS}}}Arn").text
    return out


def expiration(creds):
    return dt.datetime.strptime(creds["Expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)


def naive_cut(envelope_bytes):
    """What a careless client does: cut the Response's text out of the
    envelope without its namespace context."""
    text = envelope_bytes.decode()
    return re.search(r"<saml2p:Response\b.*</saml2p:Response>", text, re.S).group(0).encode()


def deep(el):
    return copy.deepcopy(el)
