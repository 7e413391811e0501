"""The console federation stand-in (tests/console/federation.py) takes exactly the requests AWS
documents for a custom identity broker, checks the credentials at the STS emulator, and signs a
browser in only with a fresh token."""

import json

import pytest
import requests

import helpers as h
from conftest import serving_beside


@pytest.fixture(scope="module")
def federation(servers):
    yield from serving_beside(servers.dir, "tests/console/federation.py", "federation")


@pytest.fixture
def creds(stack):
    r = stack.assume(h.response_b64(stack.login("alice").content), h.DEVELOPER, h.PROVIDER1)
    assert r.status_code == 200, r.text
    return h.credentials(r)


def session(creds, **changes):
    s = {"sessionId": creds["AccessKeyId"], "sessionKey": creds["SecretAccessKey"],
         "sessionToken": creds["SessionToken"]}
    s.update(changes)
    return json.dumps({k: v for k, v in s.items() if v is not None})


def get_token(fed, params, method="GET"):
    if method == "POST":
        return requests.post(fed["federation_url"], data=params, timeout=30, allow_redirects=False)
    return requests.get(fed["federation_url"], params=params, timeout=30, allow_redirects=False)


def sign_in(fed, token, destination=None):
    params = {"Action": "login", "Issuer": "test", "Destination": destination or fed["console_url"],
              "SigninToken": token}
    return requests.get(fed["federation_url"], params=params, timeout=30, allow_redirects=False)


ALICE = f"arn:aws:sts::{h.ACCT1}:assumed-role/Developer/alice"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_documented_flow_signs_in(federation, creds, method):
    r = get_token(federation, {"Action": "getSigninToken", "SessionDuration": "3600",
                               "Session": session(creds)}, method)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/json"
    token = r.json()["SigninToken"]
    assert len(token) > 40

    r = sign_in(federation, token, federation["console_url"] + "?region=eu-west-1")
    assert r.status_code == 302, r.text
    assert r.headers["Location"] == federation["console_url"] + "?region=eu-west-1"
    cookie = r.cookies.get("aws-console-session")
    assert cookie

    page = requests.get(r.headers["Location"], cookies={"aws-console-session": cookie}, timeout=30)
    assert page.status_code == 200
    assert f'<span id="signed-in-as">{ALICE}</span>' in page.text
    assert '<span id="region">eu-west-1</span>' in page.text
    assert requests.get(federation["console_url"], timeout=30).status_code == 401, "no cookie, no console"
    # A token signs in once.
    assert sign_in(federation, token).status_code == 400


def test_session_duration_is_900_to_43200(federation, creds):
    for ok in ("900", "43200"):
        r = get_token(federation, {"Action": "getSigninToken", "SessionDuration": ok, "Session": session(creds)})
        assert r.status_code == 200, (ok, r.text)
    for bad in ("899", "43201", "1h", ""):
        r = get_token(federation, {"Action": "getSigninToken", "SessionDuration": bad, "Session": session(creds)})
        assert r.status_code == 400, bad
        assert "SessionDuration" in r.text


@pytest.mark.parametrize("params,words", [
    ({"Action": "getSigninToken"}, "missing ['Session']"),
    ({"Action": "getSigninToken", "Session": "not json"}, "not JSON"),
    ({"Action": "getSigninToken", "Session": "{}"}, "exactly"),
    ({"Action": "getSigninToken", "Session": "SESSION", "DurationSeconds": "900"}, "unexpected"),
    ({"Action": "getSignInToken", "Session": "SESSION"}, "unknown Action"),
])
def test_requests_aws_would_refuse(federation, creds, params, words):
    params = {k: (session(creds) if v == "SESSION" else v) for k, v in params.items()}
    r = get_token(federation, params)
    assert r.status_code == 400, r.text
    assert words in r.text


def test_credentials_are_checked_at_sts(federation, creds):
    # moto names the session of a known access key but checks no signature: an unknown key is
    # what the emulator can catch, not a wrong secret key.
    for changes in ({"sessionId": "ASIAUNKNOWNKEY000000"}, {"sessionToken": None},
                    {"extra": "x"}, {"sessionId": ""}):
        r = get_token(federation, {"Action": "getSigninToken", "Session": session(creds, **changes)})
        assert r.status_code == 400, (changes, r.text)


def test_login_wants_a_known_token_and_a_console_destination(federation, creds, servers):
    token = get_token(federation, {"Action": "getSigninToken", "Session": session(creds)}).json()["SigninToken"]
    assert sign_in(federation, "made-up").status_code == 400
    r = sign_in(federation, token, "https://evil.example/")
    assert r.status_code == 400 and "Destination" in r.text
    assert sign_in(federation, token).status_code == 302, "a refused attempt does not use the token up"
    log = [json.loads(line) for line in (servers.dir / "federation.log.jsonl").read_text().splitlines()]
    text = json.dumps(log)
    assert token not in text and creds["SecretAccessKey"] not in text and creds["SessionToken"] not in text

