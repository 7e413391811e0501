#!/usr/bin/env python3
"""A stand-in of mozilla-aws-cli's roles API (its `idtoken_for_roles_url`), beside the test OP.

    maws_roles.py --state-dir DIR [--op-ready FILE] [--knobs JSON] [--die-with-parent]

POST /roles with a JSON body {"token": ID token, "key": JWKS, "cache": bool}, as maws sends it.
The ID token is checked against the OP's own JWKS (the posted "key" is not trusted: the real
service verifies with it, which lets anyone sign their own), for one of the OP's clients. The
answer is always HTTP 200 JSON, as the real service's: {"roles": [role ARNs], "aliases":
{account ID: [aliases]}} (an account without an alias lists its own ID), or {"error": why}.

Writes DIR/maws.json ({"url", "endpoint": the roles URL, "pid"}) when ready; logs a line per request to
DIR/maws.log.jsonl (never the token). Knobs: POST /_control (KNOB_SPEC).
"""

import json
import os
import sys
import time
from urllib.parse import urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "stack"))
sys.path.insert(0, HERE)
import stacklib  # noqa: E402
import beside_op  # noqa: E402
from stacklib import optional_str  # noqa: E402
from op_tokens import OpTokens, Refused  # noqa: E402

CLIENTS = ["cli-native", "cli-secret"]
# Web-identity roles per OP user (tests/oidc/op.mjs): alice one, bob three in two accounts, one
# of which has no alias.
ROLES = {
    "alice": ["arn:aws:iam::111122223333:role/WebDeveloper"],
    "bob": ["arn:aws:iam::111122223333:role/WebDeveloper", "arn:aws:iam::111122223333:role/WebReadOnly",
            "arn:aws:iam::444455556666:role/WebAdmin"],
}
ALIASES = {"111122223333": ["aws-login-dev"]}


KNOB_SPEC = {
    # null, or the error every request is answered with ({"error": ...}, HTTP 200 as the real one)
    "error": (None, optional_str),
    # null: ROLES; or {"user": [role ARNs]} replacing them
    "roles": (None, beside_op.user_lists("\"role ARN\"")),
}


def answer_for(user, roles):
    """maws's answer: the roles, and each role's account with its aliases (or its own ID)."""
    mine = roles.get(user, [])
    aliases = {}
    for arn in mine:
        account = arn.split(":")[4]
        aliases[account] = ALIASES.get(account, [account])
    return {"roles": mine, "aliases": aliases}


def make_handler(tokens, knobs, log):
    class Handler(stacklib.QuietHandler):
        def do_GET(self):
            if urlsplit(self.path).path == "/_control":
                return self.handle_control(knobs)
            return self.send(404, "404 Not Found", "text/html")

        def do_POST(self):
            path = urlsplit(self.path).path
            if path == "/_control":
                return self.handle_control(knobs)
            if path != "/roles":
                return self.send(404, "404 Not Found", "text/html")
            record = {"ts": time.time(), "event": "roles"}
            body = self.roles(record)
            log.write(record)
            self.send_json(200, body)

        def roles(self, record):
            try:
                payload = json.loads(self.read_body() or b"null")
            except ValueError:
                payload = None
            if not isinstance(payload, dict) or not isinstance(payload.get("token"), str):
                record["outcome"] = "bad_request"
                return {"error": 'The body must be JSON with the ID token in "token"'}
            record["cache"] = payload.get("cache")
            if knobs.get("error"):
                record["outcome"] = "refused"
                return {"error": knobs.get("error")}
            try:
                claims = tokens.verify_jwt(payload["token"])
            except Refused as exc:
                record["outcome"] = "invalid_token"
                return {"error": f"Invalid ID Token: {exc}"}
            aud = claims.get("aud")
            if not set(aud if isinstance(aud, list) else [aud]) & set(CLIENTS):
                record["outcome"] = "invalid_token"
                return {"error": "Invalid claims in ID Token"}
            record.update(outcome="ok", user=claims["sub"])
            roles = knobs.get("roles") if knobs.get("roles") is not None else ROLES
            return answer_for(claims["sub"], roles)

    return Handler


def main():
    def handler(state_dir, op_ready, knobs, log):
        return make_handler(OpTokens(op_ready), knobs, log)
    beside_op.serve("maws-roles", __doc__, KNOB_SPEC, "maws", "/roles", handler)


if __name__ == "__main__":
    main()
