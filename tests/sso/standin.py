#!/usr/bin/env python3
"""A stand-in for AWS IAM Identity Center (sso-oidc and the sso portal), for the aws-login tests.

    .stack/venv/bin/python tests/sso/standin.py --state-dir DIR [--users FILE]
        [--knobs JSON] [--die-with-parent]

No emulator exists (moto has only sso-admin), so this server speaks the AWS wire format as
botocore's service models (data/sso-oidc, data/sso) describe it, rest-json, unsigned:

  sso-oidc  POST /client/register          RegisterClient
            POST /device_authorization     StartDeviceAuthorization
            POST /token                    CreateToken: device_code, authorization_code (PKCE
                                           S256 verified) and refresh_token grants
            GET  /authorize                the browser's authorization request (PKCE)
            GET|POST /device               the scripted sign-in page of the device grant
  sso       GET  /assignment/accounts      ListAccounts      (paginated: next_token, max_result)
            GET  /assignment/roles         ListAccountRoles  (paginated)
            GET  /federation/credentials   GetRoleCredentials: minted by AssumeRole at the STS
                                           front of the same state directory (DIR/sts.json), so
                                           GetCallerIdentity there knows them
            POST /logout                   Logout: the access token stops working

Errors are answered as AWS does: the model's HTTP status, `x-amzn-ErrorType: <Name>`, and a
body of `{"error", "error_description"}` (sso-oidc) or `{"message"}` (sso). Refresh tokens
rotate: each is good once, as a second use of one is what burns a session.

Who signs in is scripted (knob `approval`: approve / deny as knob `user`, or `manual`: the
sign-in page's form decides). Writes DIR/sso.json when ready; logs each request to
DIR/sso.log.jsonl (never a token, code, verifier or client secret).
"""

import argparse
import base64
import hashlib
import html
import http.client
import json
import os
import re
import secrets
import sys
import threading
import time
from urllib.parse import parse_qs, urlencode, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "stack"))
import stacklib  # noqa: E402
from stacklib import JsonlLog, Knobs, number, one_of, optional_str  # noqa: E402

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
# name -> (HTTP status, the OAuth error code), as botocore's sso-oidc model has them.
OIDC_ERRORS = {
    "AuthorizationPendingException": (400, "authorization_pending"),
    "SlowDownException": (400, "slow_down"),
    "AccessDeniedException": (400, "access_denied"),
    "ExpiredTokenException": (400, "expired_token"),
    "InvalidGrantException": (400, "invalid_grant"),
    "InvalidClientException": (401, "invalid_client"),
    "InvalidRequestException": (400, "invalid_request"),
    "UnsupportedGrantTypeException": (400, "unsupported_grant_type"),
    "InvalidScopeException": (400, "invalid_scope"),
    "InvalidRedirectUriException": (400, "invalid_redirect_uri"),
    "InvalidClientMetadataException": (400, "invalid_client_metadata"),
    "UnauthorizedClientException": (400, "unauthorized_client"),
}
PORTAL_ERRORS = {
    "UnauthorizedException": 401,
    "InvalidRequestException": 400,
    "TooManyRequestsException": 429,
    "ResourceNotFoundException": 404,
    # Not in botocore's model, but what GetRoleCredentials answers for a role not assigned.
    "ForbiddenException": 403,
}

KNOB_SPEC = {
    # what the scripted sign-in does: approve as `user`, deny, or leave it to the sign-in form
    "approval": ("approve", one_of("approve", "deny", "manual")),
    # who signs in when approval is automatic (a user of users.json)
    "user": ("erin", optional_str),
    # AuthorizationPendingException answers before an approved device code gives its token
    "pending_polls": (1, number(minimum=0)),
    # SlowDownException answers before that (each also counts as a poll)
    "slow_downs": (0, number(minimum=0)),
    # the device code's `interval` (seconds) and lifetime
    "device_interval": (1, number(minimum=0)),
    "device_ttl": (600, number(minimum=1)),
    # access tokens' lifetime, seconds
    "access_token_ttl": (3600, number(minimum=-86400)),
    # whether CreateToken hands out refresh tokens
    "refresh_tokens": (True, one_of(True, False)),
    # a client registration's lifetime, seconds
    "client_ttl": (90 * 86400, number(minimum=-86400)),
    # GetRoleCredentials' credentials lifetime, seconds
    "credential_ttl": (3600, number(minimum=1)),
    # the largest page ListAccounts / ListAccountRoles give (max_result may ask for less)
    "page_size": (3, number(minimum=1)),
    # portal calls per second before TooManyRequestsException (null: no limit)
    "rate_limit": (None, number(minimum=1, allow_none=True)),
    # seconds each portal call takes (a slow network), so concurrency shows
    "portal_delay": (0, number(minimum=0)),
}


class AwsError(Exception):
    def __init__(self, name, description):
        super().__init__(description)
        self.name, self.description = name, description


def now():
    return time.time()


def s256(verifier):
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def loopback_redirect(uri):
    """RFC 8252 7.3: http://127.0.0.1 or [::1] on any port; the path is what counts."""
    parts = urlsplit(uri or "")
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "::1"), parts.path


class Rate:
    """At most `limit` calls in any one-second window."""

    def __init__(self):
        self.lock = threading.Lock()
        self.calls = []

    def allow(self, limit):
        if limit is None:
            return True
        with self.lock:
            t = time.monotonic()
            self.calls = [c for c in self.calls if t - c < 1.0]
            if len(self.calls) >= limit:
                return False
            self.calls.append(t)
            return True


class IdentityCenter:
    def __init__(self, state_dir, users, knobs, log):
        self.state_dir, self.knobs, self.log = state_dir, knobs, log
        self.start_url = users["start_url"]
        self.users = users["users"]
        self.lock = threading.Lock()
        self.clients = {}  # clientId -> {secret, expires, grants, redirects}
        self.devices = {}  # deviceCode -> {client, user_code, expires, state, user, polls}
        self.codes = {}  # auth code -> {client, redirect, challenge, user, expires}
        self.access = {}  # access token -> {user, expires}
        self.refresh = {}  # refresh token -> {user, client}
        self.rate = Rate()
        self.base = None

    # -- sso-oidc ------------------------------------------------------------

    def register(self, body, record):
        name, kind = body.get("clientName"), body.get("clientType")
        if not name or kind != "public":
            raise AwsError("InvalidClientMetadataException", "clientName and clientType 'public' are required")
        grants = body.get("grantTypes") or [DEVICE_GRANT, "refresh_token"]
        redirects = body.get("redirectUris") or []
        if "authorization_code" in grants:
            if not redirects or not all(loopback_redirect(u)[0] for u in redirects):
                raise AwsError("InvalidRedirectUriException", "redirectUris must be loopback http URIs")
            if not body.get("issuerUrl"):
                raise AwsError("InvalidRequestException", "issuerUrl is required for authorization_code")
        client_id, secret = "cl-" + secrets.token_urlsafe(12), "cs-" + secrets.token_urlsafe(32)
        issued = int(now())
        expires = issued + int(self.knobs.get("client_ttl"))
        with self.lock:
            self.clients[client_id] = {"secret": secret, "expires": expires, "grants": grants,
                                       "redirects": redirects, "scopes": body.get("scopes") or []}
        record.update(client=client_id, grants=grants)
        return {"clientId": client_id, "clientSecret": secret, "clientIdIssuedAt": issued,
                "clientSecretExpiresAt": expires}

    def client(self, body, record):
        client_id = body.get("clientId")
        record["client"] = client_id
        with self.lock:
            c = self.clients.get(client_id)
        if c is None or not secrets.compare_digest(c["secret"], body.get("clientSecret") or ""):
            raise AwsError("InvalidClientException", "Invalid client credentials")
        if c["expires"] <= now():
            raise AwsError("InvalidClientException", "Client registration has expired")
        return c

    def start_device(self, body, record):
        self.client(body, record)
        if body.get("startUrl") != self.start_url:
            raise AwsError("InvalidRequestException", "startUrl is not this directory's start URL")
        code = "dc-" + secrets.token_urlsafe(24)
        user_code = "-".join(secrets.token_hex(2).upper() for _ in range(2))
        with self.lock:
            self.devices[code] = {"client": body["clientId"], "user_code": user_code,
                                  "expires": now() + self.knobs.get("device_ttl"),
                                  "state": "pending", "user": None, "polls": 0}
        return {"deviceCode": code, "userCode": user_code,
                "verificationUri": f"{self.base}/device",
                "verificationUriComplete": f"{self.base}/device?user_code={user_code}",
                "expiresIn": int(self.knobs.get("device_ttl")),
                "interval": int(self.knobs.get("device_interval"))}

    def token(self, body, record):
        client = self.client(body, record)
        grant = body.get("grantType")
        record["grant_type"] = grant
        if grant not in client["grants"]:
            raise AwsError("UnauthorizedClientException" if grant in (DEVICE_GRANT, "authorization_code",
                                                                     "refresh_token")
                           else "UnsupportedGrantTypeException", f"grant type {grant} is not allowed")
        if grant == DEVICE_GRANT:
            user = self.device_token(body)
        elif grant == "authorization_code":
            user = self.code_token(body)
        elif grant == "refresh_token":
            user = self.refresh_token(body)
        else:
            raise AwsError("UnsupportedGrantTypeException", f"unsupported grant type {grant}")
        record["user"] = user
        return self.issue(user, body["clientId"])

    def device_token(self, body):
        with self.lock:
            d = self.devices.get(body.get("deviceCode"))
            if d is None or d["client"] != body["clientId"]:
                raise AwsError("InvalidGrantException", "Invalid device code")
            if d["expires"] <= now():
                raise AwsError("ExpiredTokenException", "Device code has expired")
            d["polls"] += 1
            if d["state"] == "pending" and self.knobs.get("approval") != "manual":
                if self.knobs.get("approval") == "deny":
                    d["state"] = "denied"
                elif d["polls"] > self.knobs.get("slow_downs") + self.knobs.get("pending_polls"):
                    d["state"], d["user"] = "approved", self.knobs.get("user")
            if d["state"] == "denied":
                del self.devices[body["deviceCode"]]
                raise AwsError("AccessDeniedException", "The user denied the authorization request")
            if d["state"] != "approved":
                if d["polls"] <= self.knobs.get("slow_downs"):
                    raise AwsError("SlowDownException", "Client is polling too quickly")
                raise AwsError("AuthorizationPendingException", "Authorization is still pending")
            del self.devices[body["deviceCode"]]
            return d["user"]

    def code_token(self, body):
        with self.lock:
            c = self.codes.pop(body.get("code") or "", None)
        if c is None or c["client"] != body["clientId"] or c["expires"] <= now():
            raise AwsError("InvalidGrantException", "Invalid authorization code")
        if body.get("redirectUri") != c["redirect"]:
            raise AwsError("InvalidGrantException", "redirectUri does not match the authorization request")
        verifier = body.get("codeVerifier") or ""
        if not re.fullmatch(r"[A-Za-z0-9._~-]{43,128}", verifier) or s256(verifier) != c["challenge"]:
            raise AwsError("InvalidGrantException", "codeVerifier does not match the code challenge")
        return c["user"]

    def refresh_token(self, body):
        with self.lock:
            r = self.refresh.pop(body.get("refreshToken") or "", None)
        if r is None or r["client"] != body["clientId"]:
            raise AwsError("InvalidGrantException", "Invalid refresh token")
        return r["user"]

    def issue(self, user, client_id):
        ttl = int(self.knobs.get("access_token_ttl"))
        token = "at-" + secrets.token_urlsafe(32)
        answer = {"accessToken": token, "tokenType": "Bearer", "expiresIn": ttl}
        with self.lock:
            self.access[token] = {"user": user, "expires": now() + ttl}
            if self.knobs.get("refresh_tokens"):
                rt = "rt-" + secrets.token_urlsafe(32)
                self.refresh[rt] = {"user": user, "client": client_id}
                answer["refreshToken"] = rt
        return answer

    def authorize(self, params, record):
        """Returns the redirect to the client's loopback listener, or a sign-in page."""
        client_id = params.get("client_id")
        record["client"] = client_id
        with self.lock:
            c = self.clients.get(client_id)
        redirect = params.get("redirect_uri")
        ok, path = loopback_redirect(redirect)
        registered = c and any(urlsplit(u).path == path for u in c["redirects"])
        if (c is None or params.get("response_type") != "code" or not ok or not registered
                or params.get("code_challenge_method") != "S256" or not params.get("code_challenge")):
            return 400, "invalid authorization request", None
        approval = self.knobs.get("approval")
        if approval == "manual":
            return 200, self.page("/authorize", params, "Allow aws-login to reach your AWS accounts?"), None
        return self.decide_authorize(params, approval == "approve", self.knobs.get("user"), record)

    def decide_authorize(self, params, allow, user, record):
        redirect, state = params["redirect_uri"], params.get("state")
        if not allow or user not in self.users:
            record["outcome"] = "denied"
            return 302, "", f"{redirect}?{urlencode({'error': 'access_denied', 'state': state})}"
        code = "ac-" + secrets.token_urlsafe(24)
        with self.lock:
            self.codes[code] = {"client": params["client_id"], "redirect": redirect,
                                "challenge": params["code_challenge"], "user": user,
                                "expires": now() + 300}
        record.update(outcome="approved", user=user)
        return 302, "", f"{redirect}?{urlencode({'code': code, 'state': state})}"

    def device_decision(self, form, record):
        user_code, user = form.get("user_code"), form.get("user")
        allow = form.get("decision") == "allow"
        with self.lock:
            for d in self.devices.values():
                if d["user_code"] == user_code and d["state"] == "pending":
                    if allow and (user not in self.users
                                  or form.get("password") != self.users[user]["password"]):
                        return 401, "wrong username or password"
                    d["state"], d["user"] = ("approved", user) if allow else ("denied", None)
                    record.update(outcome=d["state"], user=d["user"])
                    return 200, f"<p id='done'>{d['state']}</p>"
        return 404, "no such pending code"

    def page(self, action, fields, question):
        hidden = "".join(f"<input type='hidden' name='{html.escape(k)}' value='{html.escape(v)}'>"
                         for k, v in fields.items())
        return (f"<!DOCTYPE html><html><body><h1>AWS access portal (test)</h1><p>{html.escape(question)}</p>"
                f"<form method='post' action='{action}'>{hidden}"
                "<input name='user'><input name='password' type='password'>"
                "<button name='decision' value='allow'>Allow</button>"
                "<button name='decision' value='deny'>Deny</button></form></body></html>")

    # -- the portal ----------------------------------------------------------

    def bearer(self, headers, record):
        token = headers.get("x-amz-sso_bearer_token") or ""
        with self.lock:
            a = self.access.get(token)
        if a is None:
            raise AwsError("UnauthorizedException", "Session token not found or invalid")
        if a["expires"] <= now():
            raise AwsError("UnauthorizedException", "Session token has expired")
        record["user"] = a["user"]
        return a["user"]

    def page_of(self, items, params, key):
        size = int(self.knobs.get("page_size"))
        try:
            asked = int(params.get("max_result") or size)
            start = int(params.get("next_token") or 0)
        except ValueError:
            raise AwsError("InvalidRequestException", "Invalid max_result or next_token") from None
        if not 1 <= asked <= 100 or start < 0:
            raise AwsError("InvalidRequestException", "max_result must be from 1 to 100")
        end = start + min(asked, size)
        out = {key: items[start:end]}
        if end < len(items):
            out["nextToken"] = str(end)
        return out

    def assignments(self, user):
        return self.users.get(user, {}).get("accounts", [])

    def list_accounts(self, user, params):
        accounts = [{k: a[k] for k in ("accountId", "accountName", "emailAddress")} for a in self.assignments(user)]
        return self.page_of(accounts, params, "accountList")

    def list_roles(self, user, params, record):
        account = params.get("account_id")
        record["account_id"] = account
        if not account:
            raise AwsError("InvalidRequestException", "account_id is required")
        for a in self.assignments(user):
            if a["accountId"] == account:
                roles = [{"roleName": r, "accountId": account} for r in a["roles"]]
                return self.page_of(roles, params, "roleList")
        raise AwsError("ResourceNotFoundException", "Account not found")

    def role_credentials(self, user, params, record):
        account, role = params.get("account_id"), params.get("role_name")
        record.update(account_id=account, role_name=role)
        if not any(a["accountId"] == account and role in a["roles"] for a in self.assignments(user)):
            raise AwsError("ForbiddenException", "No access")
        c = self.mint(account, role, user)
        expires_ms = int((now() + self.knobs.get("credential_ttl")) * 1000)
        return {"roleCredentials": {"accessKeyId": c["AccessKeyId"], "secretAccessKey": c["SecretAccessKey"],
                                    "sessionToken": c["SessionToken"], "expiration": expires_ms}}

    def mint(self, account, role, user):
        """AssumeRole at the STS front (which hands it to moto), as the role's account, so that
        the credentials are known there afterwards."""
        with open(os.path.join(self.state_dir, "sts.json"), encoding="utf-8") as fh:
            sts = urlsplit(json.load(fh)["url"])
        form = urlencode({"Action": "AssumeRole", "Version": "2011-06-15",
                          "RoleArn": f"arn:aws:iam::{account}:role/{role}", "RoleSessionName": user,
                          "DurationSeconds": "3600"})
        conn = http.client.HTTPConnection(sts.hostname, sts.port, timeout=30)
        try:
            conn.request("POST", "/", body=form, headers={
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                # moto routes by the signing scope and checks no signature.
                "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDSSOSTANDIN/20260101/us-east-1/sts/"
                                 "aws4_request, SignedHeaders=host, Signature=0",
                "x-moto-account-id": account})
            resp = conn.getresponse()
            body = resp.read().decode("utf-8")
        finally:
            conn.close()
        if resp.status != 200:
            raise RuntimeError(f"AssumeRole at the STS front answered {resp.status}")
        return {k: re.search(f"<{k}>([^<]*)</{k}>", body).group(1)
                for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")}

    def logout(self, headers, record):
        self.bearer(headers, record)
        with self.lock:
            self.access.pop(headers.get("x-amz-sso_bearer_token"), None)
        return {}

    def control(self, changes):
        """Action keys: revoke_tokens (every access token stops working), expire_tokens
        (every access token is expired), expire_devices (every pending device code), revoke_refresh
        (every refresh token), expire_clients (every registration)."""
        changes = dict(changes)
        with self.lock:
            if changes.pop("revoke_tokens", False):
                self.access.clear()
            if changes.pop("expire_tokens", False):
                for a in self.access.values():
                    a["expires"] = now() - 1
            if changes.pop("expire_devices", False):
                for d in self.devices.values():
                    d["expires"] = now() - 1
            if changes.pop("revoke_refresh", False):
                self.refresh.clear()
            if changes.pop("expire_clients", False):
                for c in self.clients.values():
                    c["expires"] = now() - 1
        user = changes.get("user")
        if user is not None and user not in self.users:
            raise ValueError(f"user must be one of {sorted(self.users)}")
        return changes


OIDC_ROUTES = {"/client/register": "RegisterClient", "/device_authorization": "StartDeviceAuthorization",
               "/token": "CreateToken"}
PORTAL_ROUTES = {("GET", "/assignment/accounts"): "ListAccounts", ("GET", "/assignment/roles"): "ListAccountRoles",
                 ("GET", "/federation/credentials"): "GetRoleCredentials", ("POST", "/logout"): "Logout"}


def make_handler(ic):
    class Handler(stacklib.QuietHandler):
        server_version = "sso-standin/1"

        def do_GET(self):
            self.dispatch()

        def do_POST(self):
            self.dispatch()

        def dispatch(self):
            url = urlsplit(self.path)
            if url.path == "/_control":
                return self.handle_control(ic.knobs, ic.control)
            started = time.monotonic()
            body = self.read_body()
            params = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            record = {"ts": time.time(), "method": self.command, "path": url.path}
            try:
                if self.command == "POST" and url.path in OIDC_ROUTES:
                    self.oidc(OIDC_ROUTES[url.path], body, record)
                elif (self.command, url.path) in PORTAL_ROUTES:
                    self.portal(PORTAL_ROUTES[(self.command, url.path)], params, record)
                elif url.path == "/authorize" and self.command == "GET":
                    self.browser("Authorize", *ic.authorize(params, record), record)
                elif url.path == "/authorize" and self.command == "POST":
                    form = self.form(body)
                    decided = ic.decide_authorize(form, form.get("decision") == "allow", form.get("user"), record)
                    self.browser("Authorize", *decided, record)
                elif url.path == "/device" and self.command == "GET":
                    page = ic.page("/device", {"user_code": params.get("user_code", "")}, "Sign in to approve")
                    self.browser("DevicePage", 200, page, None, record)
                elif url.path == "/device" and self.command == "POST":
                    self.browser("DeviceDecision", *ic.device_decision(self.form(body), record), None, record)
                else:
                    self.finish(record, 404, {"message": "not found"}, [])
            except Exception as exc:  # keep answering like AWS even on our own bugs
                print(f"sso-standin: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
                self.finish(record, 500, {"error": "server_error", "error_description": "internal error"},
                            [("x-amzn-ErrorType", "InternalServerException")])
            finally:
                record.setdefault("handling_ms", stacklib.elapsed_ms(started))

        def form(self, body):
            return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}

        def oidc(self, op, body, record):
            record["op"] = op
            try:
                req = json.loads(body or b"{}")
                if not isinstance(req, dict):
                    raise ValueError
            except ValueError:
                return self.oidc_error(record, AwsError("InvalidRequestException", "body is not a JSON object"))
            try:
                answer = {"RegisterClient": ic.register, "StartDeviceAuthorization": ic.start_device,
                          "CreateToken": ic.token}[op](req, record)
            except AwsError as err:
                return self.oidc_error(record, err)
            self.finish(record, 200, answer, [])

        def oidc_error(self, record, err):
            status, code = OIDC_ERRORS.get(err.name, (400, "invalid_request"))
            self.finish(record, status, {"error": code, "error_description": err.description},
                        [("x-amzn-ErrorType", err.name)], outcome=err.name)

        def portal(self, op, params, record):
            record["op"] = op
            try:
                if not ic.rate.allow(ic.knobs.get("rate_limit")):
                    raise AwsError("TooManyRequestsException", "Rate exceeded")
                delay = ic.knobs.get("portal_delay")
                if delay:
                    time.sleep(delay)  # the stand-in's latency knob, not synchronisation
                headers = {k.lower(): v for k, v in self.headers.items()}
                user = ic.bearer(headers, record) if op != "Logout" else None
                if op == "ListAccounts":
                    answer = ic.list_accounts(user, params)
                elif op == "ListAccountRoles":
                    answer = ic.list_roles(user, params, record)
                elif op == "GetRoleCredentials":
                    answer = ic.role_credentials(user, params, record)
                else:
                    answer = ic.logout(headers, record)
            except AwsError as err:
                return self.finish(record, PORTAL_ERRORS.get(err.name, 400), {"message": err.description},
                                   [("x-amzn-ErrorType", err.name)], outcome=err.name)
            self.finish(record, 200, answer, [])

        def browser(self, op, status, page, location, record):
            record["op"] = op
            record.setdefault("outcome", "ok" if status < 400 else "refused")
            record["status"] = status
            ic.log.write(record)
            headers = [("Location", location)] if location else []
            self.send(status, page, "text/html; charset=utf-8", headers)

        def finish(self, record, status, obj, headers, outcome="ok"):
            record.setdefault("outcome", outcome)
            record["status"] = status
            # Log before answering: a client that got its answer finds its line.
            ic.log.write(record)
            body = json.dumps(obj, sort_keys=True)
            self.send(status, body, "application/json", headers)

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--state-dir", required=True)
    ap.add_argument("--users", default=os.path.join(HERE, "users.json"))
    ap.add_argument("--knobs", default="{}", help="initial knobs as a JSON object")
    ap.add_argument("--die-with-parent", action="store_true")
    args = ap.parse_args()

    state_dir = os.path.abspath(args.state_dir)
    os.makedirs(state_dir, exist_ok=True)
    with open(args.users, encoding="utf-8") as fh:
        users = json.load(fh)
    knobs = Knobs(KNOB_SPEC)
    try:
        knobs.update(json.loads(args.knobs))
    except ValueError as exc:
        stacklib.fatal(f"sso-standin: {exc}")
    if args.die_with_parent:
        stacklib.exit_with_parent()
    ic = IdentityCenter(state_dir, users, knobs, JsonlLog(os.path.join(state_dir, "sso.log.jsonl")))
    server = stacklib.make_server(make_handler(ic))
    ic.base = f"http://{stacklib.LOOPBACK}:{server.server_address[1]}"
    stacklib.publish_and_serve(server, "sso-standin", os.path.join(state_dir, "sso.json"),
                               {"url": ic.base, "start_url": ic.start_url, "pid": os.getpid()})


if __name__ == "__main__":
    main()
