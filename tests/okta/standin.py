#!/usr/bin/env python3
"""A stand-in of the Okta endpoints okta-aws-cli's `web` command uses (issue 19), on loopback.

    standin.py --state-dir DIR [--knobs JSON] [--die-with-parent]

1. POST /oauth2/v1/device/authorize (form client_id, scope) → device_code, user_code,
   verification_uri(_complete), expires_in, interval. The activation page
   (GET /activate?user_code=…) is a sign-in form; posting it with action=allow or deny settles
   the authorization (tests/okta/device_user.py plays the person).
2. POST /oauth2/v1/token, grant device_code → authorization_pending, access_denied,
   expired_token, or {access_token, id_token (RS256 JWT, keys at /oauth2/v1/keys), token_type,
   expires_in, scope}. Grant token-exchange (RFC 8693): subject_token the ID token
   (…:id_token), actor_token the access token (…:access_token), requested_token_type
   urn:okta:oauth:token-type:web_sso_token, audience urn:okta:apps:<app id> → {access_token:
   the web-SSO token, issued_token_type, token_type "N_A", expires_in}.
3. GET /api/v1/users/me/appLinks (Authorization: Bearer access token) → the user's app links;
   AWS Federation apps have appName "amazon_aws".
4. POST /login/token/sso (form token=web-SSO token) → an HTML page whose form carries the
   hidden SAMLResponse input: a samlp:Response around an Assertion signed with the test IdP's
   key (DIR/idp-key.pem, made if absent), which the STS front verifies. A token in the query
   string is refused (400): it must never be in a URL.

Writes DIR/okta.json ({"url", "org_domain", "pid"}) when ready; a JSON line per request to
DIR/okta.log.jsonl (never a code, token, password or assertion). Knobs: POST /_control.
"""

import base64
import html
import json
import os
import secrets
import sys
import threading
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "stack"))
sys.path.insert(0, os.path.join(HERE, "..", "idp"))
import stacklib  # noqa: E402
from stacklib import JsonlLog, number  # noqa: E402
import keys  # noqa: E402
import signed_assertion  # noqa: E402

CLIENT_ID = "0oa-okta-aws-cli"  # the OIDC native app
SCOPES_NEEDED = {"openid", "okta.apps.sso"}
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
WEB_SSO = "urn:okta:oauth:token-type:web_sso_token"
ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token"
ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token"
ACS = signed_assertion.AWS_ACS_URL


def provider(account):
    return f"arn:aws:iam::{account}:saml-provider/TestIdP"


# AWS Federation apps: their roles (Role attribute values, role first as Okta sends them).
APPS = {
    "0oaawsdev1": {"label": "AWS Dev", "roles": [
        f"arn:aws:iam::111122223333:role/Developer,{provider('111122223333')}",
        f"arn:aws:iam::111122223333:role/ReadOnly,{provider('111122223333')}"]},
    "0oaawsprod1": {"label": "AWS Prod", "roles": [
        f"arn:aws:iam::444455556666:role/Auditor,{provider('444455556666')}"]},
}
OTHER_APP = {"appInstanceId": "0oaslack1", "appName": "slack", "label": "Slack"}
USERS = {
    "dana": {"password": "dana-pw-K9", "email": "dana@example.test", "apps": ["0oaawsdev1", "0oaawsprod1"]},
    "erik": {"password": "erik-pw-L4", "email": "erik@example.test", "apps": ["0oaawsdev1"]},
}


def boolean(value):
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, got {value!r}")
    return value


KNOB_SPEC = {
    # seconds the device answer tells the client to wait between polls
    "interval": (1, number(minimum=0)),
    # seconds a web-SSO token is good for; 0: expired when issued (an expired token, at once)
    "web_sso_ttl": (300, number(minimum=0)),
    # seconds an access / ID token is good for
    "access_token_ttl": (3600, number(minimum=0)),
    # true: every device authorization is refused when it is created (no person needed)
    "deny_all": (False, boolean),
}


class OAuthError(Exception):
    def __init__(self, error, description, status=400):
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


class Okta:
    """The org's state: device authorizations and tokens, in memory."""

    def __init__(self, state_dir, knobs, log):
        self.knobs, self.log = knobs, log
        self.key_file, self.cert_file = keys.ensure(state_dir)
        self.signing = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "okta-" + secrets.token_hex(4)
        self.lock = threading.Lock()
        self.devices = {}  # device_code -> {user_code, state, user, expires, scope}
        self.access = {}  # access token -> {user, scope, expires}
        self.web_sso = {}  # web-SSO token -> {user, app, expires}
        # Every device code and web-SSO token handed out, for the tests' secrets sweep only
        # (GET /_control/issued): neither is ever kept by the client, so no file shows them.
        self.issued = {"device_codes": [], "web_sso_tokens": []}
        self.url = None

    def jwks(self):
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.signing.public_key()))
        return {"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    # -- 1. device authorization ------------------------------------------------------------
    def authorize(self, form, record):
        if form.get("client_id") != CLIENT_ID:
            raise OAuthError("invalid_client", "Invalid value for 'client_id' parameter.", 401)
        scope = set((form.get("scope") or "").split())
        record["scope"] = " ".join(sorted(scope))
        if not SCOPES_NEEDED <= scope:
            raise OAuthError("invalid_scope", "The requested scope is invalid, unknown, or malformed.")
        device_code, user_code = secrets.token_urlsafe(24), secrets.token_hex(4).upper()
        state = "denied" if self.knobs.get("deny_all") else "pending"
        with self.lock:
            self.issued["device_codes"].append(device_code)
            self.devices[device_code] = {"user_code": user_code, "state": state, "user": None,
                                         "expires": time.time() + 600, "scope": " ".join(sorted(scope))}
        return {"device_code": device_code, "user_code": user_code,
                "verification_uri": f"{self.url}/activate",
                "verification_uri_complete": f"{self.url}/activate?{urlencode({'user_code': user_code})}",
                "expires_in": 600, "interval": self.knobs.get("interval")}

    def settle(self, user_code, user, password, allow, record):
        """The person's answer on the activation page; returns the page's id and text."""
        with self.lock:
            device = next((d for d in self.devices.values() if d["user_code"] == user_code), None)
            if device is None or device["state"] != "pending":
                record["outcome"] = "unknown_code"
                return "error", "That code is not valid or has been used."
            if not allow:
                device["state"] = "denied"
                record["outcome"] = "denied"
                return "denied", "You denied access to the AWS CLI."
            if USERS.get(user, {}).get("password") != password:
                record["outcome"] = "bad_credentials"
                return "error", "Unable to sign in."
            device.update(state="approved", user=user)
        record.update(outcome="approved", user=user)
        return "done", "Device activated. You may close this window."

    # -- 2. token endpoint -------------------------------------------------------------------
    def token(self, form, record):
        grant = form.get("grant_type")
        record["grant_type"] = grant
        if form.get("client_id") != CLIENT_ID:
            raise OAuthError("invalid_client", "Client authentication failed.", 401)
        if grant == DEVICE_GRANT:
            return self.device_token(form, record)
        if grant == EXCHANGE_GRANT:
            return self.exchange(form, record)
        raise OAuthError("unsupported_grant_type", f"The grant type '{grant}' is not supported.")

    def device_token(self, form, record):
        with self.lock:
            device = self.devices.get(form.get("device_code") or "")
            if device is None:
                raise OAuthError("invalid_grant", "The device code is invalid or has expired.")
            if time.time() >= device["expires"]:
                raise OAuthError("expired_token", "The device code has expired.")
            if device["state"] == "pending":
                raise OAuthError("authorization_pending", "The device authorization is pending. Please try again later.")
            if device["state"] == "denied":
                del self.devices[form["device_code"]]
                raise OAuthError("access_denied", "The resource owner or authorization server denied the request.")
            del self.devices[form["device_code"]]  # a device code is good once
            ttl = self.knobs.get("access_token_ttl")
            access = secrets.token_urlsafe(32)
            self.access[access] = {"user": device["user"], "scope": device["scope"], "expires": time.time() + ttl}
        record["user"] = device["user"]
        now = int(time.time())
        id_token = jwt.encode({"iss": self.url, "sub": f"00u{device['user']}", "aud": CLIENT_ID, "iat": now,
                               "exp": now + ttl, "email": USERS[device["user"]]["email"],
                               "preferred_username": device["user"]},
                              self.signing, algorithm="RS256", headers={"kid": self.kid})
        return {"token_type": "Bearer", "expires_in": ttl, "access_token": access, "scope": device["scope"],
                "id_token": id_token}

    def user_of_access(self, token):
        with self.lock:
            entry = self.access.get(token or "")
        if entry is None or time.time() >= entry["expires"]:
            return None
        return entry

    def exchange(self, form, record):
        for name, want in (("subject_token_type", ID_TOKEN), ("actor_token_type", ACCESS_TOKEN),
                           ("requested_token_type", WEB_SSO)):
            if form.get(name) != want:
                raise OAuthError("invalid_request", f"'{name}' must be {want}.")
        audience = form.get("audience") or ""
        record["audience"] = audience
        if not audience.startswith("urn:okta:apps:"):
            raise OAuthError("invalid_target", "The audience must be urn:okta:apps:<app id>.")
        actor = self.user_of_access(form.get("actor_token"))
        if actor is None:
            raise OAuthError("invalid_grant", "The actor_token is invalid or expired.")
        try:
            claims = jwt.decode(form.get("subject_token") or "", self.signing.public_key(), algorithms=["RS256"],
                                audience=CLIENT_ID, issuer=self.url)
        except jwt.PyJWTError:
            raise OAuthError("invalid_grant", "The subject_token is invalid or expired.") from None
        if claims["preferred_username"] != actor["user"]:
            raise OAuthError("invalid_grant", "The subject_token and actor_token are for different users.")
        app = audience[len("urn:okta:apps:"):]
        if app not in USERS[actor["user"]]["apps"]:
            raise OAuthError("invalid_target", "The user is not assigned to the app.")
        ttl = self.knobs.get("web_sso_ttl")
        token = secrets.token_urlsafe(32)
        with self.lock:
            self.issued["web_sso_tokens"].append(token)
            self.web_sso[token] = {"user": actor["user"], "app": app, "expires": time.time() + ttl}
        record.update(user=actor["user"], app=app)
        return {"access_token": token, "issued_token_type": WEB_SSO, "token_type": "N_A", "expires_in": ttl}

    # -- 3. app links ------------------------------------------------------------------------
    def app_links(self, user):
        links = [{"appInstanceId": app, "appName": "amazon_aws", "label": APPS[app]["label"]}
                 for app in USERS[user]["apps"]] + [OTHER_APP]
        return [{"id": f"00ub{i}", "linkUrl": f"{self.url}/home/{link['appName']}/{link['appInstanceId']}/1",
                 "hidden": False, "sortOrder": i, **link} for i, link in enumerate(links)]

    # -- 4. the SAML page --------------------------------------------------------------------
    def saml_page(self, token, record):
        """(status, HTML) for a web-SSO token."""
        with self.lock:
            entry = self.web_sso.pop(token or "", None)  # good once, like Okta's
        if entry is None:
            record["outcome"] = "unknown_token"
            return 403, page("Error", '<p id="error">The session token is invalid.</p>')
        record.update(user=entry["user"], app=entry["app"])
        if time.time() >= entry["expires"]:
            record["outcome"] = "expired_token"
            return 403, page("Error", '<p id="error">The session token has expired.</p>')
        user = USERS[entry["user"]]
        assertion = signed_assertion.signed(
            self.key_file, self.cert_file, subject=user["email"], roles=APPS[entry["app"]]["roles"],
            session_name=user["email"], audience="urn:amazon:webservices", ttl=300)
        response = signed_assertion.in_response(assertion)
        value = html.escape(base64.b64encode(response).decode(), quote=True)
        record["outcome"] = "ok"
        return 200, page("Signing in to AWS", f'<form id="appForm" method="POST" action="{ACS}">'
                         f'<input name="SAMLResponse" type="hidden" value="{value}"/>'
                         '<input name="RelayState" type="hidden" value=""/></form>'
                         "<script>document.getElementById('appForm').submit();</script>")


def page(title, body):
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body><h1>{title}</h1>{body}</body></html>")


def activation_form(user_code):
    code = html.escape(user_code, quote=True)
    return page("Activate your device", '<form id="activate" method="post" action="/activate">'
                f'<input type="hidden" name="user_code" value="{code}"/>'
                '<input id="login" name="username" autocomplete="username"/>'
                '<input id="password" name="password" type="password"/>'
                '<button type="submit" name="action" value="allow">Allow</button>'
                '<button type="submit" name="action" value="deny">Deny</button></form>')


def api_error(code, summary):
    return {"errorCode": code, "errorSummary": summary, "errorLink": code, "errorId": secrets.token_hex(8),
            "errorCauses": []}


def make_handler(okta):
    class Handler(stacklib.QuietHandler):
        def form(self):
            raw = parse_qs(self.read_body().decode("utf-8", "replace"), keep_blank_values=True)
            return {k: v[0] for k, v in raw.items()}

        def finish_record(self, record, status):
            record.setdefault("outcome", "ok" if status < 400 else f"http_{status}")
            record["status"] = status
            okta.log.write(record)

        def oauth(self, record, work):
            try:
                status, body = 200, work(self.form(), record)
            except OAuthError as exc:
                record["outcome"] = exc.error
                status, body = exc.status, {"error": exc.error, "error_description": exc.description}
            self.finish_record(record, status)
            self.send(status, json.dumps(body) + "\n", "application/json", [("Cache-Control", "no-store")])

        def do_GET(self):
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            record = {"ts": time.time(), "method": "GET", "path": parts.path}
            if parts.path == "/_control":
                return self.handle_control(okta.knobs)
            if parts.path == "/_control/issued":
                with okta.lock:
                    return self.send_json(200, okta.issued)
            if parts.path == "/oauth2/v1/keys":
                return self.send_json(200, okta.jwks())
            if parts.path == "/activate":
                record["event"] = "activation_page"
                self.finish_record(record, 200)
                return self.send(200, activation_form(query.get("user_code", "")), "text/html; charset=utf-8")
            if parts.path == "/api/v1/users/me/appLinks":
                record["event"] = "app_links"
                header = self.headers.get("Authorization", "")
                entry = okta.user_of_access(header[7:] if header.startswith("Bearer ") else None)
                if entry is None:
                    self.finish_record(record, 401)
                    return self.send(401, json.dumps(api_error("E0000011", "Invalid token provided")),
                                     "application/json", [("WWW-Authenticate", 'Bearer error="invalid_token"')])
                if "okta.users.read.self" not in entry["scope"].split():
                    self.finish_record(record, 403)
                    return self.send_json(403, api_error("E0000006", "You do not have permission to perform "
                                                         "the requested action"))
                record["user"] = entry["user"]
                self.finish_record(record, 200)
                return self.send(200, json.dumps(okta.app_links(entry["user"])), "application/json")
            if parts.path == "/login/token/sso":
                record.update(event="saml", token_in_url="token" in query, outcome="method_not_allowed")
                self.finish_record(record, 405)
                return self.send(405, page("Error", '<p id="error">POST the token as a form.</p>'), "text/html")
            self.send(404, page("Not found", ""), "text/html")

        def do_POST(self):
            parts = urlsplit(self.path)
            record = {"ts": time.time(), "method": "POST", "path": parts.path}
            if parts.path == "/_control":
                return self.handle_control(okta.knobs)
            if parts.path == "/oauth2/v1/device/authorize":
                record["event"] = "device_authorization"
                return self.oauth(record, okta.authorize)
            if parts.path == "/oauth2/v1/token":
                record["event"] = "token"
                return self.oauth(record, okta.token)
            if parts.path == "/activate":
                record["event"] = "activation"
                form = self.form()
                ident, text = okta.settle(form.get("user_code", ""), form.get("username"), form.get("password"),
                                          form.get("action") == "allow", record)
                status = 200 if ident != "error" else 400
                self.finish_record(record, status)
                return self.send(status, page("Device activation", f'<p id="{ident}">{text}</p>'), "text/html")
            if parts.path == "/login/token/sso":
                record.update(event="saml", token_in_url="token" in parse_qs(parts.query))
                if record["token_in_url"]:
                    record["outcome"] = "token_in_url"
                    self.finish_record(record, 400)
                    return self.send(400, page("Error", '<p id="error">The token must not be in the URL.</p>'),
                                     "text/html")
                status, body = okta.saml_page(self.form().get("token"), record)
                self.finish_record(record, status)
                return self.send(status, body, "text/html; charset=utf-8")
            self.send(404, page("Not found", ""), "text/html")

    return Handler


def main():
    _, state_dir, knobs = stacklib.server_args("okta", __doc__, KNOB_SPEC)
    okta = Okta(state_dir, knobs, JsonlLog(os.path.join(state_dir, "okta.log.jsonl")))
    server = stacklib.make_server(make_handler(okta))
    okta.url = f"http://{stacklib.LOOPBACK}:{server.server_address[1]}"
    stacklib.publish_and_serve(server, "okta", os.path.join(state_dir, "okta.json"), {
        "url": okta.url, "org_domain": okta.url.split("//", 1)[1], "pid": os.getpid()})


if __name__ == "__main__":
    main()
