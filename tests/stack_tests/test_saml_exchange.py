"""The token exchange to SAML beside the OP (tests/oidc/exchange.py): an ID or access token the
OP issued becomes, as at Keycloak, the base64url of an Assertion signed with the test IdP's key,
which the strict STS front takes once the client has wrapped it in a samlp:Response."""

import base64
import datetime as dt

import pytest
import requests
from lxml import etree

import beside_helpers
import helpers as h
from conftest import wait_ready

GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
SAML2 = "urn:ietf:params:oauth:token-type:saml2"
ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token"
ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token"
DEFAULTS = {"refuse": None, "assertion_ttl": 300, "session_duration": None, "roles": None, "tamper": False}


@pytest.fixture(scope="module")
def exchange_server(servers, op_server):
    # In the IdP's state dir: it signs with the IdP's key, which the STS front trusts.
    server = beside_helpers.Beside("exchange.py", "exchange", servers.dir, op_server.dir, wait_ready)
    yield server
    server.stop()


@pytest.fixture
def ex(exchange_server, stack, op):
    exchange_server.control(**DEFAULTS)
    op.control(auto_login="alice")
    return exchange_server


def exchange(ex, subject, kind=ID_TOKEN, client=("cli-native", None), basic=False, **extra):
    form = {"grant_type": GRANT, "subject_token": subject, "subject_token_type": kind,
            "requested_token_type": SAML2, "audience": "urn:amazon:webservices", **extra}
    form = {k: v for k, v in form.items() if v is not None}
    cid, secret = client
    auth = None
    if basic:
        auth = (cid, secret)
    else:
        form["client_id"] = cid
        if secret is not None:
            form["client_secret"] = secret
    return requests.post(ex.endpoint, data=form, auth=auth, timeout=30)


def assertion_of(resp):
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["issued_token_type"], body["token_type"]) == (SAML2, "Bearer")
    assert "=" not in body["access_token"]  # base64url without padding, as Keycloak sends it
    raw = body["access_token"]
    return base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))


def wrapped(assertion):
    """What the client does (aws-cli-oidc's way): an unsigned samlp:Response around the
    assertion's bytes, untouched."""
    root = etree.fromstring(assertion)
    issuer = root.find("saml:Issuer", h.NS).text
    instant = root.get("IssueInstant")
    head = (f'<samlp:Response xmlns:samlp="{h.SAMLP_NS}" Destination="{h.AWS_ACS}" ID="_r1" Version="2.0" '
            f'IssueInstant="{instant}"><saml:Issuer xmlns:saml="{h.SAML_NS}">{issuer}</saml:Issuer>'
            '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>')
    return h.b64(head.encode() + assertion + b"</samlp:Response>")


def roles_in(assertion):
    root = etree.fromstring(assertion)
    return [v.text for v in root.findall(
        ".//saml:Attribute[@Name='https://aws.amazon.com/SAML/Attributes/Role']/saml:AttributeValue", h.NS)]


def oauth_error(resp, status, error):
    assert resp.status_code == status, resp.text
    assert resp.json()["error"] == error, resp.text
    assert ex_line(resp)["outcome"] == error


def ex_line(resp):
    return resp.ex.log()[-1]


@pytest.fixture
def post(ex):
    """exchange(), its answer remembering the server (for its log line)."""
    def run(*args, **kwargs):
        r = exchange(ex, *args, **kwargs)
        r.ex = ex
        return r
    return run


def test_id_token_becomes_an_assertion_sts_takes(ex, op, stack, post):
    tokens = op.tokens()
    assertion = assertion_of(post(tokens["id_token"]))
    assert h.xmlsec_verify(assertion, stack.cert)
    assert roles_in(assertion) == [f"{h.DEVELOPER},{h.PROVIDER1}"]
    r = stack.assume(wrapped(assertion), h.DEVELOPER, h.PROVIDER1)
    assert r.status_code == 200, r.text
    assert h.credentials(r)["Arn"] == f"arn:aws:sts::{h.ACCT1}:assumed-role/Developer/alice"
    line = ex.log()[-1]
    assert (line["client_id"], line["auth"], line["user"], line["outcome"], line["roles"]) == (
        "cli-native", "none", "alice", "ok", 1)
    text = ex.log_text()
    for secret in (tokens["id_token"], tokens["id_token"].split(".")[2], base64.b64encode(assertion).decode()[:40]):
        assert secret not in text


def test_opaque_access_token_through_introspection(ex, op, stack, post):
    tokens = op.tokens(client_id="cli-secret")
    assert tokens["access_token"].count(".") != 2  # opaque
    r = post(tokens["access_token"], kind=ACCESS_TOKEN, client=("cli-secret", "cli-secret-pw"), basic=True)
    assert stack.assume(wrapped(assertion_of(r)), h.DEVELOPER, h.PROVIDER1).status_code == 200
    assert ex.log()[-1]["auth"] == "basic"


def test_jwt_access_token(ex, op, post):
    op.control(jwt_access_tokens=True)
    token = op.tokens(client_id="cli-secret")["access_token"]
    assert token.count(".") == 2
    assertion_of(post(token, kind=ACCESS_TOKEN, client=("cli-secret", "cli-secret-pw")))
    assert ex.log()[-1]["auth"] == "post"


def test_bob_has_two_roles_either_order(ex, op, stack, post):
    op.control(auto_login="bob")
    assertion = assertion_of(post(op.tokens()["id_token"]))
    assert roles_in(assertion) == [f"{h.DEVELOPER},{h.PROVIDER1}", f"{h.PROVIDER1},{h.READONLY}"]
    assert stack.assume(wrapped(assertion), h.READONLY, h.PROVIDER1).status_code == 200


def test_session_duration_and_roles_knobs(ex, op, stack, post):
    ex.control(session_duration=1800, roles={"alice": [f"{h.PROVIDER1},{h.READONLY}"]})
    assertion = assertion_of(post(op.tokens()["id_token"]))
    assert roles_in(assertion) == [f"{h.PROVIDER1},{h.READONLY}"]
    # The front holds DurationSeconds to the assertion's SessionDuration.
    r = stack.assume(wrapped(assertion), h.READONLY, h.PROVIDER1, duration=3600)
    assert "SessionDuration in the SAML assertion" in h.sts_error(r)[2], r.text
    assert stack.assume(wrapped(assertion), h.READONLY, h.PROVIDER1, duration=1800).status_code == 200
    ex.control(roles={})
    assert roles_in(assertion_of(post(op.tokens()["id_token"]))) == []


def test_a_changed_byte_is_refused_by_sts(ex, op, stack, post):
    ex.control(tamper=True)
    assertion = assertion_of(post(op.tokens()["id_token"]))
    r = stack.assume(wrapped(assertion), h.DEVELOPER, h.PROVIDER1)
    assert r.status_code == 400, r.text
    assert "signature" in h.sts_error(r)[2]


def test_expired_assertion_is_refused_by_sts(ex, op, stack, post):
    ex.control(assertion_ttl=-120)
    r = stack.assume(wrapped(assertion_of(post(op.tokens()["id_token"]))), h.DEVELOPER, h.PROVIDER1)
    assert h.sts_error(r)[1] == "ExpiredTokenException", r.text


def test_audience_is_the_one_asked_for(ex, op, post):
    assertion = assertion_of(post(op.tokens()["id_token"], audience="https://signin.aws.amazon.com/saml"))
    assert etree.fromstring(assertion).find(".//saml:Audience", h.NS).text == "https://signin.aws.amazon.com/saml"


def test_conditions_bound_the_assertion(ex, op, post):
    root = etree.fromstring(assertion_of(post(op.tokens()["id_token"])))
    until = dt.datetime.fromisoformat(root.find("saml:Conditions", h.NS).get("NotOnOrAfter"))
    assert 280 < (until - h.utc_now()).total_seconds() <= 300


def test_forged_subject_token_is_invalid_grant(ex, op, post):
    token = op.tokens()["id_token"]
    head, body, sig = token.split(".")
    forged = f"{head}.{body}.{sig[:-4]}AAAA"
    oauth_error(post(forged), 400, "invalid_grant")
    oauth_error(post("not-a-token", kind=ACCESS_TOKEN), 400, "invalid_grant")  # introspection: inactive
    oauth_error(post("not-a-jwt"), 400, "invalid_grant")


def test_token_of_another_client_is_unauthorized_client(ex, op, post):
    token = op.tokens()["id_token"]  # issued to cli-native
    oauth_error(post(token, client=("cli-secret", "cli-secret-pw")), 400, "unauthorized_client")


@pytest.mark.parametrize("change", [
    {"requested_token_type": "urn:ietf:params:oauth:token-type:access_token"},
    {"subject_token_type": "urn:ietf:params:oauth:token-type:refresh_token"},
    {"subject_token": None},
    {"audience": None},
])
def test_bad_requests_are_invalid_request(ex, op, post, change):
    fields = {"subject": op.tokens()["id_token"]}
    if "subject_token" in change:
        fields["subject"] = None
    other = {k: v for k, v in change.items() if k != "subject_token"}
    if "subject_token_type" in other:
        fields["kind"] = other.pop("subject_token_type")
    oauth_error(post(fields["subject"], **{k: v for k, v in fields.items() if k != "subject"}, **other),
                400, "invalid_request")


def test_unknown_audience_is_invalid_target(ex, op, post):
    oauth_error(post(op.tokens()["id_token"], audience="urn:example:sp"), 400, "invalid_target")


def test_client_authentication(ex, op, post):
    token = op.tokens(client_id="cli-secret")["id_token"]
    r = post(token, client=("cli-secret", "wrong"), basic=True)
    oauth_error(r, 401, "invalid_client")
    assert r.headers["WWW-Authenticate"].startswith("Basic")
    oauth_error(post(token, client=("nobody", None)), 401, "invalid_client")
    assert "wrong" not in ex.log_text()


def test_wrong_grant_type(ex, op):
    r = requests.post(ex.endpoint, data={"grant_type": "client_credentials", "client_id": "cli-native"}, timeout=10)
    assert (r.status_code, r.json()["error"]) == (400, "unsupported_grant_type")


@pytest.mark.parametrize("error", ["invalid_request", "invalid_grant", "unauthorized_client", "invalid_target"])
def test_refuse_knob(ex, op, post, error):
    ex.control(refuse=error)
    oauth_error(post(op.tokens()["id_token"]), 400, error)


def test_bad_knob_refused(ex):
    r = requests.post(ex.url + "/_control", json={"refuse": "access_denied"}, timeout=10)
    assert r.status_code == 400 and "must be one of" in r.json()["error"]
