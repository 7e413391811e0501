"""The test OpenID provider (tests/oidc/op.mjs) and its scripted browsers behave as the aws-login
tests rely on: PKCE on any loopback port, RFC 9207 iss, refresh tokens on both grants, the
knobs, and a log that counts requests but holds no secret."""

import json
import subprocess
import sys
from pathlib import Path

import jwt
import pytest
import requests

from oidc_helpers import BROWSER, CHROMIUM, DEVICE_USER, PASSWORDS, REPO, SECRET, wait_for


TOKEN_FIELDS = ("access_token", "id_token", "refresh_token")


def claims_of(op, id_token, client_id="cli-native"):
    key = jwt.PyJWKClient(op.discovery["jwks_uri"]).get_signing_key_from_jwt(id_token)
    return jwt.decode(id_token, key.key, algorithms=["RS256"], audience=client_id, issuer=op.issuer)


def test_discovery_advertises_what_the_cli_uses(op):
    d = op.discovery
    assert d["issuer"] == op.issuer
    assert d["code_challenge_methods_supported"] == ["S256"]
    assert d["authorization_response_iss_parameter_supported"] is True
    assert d["revocation_endpoint"] == op.issuer + "/token/revocation"
    assert d["device_authorization_endpoint"] == op.issuer + "/device/auth"
    assert "RS256" in d["id_token_signing_alg_values_supported"]


@pytest.mark.parametrize("host", ["127.0.0.1", "[::1]"])
def test_browser_login_through_the_form(op, host):
    got, params, verifier, run = op.browser_login(host=host)
    assert run.returncode == 0, run.stderr
    assert run.stdout == run.stderr == ""
    assert got["state"] == params["state"] and got["iss"] == op.issuer and got["code"]
    r = op.token(grant_type="authorization_code", code=got["code"], redirect_uri=params["redirect_uri"],
                 code_verifier=verifier)
    assert r.status_code == 200, r.text
    tokens = r.json()
    claims = claims_of(op, tokens["id_token"])
    assert (claims["sub"], claims["email"], claims["nonce"]) == ("alice", "alice@example.test", params["nonce"])
    assert tokens["refresh_token"]  # without prompt=consent
    refreshed = op.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    assert claims_of(op, refreshed.json()["id_token"])["sub"] == "alice"
    # A code is redeemed once; a replay also revokes what it gave (RFC 6749 §4.1.2).
    again = op.token(grant_type="authorization_code", code=got["code"], redirect_uri=params["redirect_uri"],
                     code_verifier=verifier)
    assert again.json()["error"] == "invalid_grant"
    refresh = refreshed.json().get("refresh_token", tokens["refresh_token"])
    assert op.token(grant_type="refresh_token", refresh_token=refresh).json()["error"] == "invalid_grant"


def test_wrong_verifier_is_refused(op):
    got, params, _, run = op.browser_login()
    r = op.token(grant_type="authorization_code", code=got["code"], redirect_uri=params["redirect_uri"],
                 code_verifier="x" * 50)
    assert r.json()["error"] == "invalid_grant"


def test_pkce_is_required(op):
    got, params, _, run = op.browser_login(code_challenge=None, code_challenge_method=None)
    assert run.returncode == 0, run.stderr
    assert got["error"] == "invalid_request" and got["state"] == params["state"]


def test_confidential_client_with_basic_auth(op):
    op.control(auto_login="bob")
    got, params, verifier, run = op.browser_login(client_id="cli-secret")
    assert run.returncode == 0, run.stderr
    form = dict(grant_type="authorization_code", code=got["code"], redirect_uri=params["redirect_uri"],
                code_verifier=verifier)
    tokens = op.token("cli-secret", **form).json()
    claims = claims_of(op, tokens["id_token"], "cli-secret")
    assert claims["sub"] == "bob" and "email" not in claims  # bob has no email: sub is the fallback
    r = op.token("cli-native", **form)
    assert r.status_code >= 400


def test_wrong_client_secret_is_refused(op):
    r = requests.post(op.discovery["token_endpoint"], auth=("cli-secret", "wrong"),
                      data={"grant_type": "refresh_token", "refresh_token": "x"}, timeout=10)
    assert r.json()["error"] == "invalid_client"


def test_deny_reaches_the_listener_as_access_denied(op):
    op.control(deny=True)
    got, params, _, run = op.browser_login()
    assert run.returncode == 0, run.stderr
    assert (got["error"], got["state"], got["iss"]) == ("access_denied", params["state"], op.issuer)
    assert "code" not in got


def test_wrong_password_fails_in_one_line_without_the_password(op):
    env = {"PATH": "/usr/bin:/bin", "OIDC_TEST_USER": "alice", "OIDC_TEST_PASSWORD": "not-alice-pw-Z3"}
    got, _, _, run = op.browser_login(env=env)
    assert run.returncode == 1 and got == {}
    assert len(run.stderr.strip().splitlines()) == 1 and "refused the login" in run.stderr
    assert "not-alice-pw-Z3" not in run.stderr


def test_unregistered_redirect_is_an_op_error_page(op):
    op.control(auto_login="alice")
    url, _, _ = op.auth_url("http://127.0.0.2:5555/callback")
    run = subprocess.run([sys.executable, str(BROWSER), url], capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    assert "did not redirect back" in run.stderr and "invalid_redirect_uri" in run.stderr
    assert "state=" not in run.stderr


def test_id_token_ttl_knob(op):
    op.control(auto_login="alice", id_token_ttl=5)
    claims = claims_of(op, op.tokens()["id_token"])
    assert claims["exp"] - claims["iat"] == 5


def test_kid_rotate_signs_with_a_new_key_and_keeps_the_old(op):
    op.control(auto_login="alice")
    before = jwt.get_unverified_header(op.tokens()["id_token"])["kid"]
    after_kid = op.control(kid_rotate=True)["signing_kid"]
    token = op.tokens()["id_token"]
    assert jwt.get_unverified_header(token)["kid"] == after_kid != before
    kids = [k["kid"] for k in requests.get(op.discovery["jwks_uri"], timeout=10).json()["keys"]]
    assert kids[:2] == [after_kid, before]
    assert claims_of(op, token)["sub"] == "alice"


def test_jwt_access_tokens_knob(op):
    op.control(auto_login="alice")
    assert op.tokens()["access_token"].count(".") == 0  # opaque by default
    op.control(jwt_access_tokens=True)
    tokens = op.tokens()
    claims = claims_of(op, tokens["access_token"])  # aud is the client, like an ID token's
    assert (claims["sub"], claims["client_id"]) == ("alice", "cli-native")
    refreshed = op.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"]).json()
    assert claims_of(op, refreshed["access_token"])["sub"] == "alice"


def test_id_token_roles_knob(op):
    op.control(auto_login="alice")
    assert "aws_roles" not in claims_of(op, op.tokens()["id_token"])
    roles = ["arn:aws:iam::111122223333:role/WebDeveloper", "arn:aws:iam::111122223333:role/WebReadOnly"]
    op.control(id_token_roles={"alice": roles})
    assert claims_of(op, op.tokens()["id_token"])["aws_roles"] == roles
    op.control(id_token_roles=None)


def test_unknown_knob_is_refused(op):
    for bad in ({"auto_login": "mallory"}, {"nope": 1}, {"id_token_ttl": 0}, {"deny": "yes"}, {"id_token_roles": ["x"]}):
        r = requests.post(op.issuer + "/_control", json=bad, timeout=10)
        assert r.status_code == 400 and r.json()["error"], bad
    assert op.control() == {**op.control(), "auto_login": None, "deny": False, "id_token_ttl": 3600}


def device_user(url, *args):
    return subprocess.run([sys.executable, str(DEVICE_USER), *args, url], capture_output=True, text=True,
                          timeout=60)


def test_device_grant_with_the_login_form(op):
    start = op.device_start()
    assert "interval" not in start  # the CLI must default to 5 s
    assert op.device_poll(start["device_code"]).json()["error"] == "authorization_pending"
    run = device_user(start["verification_uri_complete"])
    assert run.returncode == 0, run.stderr
    assert run.stdout == run.stderr == ""
    tokens = op.device_poll(start["device_code"]).json()
    assert claims_of(op, tokens["id_token"])["email"] == "alice@example.test"
    assert tokens["refresh_token"]
    assert op.device_poll(start["device_code"]).json()["error"] == "invalid_grant"


def test_device_slow_down_knob(op):
    op.control(device_slow_down=2)
    start = op.device_start("cli-secret")
    errors = [op.device_poll(start["device_code"], "cli-secret").json()["error"] for _ in range(3)]
    assert errors == ["slow_down", "slow_down", "authorization_pending"]
    assert [e["outcome"] for e in op.log() if e["event"] == "token"][-3:] == errors


def test_device_deny(op):
    start = op.device_start()
    run = device_user(start["verification_uri_complete"], "--deny")
    assert run.returncode == 0, run.stderr
    assert op.device_poll(start["device_code"]).json()["error"] == "access_denied"


def test_revocation_ends_the_refresh_token(op):
    op.control(auto_login="alice")
    refresh = op.tokens()["refresh_token"]
    r = requests.post(op.discovery["revocation_endpoint"], timeout=10,
                      data={"client_id": "cli-native", "token": refresh, "token_type_hint": "refresh_token"})
    assert r.status_code == 200, r.text
    assert op.token(grant_type="refresh_token", refresh_token=refresh).json()["error"] == "invalid_grant"
    assert op.log()[-2]["event"] == "revocation" and op.log()[-2]["outcome"] == "ok"


def test_log_counts_requests_and_holds_no_secret(op):
    op.control(auto_login="alice")
    before = len(op.log())
    got, params, verifier, run = op.browser_login()
    tokens = op.token(grant_type="authorization_code", code=got["code"], redirect_uri=params["redirect_uri"],
                      code_verifier=verifier).json()
    refreshed = op.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"]).json()
    new = op.log()[before:]
    assert [(e["event"], e.get("grant_type"), e["outcome"]) for e in new] == [
        ("authorization", None, "ok"), ("login", None, "auto"),
        ("token", "authorization_code", "ok"), ("token", "refresh_token", "ok")]
    # A silent refresh is visible as no new authorization line.
    assert sum(e["event"] == "authorization" for e in new) == 1
    text = (op.dir / "oidc.log.jsonl").read_text()
    for secret in [got["code"], verifier, params["code_challenge"], params["state"], params["nonce"], SECRET,
                   *PASSWORDS.values(), *(t[k] for t in (tokens, refreshed) for k in TOKEN_FIELDS if k in t)]:
        assert secret not in text, f"log leaks {secret[:8]}..."


def test_chromium_headless_completes_the_redirect_chain(op):
    op.control(auto_login="alice")
    got, params, _, run = op.browser_login(browser=[str(CHROMIUM)])
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout == ""
    assert got["code"] and got["state"] == params["state"] and got["iss"] == op.issuer


def test_exits_when_its_parent_is_gone(tmp_path):
    # A shell starts the OP, waits for its ready file and exits: the OP must follow.
    ready = tmp_path / "oidc.json"
    subprocess.run(["sh", "-c", f'node "$1" --state-dir "$2" --die-with-parent 2>/dev/null & '
                                f'while [ ! -f "$2/oidc.json" ]; do sleep 0.05; done',
                    "sh", str(REPO / "tests/oidc/op.mjs"), str(tmp_path)],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60, check=True)
    stat = Path(f"/proc/{json.loads(ready.read_text())['pid']}/stat")

    def gone():
        try:
            return stat.read_text().rsplit(")", 1)[1].split()[0] == "Z"
        except FileNotFoundError:
            return True

    wait_for(gone, "the OP's exit")
