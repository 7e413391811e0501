"""The STS front checks AssumeRoleWithWebIdentity like AWS: the token must be signed by a
registered OpenID provider for one of its client IDs and be in date; moto then mints
credentials that work, and the answer names subject, audience and provider."""

import base64
import json

import boto3
import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

import helpers as h

ROLE = f"arn:aws:iam::{h.ACCT1}:role/WebDeveloper"
CLIENTS = ["cli-native", "cli-secret"]


@pytest.fixture
def sts(stack, op):
    """The session's STS front, trusting the session's OP for its two clients."""
    stack.sts_control(oidc_providers=[{"issuer": op.issuer, "client_ids": CLIENTS}])
    op.control(auto_login="alice")
    return stack


@pytest.fixture
def id_token(op):
    op.control(auto_login="alice")
    return op.tokens()["id_token"]


def assume(stack, token, role=ROLE, session="alice@example.test", duration=None):
    params = {"Action": "AssumeRoleWithWebIdentity", "Version": "2011-06-15", "RoleArn": role,
              "RoleSessionName": session, "WebIdentityToken": token}
    if duration is not None:
        params["DurationSeconds"] = str(duration)
    return requests.post(stack.sts["url"] + "/", data=params, timeout=60)


def refused(resp, status, code, words):
    assert resp.status_code == status, resp.text
    kind, got, message = h.sts_error(resp)
    assert (kind, got) == ("Sender", code)
    assert words.lower() in message.lower(), message


def result(resp, name):
    root = h.parse(resp.content)
    return root.find(f".//{{{h.STS_NS}}}{name}").text


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_real_token_gives_working_credentials(sts, op, id_token):
    r = assume(sts, id_token)
    assert r.status_code == 200, r.text
    assert (result(r, "SubjectFromWebIdentityToken"), result(r, "Audience"), result(r, "Provider")) == (
        "alice", "cli-native", op.issuer)
    creds = h.credentials(r)
    assert creds["Arn"] == f"arn:aws:sts::{h.ACCT1}:assumed-role/WebDeveloper/alice@example.test"
    assert 3540 < (h.expiration(creds) - h.utc_now()).total_seconds() <= 3600
    ident = boto3.client("sts", endpoint_url=sts.sts["url"], region_name="us-east-1",
                         aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                         aws_session_token=creds["SessionToken"]).get_caller_identity()
    assert ident["Arn"] == creds["Arn"]
    line = [e for e in sts.sts_log() if e["action"] == "AssumeRoleWithWebIdentity"][-1]
    assert (line["outcome"], line["issuer"], line["subject"], line["audience"]) == (
        "success", op.issuer, "alice", "cli-native")
    text = (sts.dir / "sts.log.jsonl").read_text()
    for secret in (id_token, id_token.split(".")[2], creds["SecretAccessKey"], creds["SessionToken"]):
        assert secret not in text


def test_boto3_unsigned_call_and_duration(sts, id_token):
    from botocore import UNSIGNED
    from botocore.config import Config

    client = boto3.client("sts", endpoint_url=sts.sts["url"], region_name="us-east-1",
                          config=Config(signature_version=UNSIGNED))
    out = client.assume_role_with_web_identity(RoleArn=ROLE, RoleSessionName="alice", WebIdentityToken=id_token,
                                               DurationSeconds=900)
    assert out["Provider"] and out["Audience"] == "cli-native"
    left = (out["Credentials"]["Expiration"] - h.utc_now()).total_seconds()
    assert 840 < left <= 900


def test_access_token_when_the_op_makes_jwts(sts, op):
    refused(assume(sts, op.tokens()["access_token"]), 400, "InvalidIdentityToken", "could not be validated")
    op.control(jwt_access_tokens=True)
    r = assume(sts, op.tokens()["access_token"])
    assert r.status_code == 200, r.text
    assert (result(r, "SubjectFromWebIdentityToken"), result(r, "Audience")) == ("alice", "cli-native")


def test_tampered_signature(sts, id_token):
    head, body, sig = id_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["sub"] = "mallory"
    refused(assume(sts, f"{head}.{b64url(json.dumps(claims).encode())}.{sig}"), 400, "InvalidIdentityToken",
            "could not be validated")
    flipped = sig[:-2] + ("A" if sig[-2] != "A" else "B") + sig[-1]
    refused(assume(sts, f"{head}.{body}.{flipped}"), 400, "InvalidIdentityToken", "could not be validated")


def test_signed_by_a_foreign_key_with_the_ops_kid(sts, op, id_token):
    claims = jwt.decode(id_token, options={"verify_signature": False})
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, key, algorithm="RS256", headers={"kid": jwt.get_unverified_header(id_token)["kid"]})
    refused(assume(sts, forged), 400, "InvalidIdentityToken", "could not be validated")


def test_none_alg(sts, id_token):
    _, body, _ = id_token.split(".")
    none = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    refused(assume(sts, f"{none}.{body}."), 400, "InvalidIdentityToken", "could not be validated")


def test_expired(sts, id_token):
    sts.sts_control(web_identity_clock_skew=3601)  # the token lives an hour
    refused(assume(sts, id_token), 400, "ExpiredTokenException", "Token is expired")


def test_foreign_audience(sts, op, id_token):
    sts.sts_control(oidc_providers=[{"issuer": op.issuer, "client_ids": ["some-other-app"]}])
    refused(assume(sts, id_token), 400, "InvalidIdentityToken", "Incorrect token audience")


def test_unregistered_issuer(sts, op, id_token):
    sts.sts_control(oidc_providers=[])
    refused(assume(sts, id_token), 400, "InvalidIdentityToken", f"No OpenIDConnect provider found in your "
                                                                f"account for {op.issuer}")


def test_role_that_does_not_trust_the_provider(sts, op, id_token):
    sts.sts_control(oidc_providers=[{"issuer": op.issuer, "client_ids": CLIENTS, "roles": [h.DEVELOPER]}])
    refused(assume(sts, id_token), 403, "AccessDenied", "sts:AssumeRoleWithWebIdentity")
    assert assume(sts, id_token, role=h.DEVELOPER).status_code == 200


def test_garbage_token(sts):
    refused(assume(sts, "not-a-jwt-at-all"), 400, "InvalidIdentityToken", "could not be validated")


@pytest.mark.parametrize("change, words", [
    ({"session": "a"}, "roleSessionName"),
    ({"session": "alice smith"}, "roleSessionName"),
    ({"session": "x" * 65}, "roleSessionName"),
    ({"duration": 899}, "greater than or equal to 900"),
    ({"duration": 43201}, "less than or equal to 43200"),
    ({"role": "arn:aws:iam::1:r"}, "roleArn"),
    ({"token": ""}, "webIdentityToken"),
])
def test_parameters_are_validated_before_the_token(sts, change, words):
    kwargs = {"session": change.get("session", "alice"), "duration": change.get("duration"),
              "role": change.get("role", ROLE)}
    refused(assume(sts, change.get("token", "garbage-token"), **kwargs), 400, "ValidationError", words)


def test_duration_beyond_the_roles_maximum(sts, id_token):
    refused(assume(sts, id_token, duration=7200), 400, "ValidationError", "MaxSessionDuration")


def test_a_rotated_key_is_fetched_once(sts, op, id_token):
    assert assume(sts, id_token).status_code == 200  # the front has the JWKS now
    kid = op.control(kid_rotate=True)["signing_kid"]
    token = op.tokens()["id_token"]
    assert jwt.get_unverified_header(token)["kid"] == kid
    assert assume(sts, token).status_code == 200


def test_reject_knob_forces_a_code(sts, id_token):
    sts.sts_control(reject="IDPRejectedClaim")
    refused(assume(sts, id_token), 403, "IDPRejectedClaim", "rejected")


def test_unreachable_jwks(sts, id_token):
    sts.sts_control(oidc_providers=[{"issuer": "http://127.0.0.1:9", "client_ids": CLIENTS}])
    claims = jwt.decode(id_token, options={"verify_signature": False})
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode({**claims, "iss": "http://127.0.0.1:9"}, key, algorithm="RS256", headers={"kid": "k"})
    refused(assume(sts, token), 400, "IDPCommunicationError", "verification key")
