"""The IAM Identity Center stand-in (tests/sso/standin.py) keeps to AWS's wire format: boto3's
sso-oidc and sso clients drive every call through it, and botocore's own SSO token and
credential providers read and refresh a token file placed the way the AWS CLI keeps it."""

import base64
import hashlib
import json
import secrets
import subprocess
import time
from urllib.parse import parse_qs, urlsplit

import boto3
import botocore.config
import botocore.session
import botocore.tokens
import pytest
import requests

from conftest import PY, REPO, serving_beside

DEFAULTS = {"approval": "approve", "user": "erin", "pending_polls": 1, "slow_downs": 0,
            "device_interval": 1, "device_ttl": 600, "access_token_ttl": 3600, "refresh_tokens": True,
            "client_ttl": 90 * 86400, "credential_ttl": 3600, "page_size": 3, "rate_limit": None,
            "portal_delay": 0}
DEVICE = "urn:ietf:params:oauth:grant-type:device_code"
USERS = json.loads((REPO / "tests/sso/users.json").read_text())


@pytest.fixture(scope="module")
def standin(servers):
    yield from serving_beside(servers.dir, "tests/sso/standin.py", "sso")


@pytest.fixture
def sso(standin, stack):
    control(standin, revoke_tokens=True, revoke_refresh=True, **DEFAULTS)
    return standin


def control(standin, **knobs):
    r = requests.post(standin["url"] + "/_control", json=knobs, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def oidc(standin):
    return boto3.client("sso-oidc", endpoint_url=standin["url"], region_name="us-east-1")


def portal(standin):
    return boto3.client("sso", endpoint_url=standin["url"], region_name="us-east-1")


def log(standin_dir):
    return [json.loads(line) for line in (standin_dir / "sso.log.jsonl").read_text().splitlines()]


def device_token(standin, client=None):
    o = oidc(standin)
    reg = client or o.register_client(clientName="test", clientType="public")
    dev = o.start_device_authorization(clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                                       startUrl=standin["start_url"])
    with pytest.raises(o.exceptions.AuthorizationPendingException) as pending:
        o.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"], grantType=DEVICE,
                       deviceCode=dev["deviceCode"])
    assert pending.value.response["error"] == "authorization_pending"
    tok = o.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"], grantType=DEVICE,
                         deviceCode=dev["deviceCode"])
    return reg, dev, tok


def caller(stack, creds):
    sts = boto3.client("sts", endpoint_url=stack.sts["url"], region_name="us-east-1",
                       aws_access_key_id=creds["accessKeyId"], aws_secret_access_key=creds["secretAccessKey"],
                       aws_session_token=creds["sessionToken"])
    return sts.get_caller_identity()["Arn"]


def test_device_grant_to_credentials_known_at_sts(sso, stack):
    reg, dev, tok = device_token(sso)
    assert dev["verificationUriComplete"].endswith(dev["userCode"]) and dev["interval"] == 1
    assert tok["tokenType"] == "Bearer" and tok["expiresIn"] == 3600 and tok["refreshToken"]
    p = portal(sso)
    accounts = [a for page in p.get_paginator("list_accounts").paginate(accessToken=tok["accessToken"])
                for a in page["accountList"]]
    assert [(a["accountId"], a["accountName"]) for a in accounts] == [("111122223333", "prod"), ("444455556666", "dev")]
    roles = p.list_account_roles(accessToken=tok["accessToken"], accountId="111122223333")["roleList"]
    assert [r["roleName"] for r in roles] == ["ReadOnly", "Admin"]
    creds = p.get_role_credentials(accessToken=tok["accessToken"], accountId="111122223333",
                                   roleName="Admin")["roleCredentials"]
    # Epoch milliseconds, as the model's ExpirationTimestampType.
    assert abs(creds["expiration"] / 1000 - (time.time() + 3600)) < 120
    assert caller(stack, creds) == "arn:aws:sts::111122223333:assumed-role/Admin/erin"


def test_pages_follow_next_token_for_twenty_pairs(sso):
    control(sso, user="gina")
    _, _, tok = device_token(sso)
    p = portal(sso)
    pairs = []
    for page in p.get_paginator("list_accounts").paginate(accessToken=tok["accessToken"]):
        for a in page["accountList"]:
            for rp in p.get_paginator("list_account_roles").paginate(accessToken=tok["accessToken"],
                                                                      accountId=a["accountId"]):
                pairs += [(r["accountId"], r["roleName"]) for r in rp["roleList"]]
    assert len(pairs) == 20 and len(set(pairs)) == 20
    first = p.list_accounts(accessToken=tok["accessToken"], maxResults=2)
    assert len(first["accountList"]) == 2 and first["nextToken"]


def test_device_errors_as_aws_sends_them(sso):
    o = oidc(sso)
    reg = o.register_client(clientName="test", clientType="public")
    ids = {"clientId": reg["clientId"], "clientSecret": reg["clientSecret"]}
    control(sso, slow_downs=1)
    dev = o.start_device_authorization(startUrl=sso["start_url"], **ids)
    with pytest.raises(o.exceptions.SlowDownException):
        o.create_token(grantType=DEVICE, deviceCode=dev["deviceCode"], **ids)
    control(sso, approval="deny")
    dev = o.start_device_authorization(startUrl=sso["start_url"], **ids)
    with pytest.raises(o.exceptions.AccessDeniedException) as denied:
        o.create_token(grantType=DEVICE, deviceCode=dev["deviceCode"], **ids)
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    control(sso, approval="manual")
    dev = o.start_device_authorization(startUrl=sso["start_url"], **ids)
    control(sso, expire_devices=True)
    with pytest.raises(o.exceptions.ExpiredTokenException):
        o.create_token(grantType=DEVICE, deviceCode=dev["deviceCode"], **ids)
    with pytest.raises(o.exceptions.InvalidClientException):
        o.start_device_authorization(startUrl=sso["start_url"], clientId=reg["clientId"], clientSecret="wrong")


def test_the_sign_in_page_approves_a_device_code_with_the_password(sso):
    control(sso, approval="manual")
    o = oidc(sso)
    reg = o.register_client(clientName="test", clientType="public")
    ids = {"clientId": reg["clientId"], "clientSecret": reg["clientSecret"]}
    dev = o.start_device_authorization(startUrl=sso["start_url"], **ids)
    assert requests.get(dev["verificationUriComplete"], timeout=10).status_code == 200
    form = {"user_code": dev["userCode"], "user": "erin", "decision": "allow"}
    assert requests.post(sso["url"] + "/device", data={**form, "password": "nope"}, timeout=10).status_code == 401
    r = requests.post(sso["url"] + "/device", data={**form, "password": USERS["users"]["erin"]["password"]},
                      timeout=10)
    assert r.status_code == 200, r.text
    assert o.create_token(grantType=DEVICE, deviceCode=dev["deviceCode"], **ids)["accessToken"]


def pkce():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize(sso, reg, redirect, challenge, state="st-1"):
    r = requests.get(sso["url"] + "/authorize", allow_redirects=False, timeout=10, params={
        "response_type": "code", "client_id": reg["clientId"], "redirect_uri": redirect, "state": state,
        "code_challenge": challenge, "code_challenge_method": "S256", "scopes": "sso:account:access"})
    return r


def test_authorization_code_with_pkce_and_refresh(sso):
    o = oidc(sso)
    reg = o.register_client(clientName="test", clientType="public", grantTypes=["authorization_code", "refresh_token"],
                            redirectUris=["http://127.0.0.1/oauth/callback"], issuerUrl=sso["start_url"],
                            scopes=["sso:account:access"])
    ids = {"clientId": reg["clientId"], "clientSecret": reg["clientSecret"]}
    redirect = "http://127.0.0.1:54321/oauth/callback"
    verifier, challenge = pkce()
    r = authorize(sso, reg, redirect, challenge)
    assert r.status_code == 302, r.text
    back = urlsplit(r.headers["Location"])
    query = parse_qs(back.query)
    assert back.netloc == "127.0.0.1:54321" and query["state"] == ["st-1"]
    code = query["code"][0]
    with pytest.raises(o.exceptions.InvalidGrantException):
        o.create_token(grantType="authorization_code", code=code, redirectUri=redirect,
                       codeVerifier=pkce()[0], **ids)
    # A code is good once, even after a wrong verifier: take another.
    code = parse_qs(urlsplit(authorize(sso, reg, redirect, challenge).headers["Location"]).query)["code"][0]
    tok = o.create_token(grantType="authorization_code", code=code, redirectUri=redirect, codeVerifier=verifier, **ids)
    fresh = o.create_token(grantType="refresh_token", refreshToken=tok["refreshToken"], **ids)
    assert fresh["accessToken"] != tok["accessToken"] and fresh["refreshToken"] != tok["refreshToken"]
    # Refresh tokens rotate: the used one is spent.
    with pytest.raises(o.exceptions.InvalidGrantException):
        o.create_token(grantType="refresh_token", refreshToken=tok["refreshToken"], **ids)
    control(sso, approval="deny")
    denied = parse_qs(urlsplit(authorize(sso, reg, redirect, challenge).headers["Location"]).query)
    assert denied["error"] == ["access_denied"] and "code" not in denied
    assert authorize(sso, reg, "http://evil.example/cb", challenge).status_code == 400


def test_portal_refuses_bad_and_logged_out_tokens_and_too_many_calls(sso):
    _, _, tok = device_token(sso)
    p = portal(sso)
    with pytest.raises(p.exceptions.UnauthorizedException):
        p.list_accounts(accessToken="at-not-issued")
    with pytest.raises(p.exceptions.ClientError) as forbidden:
        p.get_role_credentials(accessToken=tok["accessToken"], accountId="111122223333", roleName="Nope")
    assert forbidden.value.response["Error"]["Code"] == "ForbiddenException"
    control(sso, rate_limit=1)
    p = boto3.client("sso", endpoint_url=sso["url"], region_name="us-east-1",
                     config=botocore.config.Config(retries={"max_attempts": 1}))
    with pytest.raises(p.exceptions.TooManyRequestsException):
        for _ in range(5):
            p.list_accounts(accessToken=tok["accessToken"])
    control(sso, rate_limit=None)
    p.logout(accessToken=tok["accessToken"])
    with pytest.raises(p.exceptions.UnauthorizedException):
        p.list_accounts(accessToken=tok["accessToken"])
    _, _, tok = device_token(sso)
    control(sso, expire_tokens=True)
    with pytest.raises(p.exceptions.UnauthorizedException):
        p.list_accounts(accessToken=tok["accessToken"])


def test_the_log_holds_no_secret(sso, servers):
    reg, _, tok = device_token(sso)
    text = (servers.dir / "sso.log.jsonl").read_text()
    for secret in (reg["clientSecret"], tok["accessToken"], tok["refreshToken"]):
        assert secret not in text
    ops = [e["op"] for e in log(servers.dir)]
    assert "RegisterClient" in ops and "CreateToken" in ops


# -- botocore's own providers read the token file the AWS CLI keeps ------------------------------
# botocore fixes ~/.aws/sso/cache when it is imported, so they run in a process of their own with
# HOME pointing at the test's directory.

def botocore_home(tmp_path, sso, section):
    (tmp_path / "config").write_text(section)
    (tmp_path / ".aws/sso/cache").mkdir(parents=True)
    env = {"HOME": str(tmp_path), "AWS_CONFIG_FILE": str(tmp_path / "config"),
           "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_EC2_METADATA_DISABLED": "true",
           "AWS_ENDPOINT_URL_SSO_OIDC": sso["url"], "AWS_ENDPOINT_URL_SSO": sso["url"], "PATH": "/usr/bin:/bin"}
    return env


def in_botocore(env, code):
    out = subprocess.run([PY, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def stamp(seconds_from_now):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + seconds_from_now))


def test_botocore_refreshes_a_session_token_file_and_gets_credentials(sso, stack, tmp_path):
    env = botocore_home(tmp_path, sso, f"""
[profile p]
sso_session = corp
sso_account_id = 444455556666
sso_role_name = Developer
region = us-east-1
[sso-session corp]
sso_start_url = {sso['start_url']}
sso_region = us-east-1
sso_registration_scopes = sso:account:access
""")
    reg, _, tok = device_token(sso)
    path = tmp_path / ".aws/sso/cache" / (hashlib.sha1(b"corp").hexdigest() + ".json")
    # Five minutes left: inside botocore's refresh window, so it must use the refresh token.
    path.write_text(json.dumps({
        "startUrl": sso["start_url"], "region": "us-east-1", "accessToken": tok["accessToken"],
        "expiresAt": stamp(300), "refreshToken": tok["refreshToken"], "clientId": reg["clientId"],
        "clientSecret": reg["clientSecret"], "registrationExpiresAt": stamp(86400)}))
    fresh = in_botocore(env, "import botocore.session, botocore.tokens\n"
                             "s = botocore.session.Session(profile='p')\n"
                             "print(botocore.tokens.SSOTokenProvider(s).load_token().get_frozen_token().token)")
    assert fresh.startswith("at-") and fresh != tok["accessToken"]
    stored = json.loads(path.read_text())
    assert stored["accessToken"] == fresh and stored["refreshToken"] != tok["refreshToken"]
    arn = in_botocore(env, "import boto3\n"
                           f"sts = boto3.Session(profile_name='p').client('sts', endpoint_url='{stack.sts['url']}')\n"
                           "print(sts.get_caller_identity()['Arn'])")
    assert arn == "arn:aws:sts::444455556666:assumed-role/Developer/erin"


def test_botocore_reads_a_legacy_start_url_token_file(sso, stack, tmp_path):
    env = botocore_home(tmp_path, sso, f"""
[profile legacy]
sso_start_url = {sso['start_url']}
sso_region = us-east-1
sso_account_id = 111122223333
sso_role_name = ReadOnly
region = us-east-1
""")
    _, _, tok = device_token(sso)
    path = tmp_path / ".aws/sso/cache" / (hashlib.sha1(sso["start_url"].encode()).hexdigest() + ".json")
    path.write_text(json.dumps({"startUrl": sso["start_url"], "region": "us-east-1",
                                "accessToken": tok["accessToken"], "expiresAt": stamp(3600)}))
    arn = in_botocore(env, "import boto3\n"
                           f"sts = boto3.Session(profile_name='legacy').client('sts', endpoint_url='{stack.sts['url']}')\n"
                           "print(sts.get_caller_identity()['Arn'])")
    assert arn == "arn:aws:sts::111122223333:assumed-role/ReadOnly/erin"
