"""SAML side of the test IdP: pysaml2 configuration and metadata, parsing the
ECP AuthnRequest, and building Shibboleth-like SOAP answers.

pysaml2 does the real SAML work (request parsing, assertion building, RSA-SHA256
signing through xmlsec1); this module only shapes its input and output the way a
Shibboleth IdP does, so that `aws-login` is tested against realistic XML.
"""

import base64
import datetime as dt
import json
import os
import secrets
import shutil
import threading

from lxml import etree
from saml2 import BINDING_HTTP_POST, BINDING_PAOS, BINDING_SOAP, saml, samlp
from saml2 import ElementTree as _ET
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_TRANSIENT
from saml2.server import Server
from saml2.xml import schema as saml_schema
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

SAMLP_NS = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"
ECP_NS = "urn:oasis:names:tc:SAML:2.0:profiles:SSO:ecp"


def use_shibboleth_prefixes():
    """Make pysaml2 serialise with Shibboleth's prefixes (saml2p/saml2/ds)
    instead of ns0/ns1/ns2. ElementTree's prefix registry is process-global
    and xmlschema rewrites it with the *client's* prefixes while reporting a
    schema error, so this runs (under the lock) before every response."""
    for prefix, uri in (("saml2p", SAMLP_NS), ("saml2", SAML_NS), ("ds", DS_NS),
                        ("xs", "http://www.w3.org/2001/XMLSchema")):
        _ET.register_namespace(prefix, uri)


AWS_SP_ENTITY_ID = "urn:amazon:webservices"
AWS_ACS_URL = "https://signin.aws.amazon.com/saml"
ROLE_ATTR = "https://aws.amazon.com/SAML/Attributes/Role"
ROLE_SESSION_NAME_ATTR = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
SESSION_DURATION_ATTR = "https://aws.amazon.com/SAML/Attributes/SessionDuration"
ECP_PATH = "/idp/profile/SAML2/SOAP/ECP"
DEFAULT_ENTITY_ID = "https://idp.example.org/idp/shibboleth"
ASSERTION_LIFETIME_MINUTES = 5
# Shibboleth accepts requests issued within its clock skew / message lifetime.
REQUEST_MAX_SKEW = dt.timedelta(minutes=5)

STATUS_RESPONDER = "urn:oasis:names:tc:SAML:2.0:status:Responder"
STATUS_AUTHN_FAILED = "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"

# The AWS sign-in SP as the IdP knows it: HTTP-POST for browsers (index 1),
# PAOS for ECP clients like aws-login (index 2).
SP_METADATA = f"""<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{AWS_SP_ENTITY_ID}">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAssertionsSigned="true">
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:AssertionConsumerService index="1" isDefault="true" Binding="{BINDING_HTTP_POST}" Location="{AWS_ACS_URL}"/>
    <md:AssertionConsumerService index="2" Binding="{BINDING_PAOS}" Location="{AWS_ACS_URL}"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
"""


class BadRequest(Exception):
    """The ECP request is not one the IdP accepts (answered as a SOAP fault)."""


def _write_if_changed(path, text):
    try:
        with open(path, encoding="utf-8") as fh:
            if fh.read() == text:
                return
    except FileNotFoundError:
        pass
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def _now():
    return dt.datetime.now(dt.timezone.utc)


def _parse_instant(text):
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("no time zone")
    return value


class SamlIdp:
    """pysaml2 IdP for the one SP that matters (AWS), answering ECP requests."""

    def __init__(self, state_dir, base_url, key_file, cert_file, entity_id=DEFAULT_ENTITY_ID):
        self.state_dir = os.path.abspath(state_dir)
        self.entity_id = entity_id
        self.key_file, self.cert_file = key_file, cert_file
        sp_md = os.path.join(self.state_dir, "sp-metadata.xml")
        _write_if_changed(sp_md, SP_METADATA)
        xmlsec = shutil.which("xmlsec1")
        if not xmlsec:
            raise RuntimeError("xmlsec1 not found (run tests/stack/install.sh)")
        self.config_dict = {
            "entityid": entity_id,
            "key_file": self.key_file,
            "cert_file": self.cert_file,
            "xmlsec_binary": xmlsec,
            "metadata": {"local": [sp_md]},
            "service": {"idp": {
                "name": "aws-login test IdP",
                "endpoints": {"single_sign_on_service": [
                    (base_url + ECP_PATH, BINDING_SOAP)]},
                # Assertions live 5 minutes (Conditions and bearer
                # SubjectConfirmationData), like Shibboleth's default.
                "policy": {"default": {
                    "lifetime": {"minutes": ASSERTION_LIFETIME_MINUTES},
                    "name_form": NAME_FORMAT_URI}},
                "subject_data": ("dict", None),
            }},
        }
        _write_if_changed(os.path.join(self.state_dir, "idp-config.json"),
                          json.dumps(self.config_dict, indent=1, sort_keys=True) + "\n")
        self.server = Server(config=IdPConfig().load(self.config_dict))
        _write_if_changed(os.path.join(self.state_dir, "idp-metadata.xml"),
                          create_metadata_string(None, config=self.server.config).decode())
        # pysaml2's Server is not documented as thread-safe (ident store, temp
        # files for xmlsec1) and the prefix registry is global: parsing and
        # building (a few ms, ~20 ms with signing) hold this lock.
        self._lock = threading.Lock()

    # -- request side --------------------------------------------------------

    def parse_ecp_request(self, body):
        """Parse the SOAP envelope and its AuthnRequest; raise BadRequest with a
        descriptive message for anything Shibboleth would refuse."""
        with self._lock:
            return self._parse_ecp_request(body)

    def _parse_ecp_request(self, body):
        parser = etree.XMLParser(resolve_entities=False, no_network=True,
                                 load_dtd=False, remove_comments=True)
        try:
            root = etree.fromstring(body, parser)
        except etree.XMLSyntaxError as exc:
            raise BadRequest(f"Request is not well-formed XML: {exc}") from None
        if root.getroottree().docinfo.doctype:
            raise BadRequest("DTDs are not allowed in SOAP messages")
        if root.tag != f"{{{SOAP11_NS}}}Envelope":
            raise BadRequest(f"Expected a SOAP 1.1 Envelope, got {root.tag}")
        body_el = root.find(f"{{{SOAP11_NS}}}Body")
        if body_el is None:
            raise BadRequest("SOAP Envelope has no Body")
        children = [c for c in body_el if isinstance(c.tag, str)]
        if len(children) != 1 or children[0].tag != f"{{{SAMLP_NS}}}AuthnRequest":
            raise BadRequest("SOAP Body must contain exactly one saml2p:AuthnRequest")

        request_xml = etree.tostring(children[0])
        # Like Shibboleth, validate the message against the SAML protocol
        # schema (pysaml2 loads it at import anyway): element order, required
        # attributes and value types of the client's AuthnRequest all count.
        try:
            saml_schema.validate(request_xml.decode())
        except saml_schema.XMLSchemaError as exc:
            detail = exc.args[0].get("error", "") if exc.args and isinstance(exc.args[0], dict) else str(exc)
            detail = " ".join(detail.split())  # keep xmlschema's "Reason: ..." part
            detail = detail.split("Reason:", 1)[-1].split(" Schema:", 1)[0].strip()
            raise BadRequest(f"AuthnRequest is not valid against the SAML 2.0 schema: {detail[:300]}") from None
        req = samlp.authn_request_from_string(request_xml)
        if req is None:
            raise BadRequest("Unable to decode the AuthnRequest")
        if not req.id:
            raise BadRequest("AuthnRequest has no ID")
        if req.version != "2.0":
            raise BadRequest(f"Unsupported SAML version {req.version!r} (expected 2.0)")
        if not req.issue_instant:
            raise BadRequest("AuthnRequest has no IssueInstant")
        try:
            issued = _parse_instant(req.issue_instant)
        except ValueError:
            raise BadRequest(f"Malformed IssueInstant {req.issue_instant!r}") from None
        if abs(_now() - issued) > REQUEST_MAX_SKEW:
            raise BadRequest(f"Message expired: IssueInstant {req.issue_instant} is "
                             "outside the allowed clock skew")
        issuer = req.issuer.text.strip() if req.issuer is not None and req.issuer.text else None
        if not issuer:
            raise BadRequest("AuthnRequest has no Issuer")
        if issuer not in self.server.metadata.keys():
            raise BadRequest(f"Unknown service provider {issuer!r}: no metadata")
        if req.protocol_binding != BINDING_PAOS:
            raise BadRequest(f"Unsupported ProtocolBinding {req.protocol_binding!r} "
                             f"(ECP requires {BINDING_PAOS})")
        if not req.assertion_consumer_service_url:
            raise BadRequest("AuthnRequest has no AssertionConsumerServiceURL")
        # (pysaml2's Server.verify_assertion_consumer_service expects metadata
        # objects but its metadata store returns dicts: do the lookup here.)
        paos_acs = [acs.get("location") for acs in
                    self.server.metadata.assertion_consumer_service(issuer, BINDING_PAOS)]
        if req.assertion_consumer_service_url not in paos_acs:
            raise BadRequest(f"AssertionConsumerServiceURL {req.assertion_consumer_service_url!r} "
                             f"is not a PAOS endpoint of {issuer} in its metadata")
        return {"id": req.id, "issuer": issuer, "acs": req.assertion_consumer_service_url}

    # -- response side -------------------------------------------------------

    def success(self, request, user, roles, session_duration, header_acs=None):
        """SOAP answer with a Response carrying a signed Assertion; the ecp:Response
        header names header_acs if given, else the request's ACS."""
        identity = {
            ROLE_SESSION_NAME_ATTR: user,
            SESSION_DURATION_ATTR: str(session_duration),
        }
        if roles:  # like Shibboleth, no values means no Attribute at all
            identity[ROLE_ATTR] = list(roles)
        name_id = saml.NameID(format=NAMEID_FORMAT_TRANSIENT,
                              name_qualifier=self.entity_id,
                              sp_name_qualifier=request["issuer"],
                              text="_" + secrets.token_hex(16))
        with self._lock:
            use_shibboleth_prefixes()
            response = self.server.create_authn_response(
                identity, request["id"], request["acs"], request["issuer"],
                name_id=name_id,
                authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
                       "authn_auth": self.entity_id},
                sign_assertion=True, sign_response=False,
                sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256,
            )
        return self._envelope(str(response), header_acs or request["acs"])

    def failure(self, request, message, second_level=STATUS_AUTHN_FAILED):
        """SOAP answer with a Response whose status is Responder/<second_level>."""
        with self._lock:
            use_shibboleth_prefixes()
            response = self.server.create_error_response(
                request["id"], request["acs"], (second_level, message), sign=False)
        return self._envelope(str(response), request["acs"])

    @staticmethod
    def _envelope(response_xml, acs):
        """Wrap a pysaml2 Response like Shibboleth does.

        Shibboleth declares xmlns:soap11 on the Envelope only. Here the saml2p
        prefix of the Response is also declared only on the Envelope (we move
        it there), so a client that cuts the Response out of the envelope must
        carry the in-scope namespace declarations along, or it gets XML that
        does not parse. The signature covers the Assertion with exclusive c14n,
        which only includes namespaces the Assertion itself uses, so moving the
        saml2p declaration does not affect it.
        """
        if response_xml.startswith("<?xml"):
            response_xml = response_xml[response_xml.index("?>") + 2:].lstrip()
        start_end = response_xml.index(">")
        start_tag, rest = response_xml[:start_end], response_xml[start_end:]
        decl = f' xmlns:saml2p="{SAMLP_NS}"'
        if not start_tag.startswith("<saml2p:Response") or decl not in start_tag:
            raise RuntimeError("unexpected pysaml2 output: " + start_tag[:200])
        response_xml = start_tag.replace(decl, "", 1) + rest
        envelope = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<soap11:Envelope xmlns:soap11="{SOAP11_NS}" xmlns:saml2p="{SAMLP_NS}">'
            "<soap11:Header>"
            f'<ecp:Response xmlns:ecp="{ECP_NS}" AssertionConsumerServiceURL="{acs}"'
            ' soap11:actor="http://schemas.xmlsoap.org/soap/actor/next"'
            ' soap11:mustUnderstand="1"/>'
            "</soap11:Header>"
            f"<soap11:Body>{response_xml}</soap11:Body>"
            "</soap11:Envelope>"
        )
        etree.fromstring(envelope.encode())  # never ship something that does not parse
        return envelope


def soap_fault(faultcode, faultstring):
    """A SOAP 1.1 Fault the way Shibboleth sends one."""
    from xml.sax.saxutils import escape

    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soap11:Envelope xmlns:soap11="{SOAP11_NS}"><soap11:Body><soap11:Fault>'
        f"<faultcode>{escape(faultcode)}</faultcode>"
        f"<faultstring>{escape(faultstring)}</faultstring>"
        "</soap11:Fault></soap11:Body></soap11:Envelope>"
    )


def decode_basic(header):
    """(user, password) from an `Authorization: Basic ...` header, else None.
    The password may contain ':' (only the first one separates)."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        raw = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    user, sep, password = raw.partition(":")
    return (user, password) if sep else None
