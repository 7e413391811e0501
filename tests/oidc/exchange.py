#!/usr/bin/env python3
"""A Keycloak-style token exchange to SAML (RFC 8693), beside the test OP (op.mjs).

    exchange.py --state-dir DIR [--op-ready FILE] [--knobs JSON] [--die-with-parent]

POST /token with grant_type=urn:ietf:params:oauth:grant-type:token-exchange,
subject_token (an ID token or access token the OP issued to the calling client),
subject_token_type (…:id_token or …:access_token), requested_token_type
urn:ietf:params:oauth:token-type:saml2 and audience (the SAML SP: urn:amazon:webservices or
https://signin.aws.amazon.com/saml) answers, as Keycloak does, {"access_token": base64url (no
padding) of a SAML Assertion signed with the test IdP's key (DIR/idp-key.pem, made if absent),
"issued_token_type": "…:saml2", "token_type": "Bearer", "expires_in"}. The client wraps it in a
samlp:Response for AssumeRoleWithSAML; the STS front verifies it with the IdP's certificate.

Client authentication as the OP's: cli-native (public: client_id only), cli-secret and
svc-secret (their secrets, HTTP Basic or in the form). Errors as RFC 6749 §5.2 / RFC 8693 §2.2.2:
invalid_client (401), invalid_request, invalid_grant (the subject token does not verify, has
expired or is not active), unauthorized_client (the token was issued to another client),
invalid_target (an audience that is not a known SAML SP), unsupported_grant_type.

Writes DIR/exchange.json ({"url", "endpoint": the token endpoint, "pid"}) when ready; logs a line per request
to DIR/exchange.log.jsonl (never a token, secret or assertion). Knobs: POST /_control (KNOB_SPEC).
"""

import base64
import json
import os
import sys
import time
from urllib.parse import parse_qs, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "stack"))
sys.path.insert(0, os.path.join(HERE, "..", "idp"))
sys.path.insert(0, HERE)
import stacklib  # noqa: E402
import beside_op  # noqa: E402
from stacklib import number, one_of  # noqa: E402
import keys  # noqa: E402
import signed_assertion  # noqa: E402
from op_tokens import OpTokens, Refused, looks_like_jwt  # noqa: E402

GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
SAML2 = "urn:ietf:params:oauth:token-type:saml2"
ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token"
ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token"
SAML_AUDIENCES = {"urn:amazon:webservices", "https://signin.aws.amazon.com/saml"}
# The OP's clients that may exchange, and their secrets (None: public).
CLIENTS = {"cli-native": None, "cli-secret": "cli-secret-pw", "svc-secret": "svc-secret-pw"}
PROVIDER = "arn:aws:iam::111122223333:saml-provider/TestIdP"
# The OP's users' roles (tests/oidc/op.mjs has the users); anyone else gets none.
ROLES = {
    "alice": [f"arn:aws:iam::111122223333:role/Developer,{PROVIDER}"],
    "bob": [f"arn:aws:iam::111122223333:role/Developer,{PROVIDER}",
            f"{PROVIDER},arn:aws:iam::111122223333:role/ReadOnly"],
}


def boolean(value):
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, got {value!r}")
    return value


KNOB_SPEC = {
    # null, or the error every exchange is refused with (after client authentication)
    "refuse": (None, one_of(None, "invalid_request", "invalid_grant", "unauthorized_client", "invalid_target")),
    # seconds the assertion is good for (Conditions and bearer confirmation); negative: expired
    "assertion_ttl": (300, number()),
    # the SessionDuration attribute, or none
    "session_duration": (None, number(minimum=1, allow_none=True)),
    # null: ROLES; or {"user": [Role values]} replacing them (a user left out has none)
    "roles": (None, beside_op.user_lists("\"role ARN,provider ARN\"")),
    # true: one byte of the signed assertion changed after signing, so its signature fails
    "tamper": (False, boolean),
}


class OAuthError(Exception):
    def __init__(self, error, description, status=400):
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Exchange:
    def __init__(self, state_dir, op_ready, knobs, log):
        self.knobs, self.log = knobs, log
        self.tokens = OpTokens(op_ready)
        self.key_file, self.cert_file = keys.ensure(state_dir)

    def client(self, handler, form, record):
        """The authenticated client's ID (Basic or form; one of them)."""
        header = handler.headers.get("Authorization", "")
        if header.lower().startswith("basic "):
            if "client_secret" in form:
                raise OAuthError("invalid_request", "client authentication must use one method")
            try:
                cid, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            except ValueError:
                raise OAuthError("invalid_request", "malformed Basic authorization") from None
            record["auth"] = "basic"
        else:
            cid, secret = form.get("client_id"), form.get("client_secret")
            record["auth"] = "post" if secret is not None else "none"
        record["client_id"] = cid
        if cid not in CLIENTS or CLIENTS[cid] != secret:
            raise OAuthError("invalid_client", "client authentication failed", 401)
        return cid

    def subject(self, form, client_id):
        """The subject token's user (`sub`), once the token is proven."""
        token, kind = form.get("subject_token"), form.get("subject_token_type")
        if not token or not kind:
            raise OAuthError("invalid_request", "subject_token and subject_token_type are required")
        try:
            if kind == ID_TOKEN:
                if not looks_like_jwt(token):
                    raise Refused("an ID token is a JWT")
                claims = self.tokens.verify_jwt(token)
                aud = claims.get("aud")
                issued_to = aud if isinstance(aud, list) else [aud]
            elif kind == ACCESS_TOKEN:
                claims = self.tokens.verify_jwt(token) if looks_like_jwt(token) else self.tokens.introspect(token)
                issued_to = [claims.get("client_id")]
            else:
                raise OAuthError("invalid_request", f"subject_token_type {kind} is not supported")
        except Refused as exc:
            raise OAuthError("invalid_grant", f"invalid subject token: {exc}") from None
        if client_id not in issued_to:
            raise OAuthError("unauthorized_client", "the subject token was issued to another client")
        return claims["sub"]

    def exchange(self, handler, form, record):
        if form.get("grant_type") != GRANT:
            raise OAuthError("unsupported_grant_type", "only token exchange is served here")
        client_id = self.client(handler, form, record)
        record.update({k: form.get(k) for k in ("subject_token_type", "requested_token_type", "audience")})
        refuse = self.knobs.get("refuse")
        if refuse:
            raise OAuthError(refuse, "refused (test knob refuse)")
        if form.get("requested_token_type") != SAML2:
            raise OAuthError("invalid_request", f"requested_token_type must be {SAML2}")
        audience = form.get("audience")
        if not audience:
            raise OAuthError("invalid_request", "audience (the SAML service provider) is required")
        if audience not in SAML_AUDIENCES:
            raise OAuthError("invalid_target", "the audience is not a known SAML service provider")
        user = self.subject(form, client_id)
        record["user"] = user
        roles = (self.knobs.get("roles") if self.knobs.get("roles") is not None else ROLES).get(user, [])
        ttl = self.knobs.get("assertion_ttl")
        assertion = signed_assertion.signed(
            self.key_file, self.cert_file, subject=user, roles=roles, session_name=user,
            audience=audience, ttl=ttl, session_duration=self.knobs.get("session_duration"))
        if self.knobs.get("tamper"):
            assertion = tampered(assertion, user)
        record["roles"] = len(roles)
        return {"access_token": b64url(assertion), "issued_token_type": SAML2, "token_type": "Bearer",
                "expires_in": max(int(ttl), 0)}


def tampered(assertion, user):
    """The RoleSessionName value with its last letter changed: still well-formed, no longer signed."""
    value = f"<saml:AttributeValue>{user}</saml:AttributeValue>".encode()
    changed = value.replace(f"{user}<".encode(), f"{user[:-1]}{chr(ord(user[-1]) ^ 1)}<".encode())
    return assertion.replace(value, changed, 1)


def make_handler(ex):
    class Handler(stacklib.QuietHandler):
        def do_GET(self):
            if urlsplit(self.path).path == "/_control":
                return self.handle_control(ex.knobs)
            return self.send_json(404, {"error": "not_found"})

        def do_POST(self):
            path = urlsplit(self.path).path
            if path == "/_control":
                return self.handle_control(ex.knobs)
            if path != "/token":
                return self.send_json(404, {"error": "not_found"})
            start = time.monotonic()
            record = {"ts": time.time(), "event": "exchange", "client_id": None}
            try:
                if not self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
                    raise OAuthError("invalid_request", "the body must be application/x-www-form-urlencoded")
                raw = parse_qs(self.read_body().decode("utf-8", "replace"), keep_blank_values=True)
                if any(len(v) > 1 for v in raw.values()):
                    raise OAuthError("invalid_request", "a parameter was given twice")
                form = {k: v[0] for k, v in raw.items()}
                answer = ex.exchange(self, form, record)
                record.update(outcome="ok", status=200)
                status, body, headers = 200, answer, [("Cache-Control", "no-store")]
            except OAuthError as exc:
                record.update(outcome=exc.error, status=exc.status, detail=exc.description)
                status, body = exc.status, {"error": exc.error, "error_description": exc.description}
                headers = [("WWW-Authenticate", 'Basic realm="exchange"')] if exc.status == 401 else []
            except RuntimeError as exc:  # xmlsec1 could not sign
                print(f"exchange: {exc}", file=sys.stderr, flush=True)
                record.update(outcome="server_error", status=500)
                status, body, headers = 500, {"error": "server_error"}, []
            record["elapsed_ms"] = stacklib.elapsed_ms(start)
            ex.log.write(record)
            self.send(status, json.dumps(body, sort_keys=True) + "\n", "application/json", headers)

    return Handler


def main():
    def handler(state_dir, op_ready, knobs, log):
        return make_handler(Exchange(state_dir, op_ready, knobs, log))
    beside_op.serve("exchange", __doc__, KNOB_SPEC, "exchange", "/token", handler)


if __name__ == "__main__":
    main()
