#!/usr/bin/env python3
"""A stand-in for AWS's console federation endpoint and console, for the aws-login tests.

    .stack/venv/bin/python tests/console/federation.py --state-dir DIR [--die-with-parent]

AWS has no emulator for this, so this small server plays it, checking requests the way
AWS documents them for a custom identity broker
(IAM User Guide, "Enable custom identity broker access to the AWS console"):

  GET|POST /federation?Action=getSigninToken&Session=<JSON>[&SessionDuration=N]
      Session is exactly {"sessionId", "sessionKey", "sessionToken"} (strings);
      SessionDuration, when present, is a whole number from 900 to 43200. The credentials
      are checked by calling GetCallerIdentity with them at the STS emulator (the front in
      the same state directory, DIR/sts.json): only a working assumed-role session gets a
      token (moto maps an access key to its role session but checks no signature, so an
      unknown key is caught here, a wrong secret key is not). Answers {"SigninToken": "..."}; a token is good for 15 minutes, once.
  GET /federation?Action=login&Issuer=...&Destination=<console URL>&SigninToken=...
      Sets a session cookie and redirects (302) to Destination, which must be on this
      server's console (/console/...).
  GET /console/...
      The "console": a page naming who is signed in (id="signed-in-as"), or 401.

Anything else, a missing or extra parameter included, is answered 400 as AWS does.
Writes DIR/federation.json when ready; logs each request to DIR/federation.log.jsonl
(never the credentials, token or cookie).
"""

import argparse
import html
import json
import os
import secrets
import sys
import threading
import time
from urllib.parse import parse_qs, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "stack"))
import stacklib  # noqa: E402
from stacklib import JsonlLog  # noqa: E402

SESSION_KEYS = {"sessionId", "sessionKey", "sessionToken"}
MIN_SESSION, MAX_SESSION = 900, 43200
TOKEN_TTL = 15 * 60
COOKIE = "aws-console-session"


class BadRequest(Exception):
    """A request AWS would refuse: answered 400, the reason logged."""


class Federation:
    def __init__(self, state_dir, log):
        self.state_dir = state_dir
        self.log = log
        self.lock = threading.Lock()
        self.tokens = {}  # token -> (caller ARN, issued at, SessionDuration)
        self.sessions = {}  # cookie value -> (caller ARN, Destination's region)

    def caller(self, session):
        """The ARN the credentials belong to, asked of the STS emulator (boto3 signs the call)."""
        import boto3  # slow import: only once a request needs it
        import botocore.exceptions

        with open(os.path.join(self.state_dir, "sts.json"), encoding="utf-8") as fh:
            sts_url = json.load(fh)["url"]
        client = boto3.client(
            "sts", endpoint_url=sts_url, region_name="us-east-1",
            aws_access_key_id=session["sessionId"], aws_secret_access_key=session["sessionKey"],
            aws_session_token=session["sessionToken"])
        try:
            arn = client.get_caller_identity()["Arn"]
        except botocore.exceptions.ClientError as exc:
            raise BadRequest(f"the credentials do not work: {exc.response['Error']['Code']}")
        if ":assumed-role/" not in arn:
            raise BadRequest("only temporary credentials of a role session can sign in")
        return arn

    def signin_token(self, params, record):
        expect(params, required={"Action", "Session"}, optional={"SessionDuration"})
        duration = None
        if "SessionDuration" in params:
            raw = params["SessionDuration"]
            if not raw.isdigit() or not MIN_SESSION <= int(raw) <= MAX_SESSION:
                raise BadRequest(f"SessionDuration must be {MIN_SESSION}..{MAX_SESSION}")
            duration = int(raw)
        record["session_duration"] = duration
        try:
            session = json.loads(params["Session"])
        except ValueError:
            raise BadRequest("Session is not JSON")
        if not isinstance(session, dict) or set(session) != SESSION_KEYS:
            raise BadRequest(f"Session must hold exactly {sorted(SESSION_KEYS)}")
        if not all(isinstance(v, str) and v for v in session.values()):
            raise BadRequest("Session's values must be non-empty strings")
        arn = self.caller(session)
        record["caller_arn"] = arn
        token = secrets.token_urlsafe(48)
        with self.lock:
            self.tokens[token] = (arn, time.monotonic(), duration)
        return 200, json.dumps({"SigninToken": token}), "application/json", ()

    def login(self, params, record, console_base):
        expect(params, required={"Action", "Destination", "SigninToken"}, optional={"Issuer"})
        record["issuer"] = params.get("Issuer")
        destination = params["Destination"]
        record["destination"] = destination
        if not destination.startswith(console_base):
            raise BadRequest("Destination is not a console URL")
        with self.lock:
            found = self.tokens.pop(params["SigninToken"], None)
        if found is None or time.monotonic() - found[1] > TOKEN_TTL:
            raise BadRequest("the sign-in token is unknown, used or expired")
        arn = found[0]
        region = parse_qs(urlsplit(destination).query).get("region", [None])[0]
        cookie = secrets.token_urlsafe(24)
        with self.lock:
            self.sessions[cookie] = (arn, region)
        record["caller_arn"] = arn
        headers = [("Location", destination),
                   ("Set-Cookie", f"{COOKIE}={cookie}; Path=/; HttpOnly; SameSite=Lax")]
        return 302, "", "text/plain", headers

    def console(self, cookie_header):
        cookies = {}
        for part in (cookie_header or "").split(";"):
            name, _, value = part.strip().partition("=")
            cookies[name] = value
        with self.lock:
            found = self.sessions.get(cookies.get(COOKIE, ""))
        if found is None:
            page = '<p id="signed-out">Not signed in.</p>'
            return 401, page_html(page), "text/html; charset=utf-8", (), None
        arn, region = found
        page = (f'<p>Signed in as <span id="signed-in-as">{html.escape(arn)}</span></p>'
                f'<p>Region: <span id="region">{html.escape(region or "")}</span></p>')
        return 200, page_html(page), "text/html; charset=utf-8", (), arn


def page_html(body):
    return f"<!DOCTYPE html><html><head><title>AWS console (stand-in)</title></head><body>{body}</body></html>"


def expect(params, required, optional):
    missing = required - set(params)
    extra = set(params) - required - optional
    if missing:
        raise BadRequest(f"missing {sorted(missing)}")
    if extra:
        raise BadRequest(f"unexpected {sorted(extra)}")


def make_handler(fed, base_url):
    console_base = base_url + "/console/"

    class Handler(stacklib.QuietHandler):
        server_version = "federation-stand-in/1"

        def do_GET(self):
            self._dispatch()

        def do_POST(self):
            self._dispatch()

        def _dispatch(self):
            started = time.monotonic()
            path = urlsplit(self.path).path
            record = {"ts": time.time(), "method": self.command, "path": path, "action": None}
            if path.startswith("/console/"):
                status, body, ctype, headers, arn = fed.console(self.headers.get("Cookie"))
                record.update(action="console", caller_arn=arn)
                answer = (status, body, ctype, headers)
            elif path == "/federation":
                answer = self._federation(record)
            else:
                answer = (404, "not found\n", "text/plain", ())
            record.update(status=answer[0], handling_ms=stacklib.elapsed_ms(started))
            fed.log.write(record)
            self.send(*answer)

        def _federation(self, record):
            try:
                params = self._params()
                action = params.get("Action")
                record["action"] = action
                if action == "getSigninToken":
                    answer = fed.signin_token(params, record)
                elif action == "login" and self.command == "GET":
                    answer = fed.login(params, record, console_base)
                else:
                    raise BadRequest("unknown Action")
                record["outcome"] = "success"
                return answer
            except BadRequest as exc:
                record["outcome"] = str(exc)
                return 400, f"Bad request: {exc}\n", "text/plain", ()

        def _params(self):
            """Query string, and a form body for POST; a parameter given twice is refused."""
            pairs = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
            body = self.read_body()
            if self.command == "POST" and body:
                for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items():
                    pairs.setdefault(k, []).extend(v)
            if any(len(v) > 1 for v in pairs.values()):
                raise BadRequest("a parameter is given twice")
            return {k: v[0] for k, v in pairs.items()}

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--state-dir", required=True)
    ap.add_argument("--die-with-parent", action="store_true")
    args = ap.parse_args()
    state_dir = os.path.abspath(args.state_dir)
    os.makedirs(state_dir, exist_ok=True)
    if args.die_with_parent:
        stacklib.exit_with_parent()
    fed = Federation(state_dir, JsonlLog(os.path.join(state_dir, "federation.log.jsonl")))
    # The port is known once bound; the handler needs the base URL for Destination checks.
    holder = {}
    server = stacklib.make_server(lambda *a, **kw: holder["handler"](*a, **kw))
    base_url = f"http://{stacklib.LOOPBACK}:{server.server_address[1]}"
    holder["handler"] = make_handler(fed, base_url)
    stacklib.publish_and_serve(server, "federation", os.path.join(state_dir, "federation.json"), {
        "url": base_url,
        "federation_url": base_url + "/federation",
        "console_url": base_url + "/console/home",
        "pid": os.getpid(),
    })

if __name__ == "__main__":
    main()
