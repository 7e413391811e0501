#!/usr/bin/env python3
"""Test Shibboleth IdP (SAML 2.0 ECP + Duo) for the aws-login tests.

    .stack/venv/bin/python tests/idp/idp.py --state-dir DIR [--users FILE]
        [--knobs JSON] [--entity-id ID] [--die-with-parent]
        [--tls-cert PEM --tls-key PEM]

Listens on 127.0.0.1 (free port), over HTTPS with --tls-cert, and writes
DIR/idp.json when ready.
Endpoints:
  POST /idp/profile/SAML2/SOAP/ECP  the ECP SSO endpoint
  GET  /idp/shibboleth              the IdP's metadata
  GET|POST /_control                test knobs (JSON), see KNOB_SPEC;
                                    POST {"expire_sessions": true} drops sessions
An ECP request is decided in this order: knob `redirect` (a 3xx), knob
`cookie_status` (for a request with cookies), knob `mode` (soap_fault / html),
Content-Type text/xml (else 415), a valid AuthnRequest (else 500 SOAP fault),
a live shib_idp_session cookie (success, no password, no Duo), HTTP Basic
(else 401), Duo for users with "duo": true (failures: 200 + SAML
Responder/AuthnFailed), then a signed assertion and a rotated cookie (or,
with knob `body`, a hostile answer made from it: tests/idp/hostile.py).
Every ECP request is logged to DIR/idp.log.jsonl without any secret.
"""

import argparse
import hmac
import json
import os
import secrets
import sys
import threading
import time
import traceback
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "stack"))
import stacklib  # noqa: E402
from stacklib import Knobs, JsonlLog, number, one_of, optional_str, redirect  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SESSION_COOKIE = "shib_idp_session"
PUSH_FACTORS = ("auto", "push", "phone")

KNOB_SPEC = {
    # "normal" | "soap_fault" (HTTP 500 SOAP Fault) | "html" (a login page)
    "mode": ("normal", one_of("normal", "soap_fault", "html")),
    # outcome of a Duo push/phone call
    "duo": ("approve", one_of("approve", "deny", "timeout")),
    # seconds the push/phone call takes before the outcome
    "duo_delay": (0, number(minimum=0)),
    # seconds an IdP session (cookie) stays valid, checked at use time
    "session_ttl": (3600, number(minimum=0)),
    # a hostile answer in place of a successful login's: see hostile.py
    "body": ("normal", one_of(*hostile.BODIES)),
    # where "doctype_external" points its entities (a test listens there)
    "entity_url": ("http://127.0.0.1:9/", hostile.url),
    # raw Role attribute values to sign instead of the user's (null: the user's)
    "roles": (None, hostile.role_values),
    # answer every ECP request with this redirect: {"status": 307, "location": "..."}
    "redirect": (None, redirect),
    # the AssertionConsumerServiceURL the ecp:Response header names (null: the request's)
    "ecp_acs": (None, optional_str),
    # answer a request that carries cookies with this status and an HTML page, as a server
    # does when cookies make the request too large (400 or 431)
    "cookie_status": (None, one_of(None, 400, 431)),
    # seconds added to the Date header of every answer, as from an IdP whose clock is off
    "clock_skew": (0, number()),
}


class Sessions:
    """IdP sessions behind the shib_idp_session cookie.

    Each success rotates the cookie: the old value stops working, so a client
    must keep the newest Set-Cookie. Validity is judged with the *current*
    session_ttl so a test can shorten it after logging in.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._by_token = {}  # token -> (user, created monotonic time)

    def lookup(self, token, ttl):
        with self._lock:
            entry = self._by_token.get(token)
            if entry is None:
                return None
            user, created = entry
            if time.monotonic() - created >= ttl:
                del self._by_token[token]
                return None
            return user

    def issue(self, user, old_token=None):
        token = secrets.token_urlsafe(24)
        with self._lock:
            if old_token is not None:
                self._by_token.pop(old_token, None)
            self._by_token[token] = (user, time.monotonic())
        return token

    def clear(self):
        with self._lock:
            self._by_token.clear()


def load_users(path):
    with open(path, encoding="utf-8") as fh:
        users = json.load(fh)
    for name, user in users.items():
        if "password" not in user:
            raise ValueError(f"user {name!r} has no password")
        user.setdefault("duo", False)
        user.setdefault("roles", [])
        user.setdefault("session_duration", 28800)
    return users


def duo_check(user, factor, passcode, knobs):
    """Run the Duo step. Returns (ok, outcome, message, prompted)."""
    if factor in PUSH_FACTORS:
        time.sleep(knobs.get("duo_delay"))  # this thread only; others go on
        what = "phone call" if factor == "phone" else "push"
        verdict = knobs.get("duo")
        if verdict == "approve":
            return True, "success", None, True
        if verdict == "timeout":
            return False, "duo_timeout", f"Duo {what} timed out", True
        return False, "duo_denied", f"Duo {what} denied", True
    if factor == "passcode":
        expected = str(user.get("passcode", ""))
        if passcode and expected and hmac.compare_digest(passcode, expected):
            return True, "success", None, False
        return False, "bad_passcode", "Incorrect Duo passcode", False
    if factor == "sms":
        return False, "sms_sent", "New SMS passcodes sent", False
    return False, "duo_bad_factor", f"Unsupported Duo factor {factor!r}", False


def make_handler(idp, users, knobs, sessions, log):
    import samlidp
    from samlidp import ECP_PATH, BadRequest, soap_fault

    def fault(status, code, message):
        return status, soap_fault(code, message), XML, ()

    class Handler(stacklib.QuietHandler):
        server_version = "Shibboleth-test-IdP/1"

        def date_time_string(self, timestamp=None):
            return super().date_time_string((timestamp or time.time()) + knobs.get("clock_skew"))

        def do_GET(self):
            path = self.path.split("?", 1)[0]
            if path == "/_control":
                return self.handle_control(knobs)
            if path == "/idp/shibboleth":
                with open(os.path.join(idp.state_dir, "idp-metadata.xml"), "rb") as fh:
                    return self.send(200, fh.read(), "application/samlmetadata+xml")
            if path == ECP_PATH:
                return self.send(405, "ECP requires POST\n", "text/plain", [("Allow", "POST")])
            return self.send(404, "not found\n", "text/plain")

        def do_POST(self):
            path = self.path.split("?", 1)[0]
            if path == "/_control":
                return self.handle_control(knobs, on_update=self._control_actions)
            if path != ECP_PATH:
                self.read_body()
                return self.send(404, "not found\n", "text/plain")
            started = time.monotonic()
            record = {"ts": time.time(), "path": path, "auth": "none", "user": None,
                      "duo_prompt": False, "factor": None}
            try:
                outcome, answer = self._ecp(record)
            except Exception:  # a bug here must still answer and log
                traceback.print_exc(file=sys.stderr)
                outcome, answer = "internal_error", (500, soap_fault("soap11:Server", "Internal IdP error"),
                                                     XML, ())
            record.update(status=answer[0], outcome=outcome, handling_ms=stacklib.elapsed_ms(started))
            # Log before answering: a client that got its answer finds its line.
            log.write(record)
            if isinstance(answer[1], hostile.Stream):
                sent = answer[1].write(self)
                # A second line for the same request: how much a client read before hanging up.
                log.write(dict(record, ts=time.time(), outcome="stream_end", bytes_sent=sent))
                return
            self.send(*answer)

        @staticmethod
        def _control_actions(changes):
            changes = dict(changes)
            if changes.pop("expire_sessions", False):
                sessions.clear()
            return changes

        def _ecp(self, record):
            """Decide one ECP request: returns (log outcome, (status, body,
            content type, extra headers))."""
            body = self.read_body()
            moved = knobs.get("redirect")
            if moved:
                return "redirect", (moved["status"], "Moved\n", "text/plain; charset=utf-8",
                                    [("Location", moved["location"])])
            if knobs.get("cookie_status") and self.headers.get("Cookie"):
                return "cookie_status", (knobs.get("cookie_status"), TOO_LARGE, "text/html; charset=utf-8", ())
            mode = knobs.get("mode")
            if mode == "soap_fault":
                return "soap_fault", fault(500, "soap11:Server", "An error occurred processing the request")
            if mode == "html":
                return "html", (200, LOGIN_PAGE, "text/html; charset=utf-8", ())

            ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if ctype != "text/xml":
                return "bad_request", fault(415, "soap11:Client", f"Unsupported Content-Type "
                                            f"{ctype or '(none)'!r}; SOAP 1.1 requires text/xml")
            try:
                request = idp.parse_ecp_request(body)
            except BadRequest as exc:
                return "bad_request", fault(500, "soap11:Client", str(exc))

            # 1. A live IdP session skips password and Duo.
            old_token = self._session_cookie()
            user = sessions.lookup(old_token, knobs.get("session_ttl")) if old_token else None
            if user is not None:
                record.update(auth="cookie", user=user)
                return "success", self._success(request, user, old_token)

            # 2. HTTP Basic against the users file.
            creds = samlidp.decode_basic(self.headers.get("Authorization"))
            if creds is None:
                return "no_credentials", CHALLENGE
            name, password = creds
            record.update(auth="basic", user=name)
            entry = users.get(name)
            if entry is None or not hmac.compare_digest(password.encode(), str(entry["password"]).encode()):
                return "bad_password", CHALLENGE

            # 3. Duo, for users enrolled in it. Failures are SAML errors in a
            # 200 SOAP answer, as Shibboleth's Duo ECP plugin sends them.
            if entry["duo"]:
                factor = (self._header("X-Shibboleth-Duo-Factor", "X-Shiboleth-Duo-Factor")
                          or "auto").strip().lower()
                passcode = self._header("X-Shibboleth-Duo-Passcode", "X-Shiboleth-Duo-Passcode")
                record["factor"] = factor
                ok, outcome, message, prompted = duo_check(entry, factor, passcode, knobs)
                record["duo_prompt"] = prompted
                if not ok:
                    return outcome, (200, idp.failure(request, message), XML, ())
            return "success", self._success(request, name, old_token)

        def _success(self, request, user, old_token):
            entry = users.get(user, {})
            roles = knobs.get("roles")
            envelope = idp.success(request, user, entry.get("roles", []) if roles is None else roles,
                                   entry.get("session_duration", 28800), header_acs=knobs.get("ecp_acs"))
            token = sessions.issue(user, old_token)  # rotate on every success
            cookie = [("Set-Cookie", f"{SESSION_COOKIE}={token}; Path=/idp; HttpOnly")]
            if knobs.get("body") != "normal":
                return hostile.answer(knobs.get("body"), envelope, knobs.get("entity_url"), cookie)
            return (200, envelope, XML, cookie)

        def _header(self, *names):
            for name in names:
                value = self.headers.get(name)
                if value is not None:
                    return value
            return None

        def _session_cookie(self):
            # Parsed by hand: http.cookies silently gives up on the rest of a
            # header after one cookie it dislikes.
            for raw in self.headers.get_all("Cookie") or []:
                for part in raw.split(";"):
                    name, _, value = part.strip().partition("=")
                    if name == SESSION_COOKIE and value:
                        return value.strip('"')
            return None

    return Handler


XML = "text/xml; charset=utf-8"
CHALLENGE = (401, "Authentication required\n", "text/plain; charset=utf-8",
             [("WWW-Authenticate", 'Basic realm="Shibboleth"')])
TOO_LARGE = ("<html><head><title>400 Request Header Or Cookie Too Large</title></head>"
             "<body><h1>Request Header Or Cookie Too Large</h1></body></html>\n")
LOGIN_PAGE = """<!DOCTYPE html>
<html><head><title>Web Login Service</title></head>
<body><form method="post" action="/idp/profile/SAML2/Redirect/SSO?execution=e1s1">
<label>Username <input name="j_username"></label>
<label>Password <input type="password" name="j_password"></label>
<button type="submit" name="_eventId_proceed">Login</button>
</form></body></html>
"""


def serve_tls(server, cert, key):
    """HTTPS: each connection's TLS handshake runs in its own handler thread
    (not in accept), so a client that refuses the certificate, or never
    speaks, cannot stall the others. A refused handshake is one stderr line."""
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    plain_finish = server.finish_request

    def finish_request(request, client_address):
        try:
            request.settimeout(10)
            request.do_handshake()
            request.settimeout(None)
        except (ssl.SSLError, OSError) as exc:
            print(f"idp: TLS handshake failed: {exc}", file=sys.stderr, flush=True)
            return
        plain_finish(request, client_address)

    server.finish_request = finish_request


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--state-dir", required=True)
    ap.add_argument("--users", default=os.path.join(HERE, "users.json"))
    ap.add_argument("--knobs", default="{}", help="initial knobs as a JSON object")
    ap.add_argument("--entity-id", default=None)
    ap.add_argument("--die-with-parent", action="store_true")
    ap.add_argument("--tls-cert", help="serve HTTPS with this PEM certificate chain (needs --tls-key)")
    ap.add_argument("--tls-key", help="the PEM private key of --tls-cert")
    args = ap.parse_args()
    if bool(args.tls_cert) != bool(args.tls_key):
        stacklib.fatal("idp: --tls-cert and --tls-key go together")

    state_dir = os.path.abspath(args.state_dir)
    os.makedirs(state_dir, exist_ok=True)
    knobs = Knobs(KNOB_SPEC)
    try:
        knobs.update(json.loads(args.knobs))
        users = load_users(args.users)
    except (ValueError, OSError) as exc:
        stacklib.fatal(f"idp: {exc}")
    if args.die_with_parent:
        stacklib.exit_with_parent()

    sys.path.insert(0, HERE)
    import keys
    keygen = keys.start(state_dir)  # runs while pysaml2 is being imported
    # pysaml2 imports a cipher mode that cryptography deprecates; the warning
    # would only clutter idp.stderr.
    warnings.filterwarnings("ignore", message=".*CFB has been moved.*")
    import samlidp  # slow import (pysaml2 builds its XML schemas): after arg checks

    sessions = Sessions()
    log = JsonlLog(os.path.join(state_dir, "idp.log.jsonl"))
    # Bind first: the port is part of base_url, which goes into the metadata.
    server = stacklib.make_server(stacklib.QuietHandler)
    scheme = "http"
    if args.tls_cert:
        serve_tls(server, args.tls_cert, args.tls_key)
        scheme = "https"
    base_url = f"{scheme}://{stacklib.LOOPBACK}:{server.server_address[1]}"
    key_file, cert_file = keys.finish(state_dir, keygen)
    idp = samlidp.SamlIdp(state_dir, base_url, key_file, cert_file,
                          args.entity_id or samlidp.DEFAULT_ENTITY_ID)
    server.RequestHandlerClass = make_handler(idp, users, knobs, sessions, log)

    stacklib.write_json_atomic(os.path.join(state_dir, "idp.json"), {
        "base_url": base_url,
        "ecp_url": base_url + samlidp.ECP_PATH,
        "entity_id": idp.entity_id,
        "cert": idp.cert_file,
        "pid": os.getpid(),
    })
    print(f"idp: ready at {base_url}", file=sys.stderr, flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
