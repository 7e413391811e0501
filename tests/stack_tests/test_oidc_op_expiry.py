"""The test OP's knobs for an issuer without the device grant, device codes that expire, and a
clock that is off (tests/oidc/op.mjs): what the aws-login tests of expiry and of the pasted
redirect rely on."""

import subprocess
import sys
import time

import jwt
import requests

from oidc_helpers import BROWSER


def discovery(op):
    return requests.get(op.issuer + "/.well-known/openid-configuration", timeout=10).json()


def test_device_endpoint_knob_hides_the_device_grant_from_discovery(op):
    assert discovery(op)["device_authorization_endpoint"] == op.issuer + "/device/auth"
    op.control(device_endpoint=False)
    d = discovery(op)
    assert "device_authorization_endpoint" not in d
    assert d["token_endpoint"] == op.issuer + "/token"  # the rest as before


def test_device_interval_knob(op):
    assert "interval" not in op.device_start()
    op.control(device_interval=1)
    assert op.device_start()["interval"] == 1


def test_device_code_ttl_knob_makes_codes_expire(op):
    op.control(device_code_ttl=1)
    start = op.device_start()
    assert start["expires_in"] == 1
    # The OP's clock moves on past the code's lifetime (within what it keeps expired codes for).
    op.control(clock_skew=5)
    assert op.device_poll(start["device_code"]).json()["error"] == "expired_token"
    assert [e["outcome"] for e in op.log() if e["event"] == "token"][-1] == "expired_token"


def test_clock_skew_knob_issues_tokens_already_expired(op):
    op.control(auto_login="alice", id_token_ttl=1, clock_skew=-120)
    token = op.tokens()["id_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    now = time.time()
    assert claims["exp"] - claims["iat"] == 1
    assert now - 125 < claims["exp"] < now - 100, claims
    key = jwt.PyJWKClient(op.discovery["jwks_uri"]).get_signing_key_from_jwt(token)
    try:
        jwt.decode(token, key.key, algorithms=["RS256"], audience="cli-native", issuer=op.issuer, leeway=60)
        raise AssertionError("an expired ID token was accepted")
    except jwt.ExpiredSignatureError:
        pass


def test_new_knobs_are_checked(op):
    for bad in ({"device_endpoint": "no"}, {"device_code_ttl": 0}, {"device_interval": 0},
                {"clock_skew": 1.5}, {"clock_skew": 100000}):
        r = requests.post(op.issuer + "/_control", json=bad, timeout=10)
        assert r.status_code == 400 and r.json()["error"], bad


def test_browser_print_redirect_stops_at_the_listener_address(op):
    op.control(auto_login="alice")
    # Nobody listens at this redirect: the person copies its address instead.
    url, params, _ = op.auth_url("http://127.0.0.1:9/callback")
    run = subprocess.run([sys.executable, str(BROWSER), "--print-redirect", url], capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stderr
    printed = run.stdout.strip()
    assert printed.startswith("http://127.0.0.1:9/callback?") and "code=" in printed, printed
    assert f"state={params['state']}" in printed and run.stderr == ""
