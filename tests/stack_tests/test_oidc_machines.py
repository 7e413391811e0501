"""The OP's machine clients (issue 17): `svc-jwt` authenticates with a private_key_jwt client
assertion (RS256 or ES256, keys made per run into the OP's state dir), `svc-secret` with a client
secret (Basic or in the form). Their client-credentials access tokens are RS256 JWTs addressed to
STS, which the STS front takes for AssumeRoleWithWebIdentity."""

import secrets
import time

import jwt
import pytest
import requests

import helpers as h

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
STS_AUDIENCE = "sts.amazonaws.com"
ROLE = f"arn:aws:iam::{h.ACCT1}:role/CiDeployer"
KIDS = {"RS256": "svc-rs256", "ES256": "svc-es256"}


def assertion(op, alg="RS256", kid=None, key_file=None, aud=None, jti=None, iss="svc-jwt", exp_in=60):
    kid = kid or KIDS[alg]
    pem = (op.dir / f"{key_file or kid}.pem").read_bytes()
    now = int(time.time())
    claims = {"iss": iss, "sub": iss, "aud": aud or op.discovery["token_endpoint"],
              "jti": jti or secrets.token_urlsafe(16), "iat": now, "exp": now + exp_in}
    return jwt.encode(claims, pem, algorithm=alg, headers={"kid": kid})


def grant(op, client_assertion, **extra):
    form = {"grant_type": "client_credentials", "client_id": "svc-jwt", "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": client_assertion, **extra}
    return requests.post(op.discovery["token_endpoint"], data=form, timeout=30)


def last_token_line(op):
    return [e for e in op.log() if e["event"] == "token"][-1]


def refused(op, resp, detail_words):
    assert resp.status_code == 401, resp.text
    assert resp.json()["error"] == "invalid_client"
    line = last_token_line(op)
    assert (line["client_id"], line["outcome"]) == ("svc-jwt", "invalid_client")
    assert detail_words in line["detail"], line


def access_claims(op, token):
    key = jwt.PyJWKClient(op.discovery["jwks_uri"]).get_signing_key_from_jwt(token)
    return jwt.decode(token, key.key, algorithms=["RS256"], audience=STS_AUDIENCE, issuer=op.issuer)


def test_key_files_are_private_pems(op):
    for name in ("svc-rs256", "svc-es256", "svc-wrong"):
        path = op.dir / f"{name}.pem"
        assert path.stat().st_mode & 0o777 == 0o600
        assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    registered = {k["kid"]: k["kty"] for k in requests.get(op.issuer + "/jwks", timeout=10).json()["keys"]}
    assert "svc-rs256" not in registered  # client keys are the client's, not in the OP's JWKS


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_private_key_jwt_gives_an_sts_access_token(op, alg):
    r = grant(op, assertion(op, alg), scope="deploy")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["token_type"], body["scope"], body["expires_in"]) == ("Bearer", "deploy", 3600)
    assert jwt.get_unverified_header(body["access_token"])["alg"] == "RS256"
    claims = access_claims(op, body["access_token"])
    assert (claims["sub"], claims["client_id"], claims["aud"]) == ("svc-jwt", "svc-jwt", STS_AUDIENCE)
    assert "id_token" not in body and "refresh_token" not in body
    assert last_token_line(op)["outcome"] == "ok"


def test_the_aud_may_be_the_issuer(op):
    assert grant(op, assertion(op, aud=op.issuer)).status_code == 200


def test_resource_indicator_named_or_unknown(op):
    assert grant(op, assertion(op), resource="urn:aws-login:test:sts").status_code == 200
    r = grant(op, assertion(op), resource="urn:example:other")
    assert (r.status_code, r.json()["error"]) == (400, "invalid_target")


def test_wrong_key_refused(op):
    # A key the OP does not know, under a kid it does: the signature does not verify.
    refused(op, grant(op, assertion(op, key_file="svc-wrong", kid="svc-rs256")), "signature")


def test_wrong_audience_refused(op):
    refused(op, grant(op, assertion(op, aud="https://sts.example.org/token")), "aud")


def test_replayed_jti_refused(op):
    once = assertion(op)
    assert grant(op, once).status_code == 200
    refused(op, grant(op, once), "only be used once")


def test_a_fresh_jti_each_time_works(op):
    for _ in range(2):
        assert grant(op, assertion(op)).status_code == 200


def test_expired_assertion_refused(op):
    refused(op, grant(op, assertion(op, exp_in=-120)), "exp")


def test_machine_client_has_no_browser_grant(op):
    url, _, _ = op.auth_url("http://127.0.0.1:9/callback", client_id="svc-jwt")
    r = requests.get(url, allow_redirects=False, timeout=10)
    assert r.status_code == 400, r.text


@pytest.mark.parametrize("how", ["basic", "post"])
def test_client_secret_basic_and_post(op, how):
    form = {"grant_type": "client_credentials", "scope": "sts"}
    if how == "basic":
        r = requests.post(op.discovery["token_endpoint"], data=form, auth=("svc-secret", "svc-secret-pw"), timeout=30)
    else:
        form.update(client_id="svc-secret", client_secret="svc-secret-pw")
        r = requests.post(op.discovery["token_endpoint"], data=form, timeout=30)
    assert r.status_code == 200, r.text
    assert access_claims(op, r.json()["access_token"])["sub"] == "svc-secret"


def test_wrong_client_secret_refused(op):
    r = requests.post(op.discovery["token_endpoint"], data={"grant_type": "client_credentials"},
                      auth=("svc-secret", "not-the-secret"), timeout=30)
    assert (r.status_code, r.json()["error"]) == (401, "invalid_client")


def test_sts_takes_the_access_token_as_a_web_identity(stack, op):
    stack.sts_control(oidc_providers=[{"issuer": op.issuer, "client_ids": [STS_AUDIENCE]}])
    token = grant(op, assertion(op, "ES256")).json()["access_token"]
    r = requests.post(stack.sts["url"] + "/", timeout=60, data={
        "Action": "AssumeRoleWithWebIdentity", "Version": "2011-06-15", "RoleArn": ROLE,
        "RoleSessionName": "ci-job", "WebIdentityToken": token})
    assert r.status_code == 200, r.text
    assert h.credentials(r)["Arn"] == f"arn:aws:sts::{h.ACCT1}:assumed-role/CiDeployer/ci-job"
    line = [e for e in stack.sts_log() if e["action"] == "AssumeRoleWithWebIdentity"][-1]
    assert (line["outcome"], line["subject"], line["audience"]) == ("success", "svc-jwt", STS_AUDIENCE)


def test_log_keeps_no_secret(op):
    once = assertion(op)
    token = grant(op, once).json()["access_token"]
    requests.post(op.discovery["token_endpoint"], data={"grant_type": "client_credentials"},
                  auth=("svc-secret", "svc-secret-pw"), timeout=30)
    text = (op.dir / "oidc.log.jsonl").read_text()
    for secret in (once, once.split(".")[2], token.split(".")[2], "svc-secret-pw"):
        assert secret not in text
