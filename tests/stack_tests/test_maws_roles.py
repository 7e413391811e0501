"""The stand-in of mozilla-aws-cli's roles API (tests/oidc/maws_roles.py): the ID token POSTed
as maws does ({"token", "key", "cache"}) is checked against the OP's JWKS; the answer, always
HTTP 200 as the real one's, is the user's roles and account aliases, or an error."""

import json

import pytest
import requests

import beside_helpers
from conftest import wait_ready

DEFAULTS = {"error": None, "roles": None}
DEV = "arn:aws:iam::111122223333:role/WebDeveloper"


@pytest.fixture(scope="module")
def roles_server(op_server, tmp_path_factory):
    server = beside_helpers.Beside("maws_roles.py", "maws", tmp_path_factory.mktemp("maws"), op_server.dir,
                                   wait_ready)
    yield server
    server.stop()


@pytest.fixture
def api(roles_server, op):
    roles_server.control(**DEFAULTS)
    op.control(auto_login="alice")
    return roles_server


def ask(api, token, key=None):
    # maws posts the OP's JWKS as "key" beside the token.
    r = requests.post(api.endpoint, json={"token": token, "key": key or {"keys": []}, "cache": True}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def test_alice_gets_her_role_and_alias(api, op):
    token = op.tokens()["id_token"]
    assert ask(api, token) == {"roles": [DEV], "aliases": {"111122223333": ["aws-login-dev"]}}
    line = api.log()[-1]
    assert (line["outcome"], line["user"], line["cache"]) == ("ok", "alice", True)
    assert token.split(".")[2] not in api.log_text()


def test_bob_gets_roles_in_two_accounts_one_without_alias(api, op):
    op.control(auto_login="bob")
    answer = ask(api, op.tokens(client_id="cli-secret")["id_token"])
    assert sorted(answer["roles"]) == [DEV, "arn:aws:iam::111122223333:role/WebReadOnly",
                                       "arn:aws:iam::444455556666:role/WebAdmin"]
    assert answer["aliases"] == {"111122223333": ["aws-login-dev"], "444455556666": ["444455556666"]}


def test_a_token_signed_by_another_key_is_refused_even_with_that_key_posted(api, op):
    from cryptography.hazmat.primitives.asymmetric import rsa
    import jwt

    real = jwt.decode(op.tokens()["id_token"], options={"verify_signature": False})
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(real, key, algorithm="RS256", headers={"kid": jwt.get_unverified_header(
        op.tokens()["id_token"])["kid"]})
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    assert "Invalid ID Token" in ask(api, forged, key={"keys": [jwk]})["error"]
    assert api.log()[-1]["outcome"] == "invalid_token"


def test_not_a_jwt_and_a_bad_body(api):
    assert "error" in ask(api, "not-a-token")
    r = requests.post(api.endpoint, data=b"nonsense", timeout=10)
    assert r.status_code == 200 and "token" in r.json()["error"]


def test_error_and_roles_knobs(api, op):
    token = op.tokens()["id_token"]
    api.control(roles={"alice": []})
    assert ask(api, token) == {"roles": [], "aliases": {}}
    api.control(error="Unable to retrieve role map")
    assert ask(api, token) == {"error": "Unable to retrieve role map"}


def test_a_token_for_another_audience_is_refused(api, op):
    # svc-secret's access token is signed by the OP but addressed to STS, not to a CLI client.
    r = requests.post(op.discovery["token_endpoint"], data={"grant_type": "client_credentials"},
                      auth=("svc-secret", "svc-secret-pw"), timeout=30)
    assert ask(api, r.json()["access_token"]) == {"error": "Invalid claims in ID Token"}
