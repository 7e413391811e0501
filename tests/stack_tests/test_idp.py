"""The test IdP answers ECP like a Shibboleth IdP with Duo."""

import base64
import json
import threading
import time

import pytest
import requests
from lxml import etree

import helpers as h
from conftest import IDP_DEFAULTS, USERS, start_idp, wait_ready

SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
RESPONDER = "urn:oasis:names:tc:SAML:2.0:status:Responder"
AUTHN_FAILED = "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"


def test_ready_file_shape(stack):
    assert set(stack.idp) == {"base_url", "ecp_url", "entity_id", "cert", "pid"}
    assert stack.idp["ecp_url"] == stack.idp["base_url"] + "/idp/profile/SAML2/SOAP/ECP"
    assert stack.idp["base_url"].startswith("http://127.0.0.1:")
    assert set(stack.sts) == {"url", "moto_url", "pid"}


def test_valid_request_gets_signed_shibboleth_like_answer(stack):
    request_id = "_" + "ab" * 16
    r = stack.ecp("alice", "alice-pw-Q7", envelope=h.authn_request_envelope(request_id=request_id))
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/xml")
    root = h.parse(r.content)
    # Envelope like Shibboleth's: soap11 prefix, declared on the Envelope only.
    assert root.tag == f"{{{h.SOAP11_NS}}}Envelope" and root.prefix == "soap11"
    ecp = root.find("soap11:Header/ecp:Response", h.NS)
    assert ecp.get("AssertionConsumerServiceURL") == h.AWS_ACS
    assert ecp.get(f"{{{h.SOAP11_NS}}}mustUnderstand") == "1"
    assert ecp.get(f"{{{h.SOAP11_NS}}}actor") == "http://schemas.xmlsoap.org/soap/actor/next"

    resp = h.response_element(r.content)
    assert resp.prefix == "saml2p"
    assert resp.get("Destination") == h.AWS_ACS and resp.get("InResponseTo") == request_id
    assert h.status_of(r.content) == (SUCCESS, None, None)
    assertion = resp.find("saml:Assertion", h.NS)
    assert assertion.prefix == "saml2"
    sig = assertion.find("ds:Signature", h.NS)
    assert sig.find("ds:SignedInfo/ds:SignatureMethod", h.NS).get("Algorithm").endswith("rsa-sha256")
    assert sig.find("ds:SignedInfo/ds:CanonicalizationMethod", h.NS).get("Algorithm") == \
        "http://www.w3.org/2001/10/xml-exc-c14n#"
    conf = assertion.find("saml:Subject/saml:SubjectConfirmation", h.NS)
    assert conf.get("Method") == "urn:oasis:names:tc:SAML:2.0:cm:bearer"
    assert conf.find("saml:SubjectConfirmationData", h.NS).get("Recipient") == h.AWS_ACS
    audiences = [a.text for a in assertion.iterfind(".//saml:Audience", h.NS)]
    assert "urn:amazon:webservices" in audiences
    attrs = {a.get("Name"): [v.text for v in a.iterfind("saml:AttributeValue", h.NS)]
             for a in assertion.iterfind("saml:AttributeStatement/saml:Attribute", h.NS)}
    assert attrs["https://aws.amazon.com/SAML/Attributes/Role"] == USERS["alice"]["roles"]
    assert attrs["https://aws.amazon.com/SAML/Attributes/RoleSessionName"] == ["alice"]
    assert attrs["https://aws.amazon.com/SAML/Attributes/SessionDuration"] == ["28800"]

    # The extracted Response (in-scope namespaces carried along) verifies.
    assert h.xmlsec_verify(h.extract_response(r.content), stack.cert)
    # ...while cutting its text out naively yields XML that does not parse.
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(h.naive_cut(r.content))


def test_user_without_roles_gets_no_role_attribute(stack):
    r = stack.login("dave")
    names = [a.get("Name") for a in h.response_element(r.content).iterfind(".//saml:Attribute", h.NS)]
    assert "https://aws.amazon.com/SAML/Attributes/Role" not in names
    assert "https://aws.amazon.com/SAML/Attributes/RoleSessionName" in names


def test_metadata_endpoint(stack):
    r = requests.get(stack.idp["base_url"] + "/idp/shibboleth", timeout=10)
    assert r.status_code == 200 and stack.idp["entity_id"] in r.text


@pytest.mark.parametrize("ctype", ["application/soap+xml", "application/x-www-form-urlencoded", ""])
def test_wrong_content_type_is_refused(stack, ctype):
    r = stack.ecp("alice", "alice-pw-Q7", content_type=ctype)
    assert r.status_code == 415
    assert b"Fault" in r.content and b"text/xml" in r.content


@pytest.mark.parametrize("kwargs, words", [
    ({"issuer": "urn:example:other-sp"}, "Unknown service provider"),
    ({"acs": "https://evil.example/saml"}, "AssertionConsumerServiceURL"),
    ({"binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"}, "ProtocolBinding"),
    ({"version": "1.1"}, "version"),
    ({"issue_instant": "2001-01-01T00:00:00Z"}, "IssueInstant"),
])
def test_invalid_authn_request_is_a_soap_fault(stack, kwargs, words):
    r = stack.ecp("alice", "alice-pw-Q7", envelope=h.authn_request_envelope(**kwargs))
    assert r.status_code == 500
    fault = h.parse(r.content).find("soap11:Body/soap11:Fault", h.NS)
    assert words.lower() in fault.findtext("faultstring").lower()


def test_schema_invalid_authn_request_is_a_soap_fault(stack):
    # Issuer after Extensions breaks the schema's element order.
    env = h.authn_request_envelope().replace(
        b"<saml:Issuer>urn:amazon:webservices</saml:Issuer>", b"").replace(
        b"</samlp:AuthnRequest>",
        b"<saml:Issuer>urn:amazon:webservices</saml:Issuer></samlp:AuthnRequest>").replace(
        b'Version="2.0">', b'Version="2.0"><samlp:NameIDPolicy AllowCreate="true"/>')
    r = stack.ecp("alice", "alice-pw-Q7", envelope=env)
    assert r.status_code == 500
    assert "schema" in h.parse(r.content).findtext(".//faultstring")


def test_not_soap_is_a_soap_fault(stack):
    r = stack.ecp("alice", "alice-pw-Q7", envelope=b"<hello/>")
    assert r.status_code == 500 and b"Envelope" in r.content


@pytest.mark.parametrize("user, password, outcome", [
    (None, None, "no_credentials"),
    ("alice", "wrong", "bad_password"),
    ("mallory", "x", "bad_password"),
])
def test_bad_credentials_get_basic_challenge(stack, user, password, outcome):
    r = stack.ecp(user, password)
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == 'Basic realm="Shibboleth"'
    assert stack.idp_log()[-1]["outcome"] == outcome


def test_password_with_colon_and_non_ascii(stack):
    # erin's password contains ':' and a non-ASCII character (UTF-8 in Basic).
    token = base64.b64encode(f"erin:{USERS['erin']['password']}".encode()).decode()
    r = stack.ecp(headers={"Authorization": f"Basic {token}"})
    assert r.status_code == 200 and h.status_of(r.content)[0] == SUCCESS


def test_duo_push_approved_by_default(stack):
    stack.login("bob")
    entry = stack.idp_log()[-1]
    assert entry["outcome"] == "success" and entry["duo_prompt"] is True and entry["factor"] == "auto"


@pytest.mark.parametrize("duo, factor, message, outcome", [
    ("deny", None, "Duo push denied", "duo_denied"),
    ("deny", "push", "Duo push denied", "duo_denied"),
    ("deny", "phone", "Duo phone call denied", "duo_denied"),
    ("timeout", "auto", "Duo push timed out", "duo_timeout"),
])
def test_duo_push_failures(stack, duo, factor, message, outcome):
    stack.idp_control(duo=duo)
    headers = {"X-Shibboleth-Duo-Factor": factor} if factor else {}
    r = stack.ecp("bob", "bob-pw-K2", headers=headers)
    assert r.status_code == 200
    assert h.status_of(r.content) == (RESPONDER, AUTHN_FAILED, message)
    assert h.response_element(r.content).find("saml:Assertion", h.NS) is None
    assert "Set-Cookie" not in r.headers
    entry = stack.idp_log()[-1]
    assert entry["outcome"] == outcome and entry["duo_prompt"] is True


@pytest.mark.parametrize("factor_header, passcode_header", [
    ("X-Shibboleth-Duo-Factor", "X-Shibboleth-Duo-Passcode"),
    ("X-Shiboleth-Duo-Factor", "X-Shiboleth-Duo-Passcode"),  # legacy misspelling
])
def test_duo_passcode(stack, factor_header, passcode_header):
    ok = stack.ecp("bob", "bob-pw-K2", headers={factor_header: "passcode", passcode_header: "123456"})
    assert h.status_of(ok.content)[0] == SUCCESS
    assert stack.idp_log()[-1]["duo_prompt"] is False
    bad = stack.ecp("bob", "bob-pw-K2", headers={factor_header: "passcode", passcode_header: "000000"})
    assert h.status_of(bad.content)[:2] == (RESPONDER, AUTHN_FAILED)
    assert stack.idp_log()[-1]["outcome"] == "bad_passcode"


def test_duo_sms_and_unknown_factor_fail(stack):
    r = stack.ecp("bob", "bob-pw-K2", headers={"X-Shibboleth-Duo-Factor": "sms"})
    assert h.status_of(r.content) == (RESPONDER, AUTHN_FAILED, "New SMS passcodes sent")
    assert stack.idp_log()[-1]["outcome"] == "sms_sent"
    r = stack.ecp("bob", "bob-pw-K2", headers={"X-Shibboleth-Duo-Factor": "carrier-pigeon"})
    assert h.status_of(r.content)[:2] == (RESPONDER, AUTHN_FAILED)


def test_duo_headers_ignored_for_users_without_duo(stack):
    r = stack.ecp("alice", "alice-pw-Q7", headers={"X-Shibboleth-Duo-Factor": "sms"})
    assert h.status_of(r.content)[0] == SUCCESS
    assert stack.idp_log()[-1]["factor"] is None


def test_push_wait_does_not_block_other_requests(stack):
    stack.idp_control(duo_delay=2)
    results = {}
    slow = threading.Thread(target=lambda: results.setdefault("bob", stack.ecp("bob", "bob-pw-K2")))
    slow.start()
    time.sleep(0.2)
    t0 = time.monotonic()
    fast = stack.ecp("alice", "alice-pw-Q7")
    fast_s = time.monotonic() - t0
    slow.join()
    assert fast.status_code == 200 and fast_s < 1.5
    assert h.status_of(results["bob"].content)[0] == SUCCESS
    bob_entry = [e for e in stack.idp_log() if e["user"] == "bob"][-1]
    assert bob_entry["handling_ms"] >= 2000


def _session_cookie(resp):
    header = resp.headers["Set-Cookie"]
    name_value, *attrs = [part.strip() for part in header.split(";")]
    name, value = name_value.split("=", 1)
    assert name == "shib_idp_session" and value
    assert "Path=/idp" in attrs and "HttpOnly" in attrs
    return value


def test_session_cookie_reuse_and_rotation(stack):
    first = _session_cookie(stack.login("bob"))
    again = stack.ecp(cookies={"shib_idp_session": first})  # no Basic, no Duo
    assert again.status_code == 200 and h.status_of(again.content)[0] == SUCCESS
    entry = stack.idp_log()[-1]
    assert (entry["auth"], entry["user"], entry["duo_prompt"]) == ("cookie", "bob", False)
    second = _session_cookie(again)
    assert second != first  # rotated on every success...
    stale = stack.ecp(cookies={"shib_idp_session": first})
    assert stale.status_code == 401  # ...and the old value is dead
    assert stack.ecp(cookies={"shib_idp_session": second}).status_code == 200


def test_session_cookie_expiry(stack):
    cookie = _session_cookie(stack.login("alice"))
    stack.idp_control(session_ttl=1)
    time.sleep(1.2)
    assert stack.ecp(cookies={"shib_idp_session": cookie}).status_code == 401
    # An expired cookie plus valid Basic credentials is a fresh login.
    r = stack.ecp("alice", "alice-pw-Q7", cookies={"shib_idp_session": cookie})
    assert r.status_code == 200 and stack.idp_log()[-1]["auth"] == "basic"


def test_expire_sessions_knob(stack):
    cookie = _session_cookie(stack.login("alice"))
    stack.idp_control(expire_sessions=True)
    assert stack.ecp(cookies={"shib_idp_session": cookie}).status_code == 401


def test_soap_fault_mode(stack):
    stack.idp_control(mode="soap_fault")
    r = stack.ecp("alice", "alice-pw-Q7")
    assert r.status_code == 500
    fault = h.parse(r.content).find("soap11:Body/soap11:Fault", h.NS)
    assert fault.findtext("faultcode") == "soap11:Server"
    assert fault.findtext("faultstring")
    assert stack.idp_log()[-1]["outcome"] == "soap_fault"


def test_html_mode(stack):
    stack.idp_control(mode="html")
    r = stack.ecp("alice", "alice-pw-Q7")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(r.content)
    assert stack.idp_log()[-1]["outcome"] == "html"


def test_control_endpoint(stack):
    knobs = requests.get(stack.idp["base_url"] + "/_control", timeout=10).json()
    assert knobs == IDP_DEFAULTS
    bad = requests.post(stack.idp["base_url"] + "/_control", json={"mode": "weird"}, timeout=10)
    assert bad.status_code == 400
    bad = requests.post(stack.idp["base_url"] + "/_control", json={"nope": 1}, timeout=10)
    assert bad.status_code == 400


def test_log_lines_have_the_documented_shape(stack):
    stack.login("alice")
    entry = stack.idp_log()[-1]
    assert set(entry) == {"ts", "path", "status", "auth", "user", "outcome", "duo_prompt",
                          "factor", "handling_ms"}
    assert entry["path"] == "/idp/profile/SAML2/SOAP/ECP" and entry["status"] == 200
    assert isinstance(entry["handling_ms"], float) and isinstance(entry["ts"], float)


def test_custom_users_file_and_initial_knobs(tmp_path):
    users = {"zed": {"password": "zed-pw", "duo": True, "passcode": "999",
                     "roles": ["arn:aws:iam::999988887777:role/Z,arn:aws:iam::999988887777:saml-provider/P"],
                     "session_duration": 900}}
    (tmp_path / "users.json").write_text(json.dumps(users))
    proc = start_idp(tmp_path, "--users", str(tmp_path / "users.json"), "--knobs", '{"duo": "deny"}')
    try:
        info = wait_ready(tmp_path / "idp.json", [proc])
        hdrs = {"Content-Type": "text/xml"}
        r = requests.post(info["ecp_url"], data=h.authn_request_envelope(), headers=hdrs,
                          auth=("zed", "zed-pw"), timeout=30)
        assert h.status_of(r.content)[2] == "Duo push denied"
        r = requests.post(info["ecp_url"], data=h.authn_request_envelope(),
                          headers={**hdrs, "X-Shibboleth-Duo-Factor": "passcode",
                                   "X-Shibboleth-Duo-Passcode": "999"},
                          auth=("zed", "zed-pw"), timeout=30)
        assert b">900<" in r.content and b"role/Z," in r.content
        assert requests.post(info["ecp_url"], data=h.authn_request_envelope(), headers=hdrs,
                             auth=("alice", "alice-pw-Q7"), timeout=30).status_code == 401
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_idp_refuses_a_bad_users_file(tmp_path):
    (tmp_path / "users.json").write_text('{"x": {}}')
    proc = start_idp(tmp_path, "--users", str(tmp_path / "users.json"))
    assert proc.wait(timeout=30) == 2
    assert "no password" in (tmp_path / "idp.stderr").read_text()
    assert not (tmp_path / "idp.json").exists()


def test_redirect_knob(stack):
    stack.idp_control(redirect={"status": 307, "location": "http://127.0.0.1:9/elsewhere"})
    r = requests.post(stack.idp["ecp_url"], data=h.authn_request_envelope(), auth=("alice", "alice-pw-Q7"),
                      headers={"Content-Type": "text/xml"}, allow_redirects=False, timeout=10)
    assert (r.status_code, r.headers["Location"]) == (307, "http://127.0.0.1:9/elsewhere")
    assert stack.idp_log()[-1]["outcome"] == "redirect"
    for bad in [{"status": 200, "location": "x"}, {"status": 302}, "http://x/"]:
        assert requests.post(stack.idp["base_url"] + "/_control", json={"redirect": bad}, timeout=10).status_code == 400


def test_ecp_acs_knob_names_another_acs_in_the_header_only(stack):
    stack.idp_control(ecp_acs="https://signin.evil.example/saml")
    r = stack.login("alice")
    root = h.parse(r.content)
    assert root.find("soap11:Header/ecp:Response", h.NS).get("AssertionConsumerServiceURL") == \
        "https://signin.evil.example/saml"
    # The signed Response itself is still addressed to AWS.
    assert h.response_element(r.content).get("Destination") == h.AWS_ACS


def test_cookie_status_knob_answers_requests_with_cookies(stack):
    session = stack.login("alice").cookies["shib_idp_session"]
    stack.idp_control(cookie_status=431)
    r = stack.ecp(cookies={"shib_idp_session": session})
    assert r.status_code == 431 and r.headers["Content-Type"].startswith("text/html")
    assert stack.idp_log()[-1]["outcome"] == "cookie_status"
    # Without cookies, the request is handled as usual.
    assert stack.login("alice").status_code == 200



def test_clock_skew_shifts_the_date_header(stack):
    from email.utils import parsedate_to_datetime
    stack.idp_control(clock_skew=7200)
    r = stack.ecp("alice", "alice-pw-Q7")
    assert r.status_code == 200
    skew = parsedate_to_datetime(r.headers["Date"]).timestamp() - time.time()
    assert 7190 < skew < 7210
