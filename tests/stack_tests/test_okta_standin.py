"""The Okta stand-in (tests/okta/standin.py) answers what okta-aws-cli's `web` command sends:
device authorization, the device-code grant, appLinks, the token exchange to a web-SSO token,
and the /login/token/sso page whose SAMLResponse the strict STS front takes."""

import base64
import html.parser
import json
import subprocess
import sys

import jwt
import pytest
import requests

import helpers as h
from conftest import REPO, wait_ready

CLIENT = "0oa-okta-aws-cli"
SCOPE = "openid okta.apps.sso okta.apps.read okta.users.read.self"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULTS = {"interval": 1, "web_sso_ttl": 300, "access_token_ttl": 3600, "deny_all": False}
AUDITOR = f"arn:aws:iam::{h.ACCT2}:role/Auditor"


@pytest.fixture(scope="module")
def okta_server(servers):
    # In the IdP's state dir: it signs with the IdP's key, which the STS front trusts.
    proc = subprocess.Popen([sys.executable, str(REPO / "tests/okta/standin.py"), "--state-dir", str(servers.dir),
                             "--die-with-parent"],
                            stdout=subprocess.DEVNULL, stderr=open(servers.dir / "okta.stderr", "w"))
    info = wait_ready(servers.dir / "okta.json", [proc])
    yield Okta(info["url"], servers.dir)
    proc.terminate()
    proc.wait(timeout=10)


class Okta:
    def __init__(self, url, state_dir):
        self.url, self.dir = url, state_dir

    def control(self, **knobs):
        r = requests.post(self.url + "/_control", json=knobs, timeout=10)
        assert r.status_code == 200, r.text

    def log(self):
        return [json.loads(line) for line in (self.dir / "okta.log.jsonl").read_text().splitlines()]

    def authorize(self, scope=SCOPE, client=CLIENT):
        return requests.post(self.url + "/oauth2/v1/device/authorize", data={"client_id": client, "scope": scope},
                             timeout=10)

    def poll(self, device_code):
        return requests.post(self.url + "/oauth2/v1/token", timeout=10, data={
            "client_id": CLIENT, "device_code": device_code, "grant_type": DEVICE_GRANT})

    def person(self, url, *flags, user=None):
        env = {"PATH": "/usr/bin:/bin", **({"OKTA_TEST_USER": user[0], "OKTA_TEST_PASSWORD": user[1]} if user else {})}
        return subprocess.run([sys.executable, str(REPO / "tests/okta/device_user.py"), *flags, url],
                              capture_output=True, text=True, timeout=60, env=env)

    def login(self, user=None):
        """The device flow through to its tokens."""
        da = self.authorize().json()
        run = self.person(da["verification_uri_complete"], user=user)
        assert run.returncode == 0, run.stderr
        r = self.poll(da["device_code"])
        assert r.status_code == 200, r.text
        return r.json()

    def web_sso(self, tokens, app="0oaawsdev1"):
        return requests.post(self.url + "/oauth2/v1/token", timeout=10, data={
            "client_id": CLIENT, "actor_token": tokens["access_token"],
            "actor_token_type": "urn:ietf:params:oauth:token-type:access_token",
            "subject_token": tokens["id_token"], "subject_token_type": "urn:ietf:params:oauth:token-type:id_token",
            "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
            "requested_token_type": "urn:okta:oauth:token-type:web_sso_token", "audience": f"urn:okta:apps:{app}"})

    def saml_page(self, token):
        return requests.post(self.url + "/login/token/sso", data={"token": token}, timeout=30,
                             headers={"Accept": "text/html"})


class _SamlInput(html.parser.HTMLParser):
    value = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") == "SAMLResponse":
            self.value = a.get("value")


def saml_response(page):
    p = _SamlInput()
    p.feed(page.text)
    assert p.value, page.text
    return p.value


@pytest.fixture
def okta(okta_server, stack):
    okta_server.control(**DEFAULTS)
    return okta_server


def test_dana_signs_in_and_both_fed_apps_give_credentials(okta, stack):
    tokens = okta.login()
    assert (tokens["token_type"], tokens["scope"]) == ("Bearer", " ".join(sorted(SCOPE.split())))
    keys = requests.get(okta.url + "/oauth2/v1/keys", timeout=10).json()
    key = jwt.PyJWK(keys["keys"][0]).key
    claims = jwt.decode(tokens["id_token"], key, algorithms=["RS256"], audience=CLIENT, issuer=okta.url)
    assert claims["email"] == "dana@example.test"

    links = requests.get(okta.url + "/api/v1/users/me/appLinks", timeout=10,
                         headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
    aws = [(link["appInstanceId"], link["label"]) for link in links if link["appName"] == "amazon_aws"]
    assert aws == [("0oaawsdev1", "AWS Dev"), ("0oaawsprod1", "AWS Prod")]
    assert any(link["appName"] != "amazon_aws" for link in links)

    for app, role, provider in (("0oaawsdev1", h.READONLY, h.PROVIDER1), ("0oaawsprod1", AUDITOR, h.PROVIDER2)):
        r = okta.web_sso(tokens, app)
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["issued_token_type"], body["token_type"]) == ("urn:okta:oauth:token-type:web_sso_token", "N_A")
        page = okta.saml_page(body["access_token"])
        assert page.status_code == 200, page.text
        r = stack.assume(saml_response(page), role, provider)
        assert r.status_code == 200, r.text
        assert h.credentials(r)["Arn"].endswith(f"/{role.rsplit('/', 1)[1]}/dana@example.test")

    text = (okta.dir / "okta.log.jsonl").read_text()
    for secret in (tokens["access_token"], tokens["id_token"].split(".")[2], body["access_token"], "dana-pw-K9"):
        assert secret not in text
    saml = [e for e in okta.log() if e.get("event") == "saml"]
    assert [e["outcome"] for e in saml[-2:]] == ["ok", "ok"]


def test_erik_has_one_fed_app_and_not_the_other(okta):
    tokens = okta.login(user=("erik", "erik-pw-L4"))
    links = requests.get(okta.url + "/api/v1/users/me/appLinks", timeout=10,
                         headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
    assert [link["appInstanceId"] for link in links if link["appName"] == "amazon_aws"] == ["0oaawsdev1"]
    r = okta.web_sso(tokens, "0oaawsprod1")
    assert (r.status_code, r.json()["error"]) == (400, "invalid_target")


def test_pending_then_denied_device_authorization(okta):
    da = okta.authorize().json()
    assert da["interval"] == 1 and da["verification_uri_complete"].startswith(okta.url + "/activate?user_code=")
    r = okta.poll(da["device_code"])
    assert (r.status_code, r.json()["error"]) == (400, "authorization_pending")
    run = okta.person(da["verification_uri_complete"], "--deny")
    assert run.returncode == 0, run.stderr
    r = okta.poll(da["device_code"])
    assert (r.status_code, r.json()["error"]) == (400, "access_denied")


def test_deny_all_knob(okta):
    okta.control(deny_all=True)
    r = okta.poll(okta.authorize().json()["device_code"])
    assert r.json()["error"] == "access_denied"


def test_wrong_password_leaves_it_pending(okta):
    da = okta.authorize().json()
    run = okta.person(da["verification_uri_complete"], user=("dana", "wrong"))
    assert run.returncode == 1 and "did not go through" in run.stderr
    assert "wrong" not in run.stderr and da["user_code"] not in run.stderr
    assert okta.poll(da["device_code"]).json()["error"] == "authorization_pending"


def test_a_device_code_is_good_once(okta):
    da = okta.authorize().json()
    assert okta.person(da["verification_uri_complete"]).returncode == 0
    assert okta.poll(da["device_code"]).status_code == 200
    assert okta.poll(da["device_code"]).json()["error"] == "invalid_grant"


def test_expired_web_sso_token_is_refused(okta):
    okta.control(web_sso_ttl=0)
    token = okta.web_sso(okta.login()).json()["access_token"]
    page = okta.saml_page(token)
    assert page.status_code == 403 and "expired" in page.text
    assert okta.log()[-1]["outcome"] == "expired_token"


def test_web_sso_token_is_good_once_and_never_in_a_url(okta):
    token = okta.web_sso(okta.login()).json()["access_token"]
    r = requests.post(okta.url + "/login/token/sso?token=" + token, timeout=10)
    assert r.status_code == 400
    assert okta.log()[-1]["outcome"] == "token_in_url"
    assert okta.saml_page(token).status_code == 200
    assert okta.saml_page(token).status_code == 403


def test_bad_requests(okta):
    assert okta.authorize(client="someone").status_code == 401
    r = okta.authorize(scope="openid")
    assert (r.status_code, r.json()["error"]) == (400, "invalid_scope")
    r = requests.get(okta.url + "/api/v1/users/me/appLinks", headers={"Authorization": "Bearer nope"}, timeout=10)
    assert (r.status_code, r.json()["errorCode"]) == (401, "E0000011")
    tokens = okta.login()
    forged = dict(tokens, id_token=tokens["id_token"][:-4] + "AAAA")
    assert okta.web_sso(forged).json()["error"] == "invalid_grant"
    assert okta.web_sso(tokens, app="0oaunknown").json()["error"] == "invalid_target"


def test_saml_response_is_standard_base64_of_a_response(okta):
    page = okta.saml_page(okta.web_sso(okta.login()).json()["access_token"])
    root = h.parse(base64.b64decode(saml_response(page)))
    assert root.tag == f"{{{h.SAMLP_NS}}}Response" and root.get("Destination") == h.AWS_ACS


def test_issued_secrets_are_listed_for_the_sweep_only(okta):
    tokens = okta.login()
    token = okta.web_sso(tokens).json()["access_token"]
    issued = requests.get(okta.url + "/_control/issued", timeout=10).json()
    assert token in issued["web_sso_tokens"]
    assert len(issued["device_codes"]) >= 1
    log = (okta.dir / "okta.log.jsonl").read_text()
    assert token not in log and not any(code in log for code in issued["device_codes"])
