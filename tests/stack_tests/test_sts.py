"""The STS front checks AssumeRoleWithSAML like AWS and hands out moto's
credentials, which then work against moto through the front."""

import base64
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
import requests
from lxml import etree

import helpers as h
from conftest import STS_DEFAULTS, USERS

SAML = h.SAML_NS


@pytest.fixture
def alice_b64(stack):
    return h.response_b64(stack.login("alice").content)


@pytest.fixture
def bob_xml(stack):
    return h.extract_response(stack.login("bob").content)


def assert_error(resp, status, code, words=""):
    assert resp.status_code == status, resp.text
    assert resp.headers["Content-Type"].startswith("text/xml")
    kind, got_code, message = h.sts_error(resp)
    assert (kind, got_code) == ("Sender" if status < 500 else "Receiver", code)
    assert words.lower() in message.lower()


def caller_arn(stack, creds):
    client = boto3.client("sts", endpoint_url=stack.sts["url"], region_name="us-east-1",
                          aws_access_key_id=creds["AccessKeyId"],
                          aws_secret_access_key=creds["SecretAccessKey"],
                          aws_session_token=creds["SessionToken"])
    return client.get_caller_identity()


def expires_in(creds):
    return (h.expiration(creds) - h.utc_now()).total_seconds()


def test_valid_assertion_yields_working_credentials(stack, alice_b64):
    r = stack.assume(alice_b64, h.DEVELOPER, h.PROVIDER1)
    assert r.status_code == 200, r.text
    creds = h.credentials(r)
    assert creds["AccessKeyId"].startswith("ASIA")
    assert creds["Arn"] == f"arn:aws:sts::{h.ACCT1}:assumed-role/Developer/alice"
    assert 3540 < expires_in(creds) <= 3600  # default one hour
    ident = caller_arn(stack, creds)
    assert ident["Arn"] == f"arn:aws:sts::{h.ACCT1}:assumed-role/Developer/alice"
    assert ident["Account"] == h.ACCT1
    assert stack.sts_log()[-1]["outcome"] == "proxied"


def test_awscli_get_caller_identity(stack, alice_b64, monkeypatch):
    creds = h.credentials(stack.assume(alice_b64, h.DEVELOPER, h.PROVIDER1))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", creds["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", creds["SecretAccessKey"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", creds["SessionToken"])
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    aws = Path(sys.executable).parent / "aws"
    out = subprocess.run([str(aws), "sts", "get-caller-identity", "--endpoint-url", stack.sts["url"]],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["Arn"].endswith(":assumed-role/Developer/alice")


@pytest.mark.parametrize("role, principal, arn", [
    (h.READONLY, h.PROVIDER1, f"arn:aws:sts::{h.ACCT1}:assumed-role/ReadOnly/bob"),   # role first
    (h.DEVELOPER, h.PROVIDER1, f"arn:aws:sts::{h.ACCT1}:assumed-role/Developer/bob"),  # provider first
    (h.TEAM_ADMIN, h.PROVIDER2, f"arn:aws:sts::{h.ACCT2}:assumed-role/Admin/bob"),    # path, 2nd account
])
def test_any_role_of_a_multi_role_assertion(stack, bob_xml, role, principal, arn):
    r = stack.assume(h.b64(bob_xml), role, principal)
    assert r.status_code == 200, r.text
    creds = h.credentials(r)
    assert caller_arn(stack, creds)["Arn"] == arn


def test_role_values_are_trimmed(stack):
    # erin's single Role value has blanks around both ARNs.
    token = base64.b64encode(f"erin:{USERS['erin']['password']}".encode()).decode()
    r = stack.ecp(headers={"Authorization": f"Basic {token}"})
    ok = stack.assume(h.response_b64(r.content), h.DEVELOPER, h.PROVIDER1)
    assert ok.status_code == 200, ok.text


def test_query_string_parameters(stack, alice_b64):
    r = stack.assume(alice_b64, h.DEVELOPER, h.PROVIDER1, in_query=True)
    assert r.status_code == 200, r.text


def test_unsigned_assertion_is_refused(stack, alice_b64):
    resp = h.parse(base64.b64decode(alice_b64))
    sig = resp.find("saml:Assertion/ds:Signature", h.NS)
    sig.getparent().remove(sig)
    r = stack.assume(h.b64(etree.tostring(resp)), h.DEVELOPER, h.PROVIDER1)
    assert_error(r, 400, "InvalidIdentityToken", "not signed")


def test_tampered_assertion_is_refused(stack, bob_xml):
    # Bob may assume ReadOnly in account 1; rewrite that value to Admin.
    forged = bob_xml.replace(b"role/ReadOnly", b"role/Admin")
    assert forged != bob_xml
    admin = f"arn:aws:iam::{h.ACCT1}:role/Admin"
    r = stack.assume(h.b64(forged), admin, h.PROVIDER1)
    assert_error(r, 400, "InvalidIdentityToken", "signature")
    # The untouched assertion is fine for the original role.
    assert stack.assume(h.b64(bob_xml), h.READONLY, h.PROVIDER1).status_code == 200


def test_a_verified_assertion_does_not_vouch_for_a_changed_one(stack, bob_xml):
    """The front remembers signatures it verified (one login, twenty roles): a byte changed
    after that is still checked, and refused."""
    assert stack.assume(h.b64(bob_xml), h.READONLY, h.PROVIDER1).status_code == 200
    assert stack.assume(h.b64(bob_xml), h.READONLY, h.PROVIDER1).status_code == 200
    forged = bob_xml.replace(b"role/ReadOnly", b"role/Admin")
    r = stack.assume(h.b64(forged), f"arn:aws:iam::{h.ACCT1}:role/Admin", h.PROVIDER1)
    assert_error(r, 400, "InvalidIdentityToken", "signature")


def test_a_verified_assertion_is_checked_again_under_a_new_certificate(stack, bob_xml, tmp_path):
    assert stack.assume(h.b64(bob_xml), h.READONLY, h.PROVIDER1).status_code == 200
    other = tmp_path / "other.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=another-idp", "-keyout", str(tmp_path / "other.key"),
                    "-out", str(other)], check=True, capture_output=True)
    cert = Path(stack.cert)
    original = cert.read_bytes()
    try:
        cert.write_bytes(other.read_bytes())
        r = stack.assume(h.b64(bob_xml), h.READONLY, h.PROVIDER1)
        assert_error(r, 400, "InvalidIdentityToken", "signature")
    finally:
        cert.write_bytes(original)
    assert stack.assume(h.b64(bob_xml), h.READONLY, h.PROVIDER1).status_code == 200


def test_signature_wrapping_is_refused(stack, bob_xml):
    """A forged unsigned Assertion next to the genuinely signed one."""
    resp = h.parse(bob_xml)
    signed = resp.find("saml:Assertion", h.NS)
    evil = h.deep(signed)
    evil.remove(evil.find("ds:Signature", h.NS))
    evil.set("ID", "_evil")
    for v in evil.iterfind(".//saml:AttributeValue", h.NS):
        v.text = v.text.replace("role/ReadOnly", "role/Admin")
    signed.addprevious(evil)
    r = stack.assume(h.b64(etree.tostring(resp)), f"arn:aws:iam::{h.ACCT1}:role/Admin", h.PROVIDER1)
    assert_error(r, 400, "InvalidIdentityToken")


@pytest.mark.parametrize("blob", ["%%%not-base64%%%", h.b64(b"<not xml"), h.b64(b"<Response/>"),
                                  h.b64(b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')])
def test_malformed_assertions(stack, blob):
    assert_error(stack.assume(blob, h.DEVELOPER, h.PROVIDER1), 400, "InvalidIdentityToken")


def _set_times(not_before, not_after):
    def edit(assertion):
        cond = assertion.find("saml:Conditions", h.NS)
        cond.set("NotBefore", h.saml_instant(not_before))
        cond.set("NotOnOrAfter", h.saml_instant(not_after))
        data = assertion.find("saml:Subject/saml:SubjectConfirmation/saml:SubjectConfirmationData", h.NS)
        data.set("NotOnOrAfter", h.saml_instant(not_after))
    return edit


def test_resigned_assertion_is_accepted(stack, alice_b64):
    """Control for the tests below: re-signing with the IdP key by itself is fine."""
    now = h.utc_now()
    xml = h.resign(base64.b64decode(alice_b64), stack.key, stack.cert,
                   _set_times(now - dt.timedelta(minutes=1), now + dt.timedelta(minutes=4)))
    assert stack.assume(h.b64(xml), h.DEVELOPER, h.PROVIDER1).status_code == 200


@pytest.mark.parametrize("before, after", [(-20, -10), (10, 20)])  # minutes from now
def test_time_conditions(stack, alice_b64, before, after):
    now = h.utc_now()
    xml = h.resign(base64.b64decode(alice_b64), stack.key, stack.cert,
                   _set_times(now + dt.timedelta(minutes=before), now + dt.timedelta(minutes=after)))
    assert_error(stack.assume(h.b64(xml), h.DEVELOPER, h.PROVIDER1), 400, "ExpiredTokenException")


def test_wrong_audience(stack, alice_b64):
    def edit(assertion):
        for aud in assertion.iterfind(".//saml:Audience", h.NS):
            aud.text = "https://some-other-sp.example"
    xml = h.resign(base64.b64decode(alice_b64), stack.key, stack.cert, edit)
    assert_error(stack.assume(h.b64(xml), h.DEVELOPER, h.PROVIDER1), 400, "InvalidIdentityToken", "audience")


def test_unknown_issuer(stack, alice_b64):
    def edit(assertion):
        assertion.find("saml:Issuer", h.NS).text = "https://other-idp.example/idp"
    xml = h.resign(base64.b64decode(alice_b64), stack.key, stack.cert, edit)
    assert_error(stack.assume(h.b64(xml), h.DEVELOPER, h.PROVIDER1), 400, "InvalidIdentityToken")


@pytest.mark.parametrize("role, principal", [
    (h.TEAM_ADMIN, h.PROVIDER2),                                   # not alice's role
    (h.DEVELOPER, h.PROVIDER2),                                    # pair split across accounts
    (h.DEVELOPER, h.DEVELOPER),                                    # same ARN twice
])
def test_role_pair_not_in_assertion(stack, alice_b64, role, principal):
    r = stack.assume(alice_b64, role, principal)
    assert_error(r, 403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithSAML")


@pytest.mark.parametrize("duration, words", [
    (899, "greater than or equal to 900"),
    (43201, "less than or equal to 43200"),
    (7200, "exceeds the MaxSessionDuration set for this role"),
    ("soon", "durationSeconds"),
])
def test_duration_validation(stack, alice_b64, duration, words):
    r = stack.assume(alice_b64, h.DEVELOPER, h.PROVIDER1, duration=duration)
    assert_error(r, 400, "ValidationError", words)


def test_duration_honoured(stack, alice_b64):
    creds = h.credentials(stack.assume(alice_b64, h.DEVELOPER, h.PROVIDER1, duration=1800))
    assert 1740 < expires_in(creds) <= 1800
    assert stack.sts_log()[-1]["duration"] == 1800


def test_role_max_override(stack, alice_b64):
    stack.sts_control(role_max={h.DEVELOPER: 43200})
    creds = h.credentials(stack.assume(alice_b64, h.DEVELOPER, h.PROVIDER1, duration=20000))
    assert 19940 < expires_in(creds) <= 20000
    stack.sts_control(role_max={}, max_session_duration=7200)
    assert stack.assume(alice_b64, h.DEVELOPER, h.PROVIDER1, duration=7200).status_code == 200


def test_duration_above_session_duration_attribute(stack):
    # carol's assertion says SessionDuration=7200.
    stack.sts_control(max_session_duration=43200)
    r = stack.ecp("carol", "carol-pw-M5", headers={"X-Shibboleth-Duo-Factor": "passcode",
                                                   "X-Shibboleth-Duo-Passcode": "654321"})
    b64 = h.response_b64(r.content)
    assert_error(stack.assume(b64, h.DEVELOPER, h.PROVIDER1, duration=7201), 400, "ValidationError",
                 "SessionDuration")
    assert stack.assume(b64, h.DEVELOPER, h.PROVIDER1, duration=7200).status_code == 200


def test_credential_ttl(stack, alice_b64):
    stack.sts_control(credential_ttl=120)
    creds = h.credentials(stack.assume(alice_b64, h.DEVELOPER, h.PROVIDER1, duration=1800))
    assert 60 < expires_in(creds) <= 120
    stack.sts_control(credential_ttl=-60)  # already expired credentials
    creds = h.credentials(stack.assume(alice_b64, h.DEVELOPER, h.PROVIDER1))
    assert expires_in(creds) < 0


@pytest.mark.parametrize("code, status", [("InvalidIdentityToken", 400), ("ExpiredTokenException", 400),
                                          ("AccessDenied", 403), ("ValidationError", 400),
                                          ("Throttling", 400), ("ServiceUnavailable", 503)])
def test_reject_knob(stack, alice_b64, code, status):
    stack.sts_control(reject=code)
    assert_error(stack.assume(alice_b64, h.DEVELOPER, h.PROVIDER1), status, code)
    assert stack.sts_log()[-1]["outcome"] == code


def test_control_endpoint(stack):
    url = stack.sts["url"] + "/_control"
    assert requests.get(url, timeout=10).json() == STS_DEFAULTS
    assert requests.post(url, json={"reject": "NoSuchCode"}, timeout=10).status_code == 400
    assert requests.post(url, json={"broken": "nope"}, timeout=10).status_code == 400


@pytest.mark.parametrize("broken, status, ctype", [("html", 200, "text/html"), ("truncated", 200, "text/xml"),
                                                   ("empty", 200, "text/xml"), ("html_error", 502, "text/html"),
                                                   ("foreign_xml", 403, "text/xml"),
                                                   ("json_error", 400, "application/json")])
def test_broken_knob(stack, alice_b64, broken, status, ctype):
    stack.sts_control(broken=broken)
    r = stack.assume(alice_b64, h.DEVELOPER, h.PROVIDER1)
    assert (r.status_code, r.headers["Content-Type"]) == (status, ctype)
    assert b"<Credentials>" not in r.content or b"</Credentials>" not in r.content
    assert stack.sts_log()[-1]["outcome"] == f"broken_{broken}"


def test_log_lines_have_the_documented_shape(stack, alice_b64):
    stack.assume(alice_b64, h.DEVELOPER, h.PROVIDER1, duration=900)
    entry = stack.sts_log()[-1]
    assert set(entry) == {"ts", "action", "role_arn", "principal_arn", "duration", "status",
                          "outcome", "handling_ms"}
    assert (entry["action"], entry["role_arn"], entry["principal_arn"], entry["duration"],
            entry["status"], entry["outcome"]) == \
        ("AssumeRoleWithSAML", h.DEVELOPER, h.PROVIDER1, 900, 200, "success")


def test_redirect_knob(stack, alice_b64):
    stack.sts_control(redirect={"status": 302, "location": "http://127.0.0.1:9/"})
    r = requests.post(stack.sts["url"] + "/", data={"Action": "AssumeRoleWithSAML", "SAMLAssertion": alice_b64},
                      allow_redirects=False, timeout=10)
    assert (r.status_code, r.headers["Location"]) == (302, "http://127.0.0.1:9/")
    assert stack.sts_log()[-1]["outcome"] == "redirect"

