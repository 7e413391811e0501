"""What AWS STS checks in an AssumeRoleWithSAML assertion, for the STS front.

moto checks nothing (no signature, no times, no audience), so the front runs
`check_assertion` first. Each failure raises StsError with the error code real
STS uses. The central rule: attributes are read only from the very bytes that
xmlsec1 verified, so an unsigned, tampered or "wrapped" assertion (a second,
unsigned Assertion next to the signed one) can never be what we read.
"""

import base64
import binascii
import copy
import datetime as dt
import os
import hashlib
import re
import subprocess
import tempfile
import threading
from collections import OrderedDict

from lxml import etree

SAMLP_NS = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
NS = {"samlp": SAMLP_NS, "saml": SAML_NS, "ds": DS_NS}

ROLE_ATTR = "https://aws.amazon.com/SAML/Attributes/Role"
ROLE_SESSION_NAME_ATTR = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
SESSION_DURATION_ATTR = "https://aws.amazon.com/SAML/Attributes/SessionDuration"
AWS_ACS_URL = "https://signin.aws.amazon.com/saml"
AUDIENCES = {"urn:amazon:webservices", AWS_ACS_URL}
STATUS_SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
CLOCK_SKEW = dt.timedelta(seconds=60)
# Transforms a SAML signature legitimately uses; anything else (XPath, XSLT)
# is refused before xmlsec1 sees it.
ALLOWED_TRANSFORMS = {
    "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
    "http://www.w3.org/2001/10/xml-exc-c14n#",
    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
}
ROLE_SESSION_NAME_RE = re.compile(r"^[\w+=,.@-]{2,64}$")

# Digests of (assertion bytes, certificate bytes) xmlsec1 has already verified. One login sends
# the same assertion once per role (`login --all-roles`: twenty): a signature check is a pure
# function of those bytes, so it runs once, as a real STS fleet's would not run serialised on
# two cores. Only successes are kept; a changed byte in either is a new key and a new check.
_VERIFIED = OrderedDict()
_VERIFIED_LOCK = threading.Lock()
_VERIFIED_MAX = 256


class StsError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def invalid(message):
    return StsError("InvalidIdentityToken", message)


def _parser():
    # No DTDs, no entities, no network: what a hardened SAML consumer does.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False)


def _parse(data):
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError:
        raise invalid("Response is not well-formed XML") from None
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise invalid("DTDs are not allowed in SAML responses")
    return root


def _text(el):
    # XPath string(): all descendant text nodes, comments excluded - the same
    # text exclusive c14n (without comments) signed.
    return el.xpath("string()")


def _instant(value, what):
    try:
        parsed = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise invalid(f"Malformed {what}: {value!r}") from None
    if parsed.tzinfo is None:
        raise invalid(f"{what} has no time zone: {value!r}")
    return parsed


def decode_response(b64):
    """Base64 -> bytes, as STS does (line breaks tolerated, nothing else)."""
    cleaned = re.sub(r"[\r\n]", "", b64 or "")
    try:
        return base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        raise invalid("Invalid base64 SAMLResponse") from None


def verified_assertion(doc_bytes, cert_path):
    """Return the signed Assertion as its own document, after xmlsec1 has
    verified exactly those bytes against the IdP certificate."""
    root = _parse(doc_bytes)
    if root.tag != f"{{{SAMLP_NS}}}Response":
        raise invalid("Expected a saml2p:Response")
    status = root.find("samlp:Status/samlp:StatusCode", NS)
    if status is None or status.get("Value") != STATUS_SUCCESS:
        raise invalid("SAML Response status is not Success")
    if root.findall(".//saml:EncryptedAssertion", NS):
        raise invalid("Encrypted assertions are not supported by this test STS")
    assertions = root.findall(".//saml:Assertion", NS)
    if len(assertions) != 1 or assertions[0].getparent() is not root:
        raise invalid("Response must contain exactly one Assertion, as its child")

    # Cut the Assertion out as a standalone document (lxml copies the
    # namespace declarations it needs) and verify those bytes.
    standalone = etree.tostring(copy.deepcopy(assertions[0]))
    assertion = _parse(standalone)
    aid = assertion.get("ID")
    if not aid:
        raise invalid("Assertion has no ID")
    if len(assertion.xpath("//@ID")) != 1:
        raise invalid("Assertion contains duplicate or nested ID attributes")
    sigs = assertion.findall(".//ds:Signature", NS)
    if not sigs:
        raise invalid("Assertion is not signed")
    if len(sigs) != 1 or sigs[0].getparent() is not assertion:
        raise invalid("Assertion must carry exactly one enveloped Signature")
    refs = sigs[0].findall("ds:SignedInfo/ds:Reference", NS)
    if len(refs) != 1 or refs[0].get("URI") != f"#{aid}":
        raise invalid("Signature does not reference the Assertion")
    for tr in refs[0].findall("ds:Transforms/ds:Transform", NS):
        if tr.get("Algorithm") not in ALLOWED_TRANSFORMS:
            raise invalid(f"Signature transform not allowed: {tr.get('Algorithm')}")

    try:
        with open(cert_path, "rb") as fh:
            cert = fh.read()
    except FileNotFoundError:
        raise StsError("InternalFailure", "IdP certificate not found") from None
    key = (hashlib.sha256(standalone).digest(), hashlib.sha256(cert).digest(), aid)
    with _VERIFIED_LOCK:
        if key in _VERIFIED:
            _VERIFIED.move_to_end(key)
            return assertion, root
    _xmlsec_verify(standalone, cert, aid)
    with _VERIFIED_LOCK:
        _VERIFIED[key] = True
        while len(_VERIFIED) > _VERIFIED_MAX:
            _VERIFIED.popitem(last=False)
    return assertion, root


def _xmlsec_verify(standalone, cert, aid):
    # The certificate checked is the one hashed into the cache key, not the file as it may be now.
    with tempfile.NamedTemporaryFile(suffix=".xml") as tmp, \
            tempfile.NamedTemporaryFile(suffix=".pem") as cert_file:
        tmp.write(standalone)
        tmp.flush()
        cert_file.write(cert)
        cert_file.flush()
        proc = subprocess.run(
            ["xmlsec1", "--verify",
             "--enabled-reference-uris", "same-doc",   # no external references
             "--enabled-key-data", "raw-x509-cert",    # only the key we pass
             "--pubkey-cert-pem", cert_file.name,
             "--id-attr:ID", f"{SAML_NS}:Assertion",
             "--node-id", aid,
             tmp.name],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20,
        )
    if proc.returncode != 0:
        raise invalid("Invalid SAML signature: the assertion's signature does not verify "
                      "with the identity provider's certificate")


def check_assertion(b64, cert_path, now=None):
    """Validate like STS; returns a dict with the attributes the front needs."""
    now = now or dt.datetime.now(dt.timezone.utc)
    assertion, response_root = verified_assertion(decode_response(b64), cert_path)

    dest = response_root.get("Destination")
    if dest is not None and dest != AWS_ACS_URL:
        raise invalid(f"Response Destination {dest!r} is not {AWS_ACS_URL}")

    # Time conditions and audience.
    cond = assertion.find("saml:Conditions", NS)
    if cond is None:
        raise invalid("Assertion has no Conditions")
    not_before = cond.get("NotBefore")
    if not_before and _instant(not_before, "NotBefore") - CLOCK_SKEW > now:
        raise StsError("ExpiredTokenException", "Assertion is not yet valid (NotBefore is in the future)")
    not_after = cond.get("NotOnOrAfter")
    if not_after and _instant(not_after, "NotOnOrAfter") + CLOCK_SKEW <= now:
        raise StsError("ExpiredTokenException", "Token is expired")
    audiences = {_text(a).strip() for a in cond.findall("saml:AudienceRestriction/saml:Audience", NS)}
    if not audiences & AUDIENCES:
        raise invalid("Audience restriction does not include urn:amazon:webservices "
                      "or https://signin.aws.amazon.com/saml")

    # Bearer subject confirmation, addressed to the AWS ACS.
    confirmations = assertion.findall("saml:Subject/saml:SubjectConfirmation", NS)
    bearer = [c for c in confirmations if c.get("Method") == BEARER]
    if not bearer:
        raise invalid("Assertion has no bearer SubjectConfirmation")
    data = bearer[0].find("saml:SubjectConfirmationData", NS)
    if data is not None:
        recipient = data.get("Recipient")
        if recipient is not None and recipient != AWS_ACS_URL:
            raise invalid(f"SubjectConfirmationData Recipient {recipient!r} is not {AWS_ACS_URL}")
        sc_after = data.get("NotOnOrAfter")
        if sc_after and _instant(sc_after, "NotOnOrAfter") + CLOCK_SKEW <= now:
            raise StsError("ExpiredTokenException", "Token is expired")

    attrs = {}
    for attr in assertion.findall("saml:AttributeStatement/saml:Attribute", NS):
        values = [_text(v) for v in attr.findall("saml:AttributeValue", NS)]
        attrs.setdefault(attr.get("Name"), []).extend(values)

    session_name = (attrs.get(ROLE_SESSION_NAME_ATTR) or [""])[0].strip()
    if not ROLE_SESSION_NAME_RE.match(session_name):
        raise invalid("RoleSessionName attribute is missing or not valid")
    session_duration = None
    if attrs.get(SESSION_DURATION_ATTR):
        try:
            session_duration = int(attrs[SESSION_DURATION_ATTR][0].strip())
        except ValueError:
            raise invalid("SessionDuration attribute is not an integer") from None
    issuer = assertion.find("saml:Issuer", NS)
    return {
        "issuer": _text(issuer).strip() if issuer is not None else None,
        "roles": [[part.strip() for part in value.split(",")] for value in attrs.get(ROLE_ATTR, [])],
        "role_session_name": session_name,
        "session_duration": session_duration,
    }


def role_pair_allowed(roles, role_arn, principal_arn):
    """The RoleArn/PrincipalArn pair must appear together in one Role value,
    in either order."""
    want = {role_arn.strip(), principal_arn.strip()}
    return any(len(parts) == 2 and set(parts) == want for parts in roles)


def moto_assertion(role_arn, principal_arn, session_name, duration):
    """A minimal Response moto can digest: one role (role ARN first, since moto
    takes the first comma part as the role) plus RoleSessionName and
    SessionDuration (at least two Attributes, or moto's xmltodict walk breaks)."""
    from xml.sax.saxutils import escape

    def attribute(name, value):
        return (f'<saml:Attribute Name="{name}"><saml:AttributeValue>{escape(value)}'
                "</saml:AttributeValue></saml:Attribute>")

    xml = (
        f'<samlp:Response xmlns:samlp="{SAMLP_NS}" xmlns:saml="{SAML_NS}"><saml:Assertion>'
        "<saml:AttributeStatement>"
        + attribute(ROLE_ATTR, f"{role_arn},{principal_arn}")
        + attribute(ROLE_SESSION_NAME_ATTR, session_name)
        + attribute(SESSION_DURATION_ATTR, str(duration))
        + "</saml:AttributeStatement></saml:Assertion></samlp:Response>"
    )
    return base64.b64encode(xml.encode()).decode()
