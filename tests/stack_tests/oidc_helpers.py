"""The test OpenID provider (tests/oidc/op.mjs) for the stack's own tests, and a client that
plays aws-login's part against it: PKCE through the scripted browser, the device grant."""

import base64
import hashlib
import json
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
BROWSER = REPO / "tests/oidc/browser.py"
DEVICE_USER = REPO / "tests/oidc/device_user.py"
CHROMIUM = REPO / "tests/oidc/chromium.sh"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
OP_DEFAULTS = {"auto_login": None, "deny": False, "id_token_ttl": 3600, "device_slow_down": 0,
               "jwt_access_tokens": False, "device_endpoint": True, "device_code_ttl": 600, "device_interval": None,
               "clock_skew": 0, "id_token_roles": None}
PASSWORDS = {"alice": "alice-pw-O1", "bob": "bob-pw-O2"}
SECRET = "cli-secret-pw"


def start_op(state_dir):
    state_dir.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(["node", str(REPO / "tests/oidc/op.mjs"), "--state-dir", str(state_dir), "--die-with-parent"],
                            stdout=subprocess.DEVNULL, stderr=open(state_dir / "oidc.stderr", "w"))


class _V6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


class Callback:
    """The CLI's loopback listener: keeps serving (browsers open extra connections) and
    remembers the query of the first request for /callback."""

    def __init__(self, host="127.0.0.1"):
        got, ready = {}, threading.Event()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urllib.parse.urlsplit(self.path)
                if parts.path != "/callback":
                    self.send_error(404)
                    return
                if not ready.is_set():
                    got.update({k: v[0] for k, v in urllib.parse.parse_qs(parts.query).items()})
                    ready.set()
                body = b"<html><body>You may close this page.</body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        bare = host.strip("[]")
        self.server = (_V6Server if ":" in bare else ThreadingHTTPServer)((bare, 0), Handler)
        self.server.daemon_threads = True
        self.got, self.ready = got, ready
        self.redirect_uri = f"http://{host}:{self.server.server_address[1]}/callback"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, timeout=30):
        assert self.ready.wait(timeout), "the listener got no callback"
        return self.got

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Op:
    def __init__(self, state_dir, info):
        self.dir, self.issuer = state_dir, info["issuer"]
        self.discovery = requests.get(self.issuer + "/.well-known/openid-configuration", timeout=10).json()

    def control(self, **knobs):
        r = requests.post(self.issuer + "/_control", json=knobs, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def log(self):
        path = self.dir / "oidc.log.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def auth_url(self, redirect_uri, client_id="cli-native", scope="openid email profile offline_access", **extra):
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "scope": scope,
                  "state": secrets.token_urlsafe(16), "nonce": secrets.token_urlsafe(16),
                  "code_challenge": challenge, "code_challenge_method": "S256", **extra}
        params = {k: v for k, v in params.items() if v is not None}
        return self.discovery["authorization_endpoint"] + "?" + urllib.parse.urlencode(params), params, verifier

    def token(self, client_id="cli-native", **form):
        auth = (client_id, SECRET) if client_id == "cli-secret" else None
        if auth is None:
            form["client_id"] = client_id
        return requests.post(self.discovery["token_endpoint"], data=form, auth=auth, timeout=30)

    def browser_login(self, browser=(sys.executable, str(BROWSER)), env=None, client_id="cli-native",
                      host="127.0.0.1", **extra):
        """The browser grant up to the callback: returns (callback query, sent params, verifier,
        the browser's CompletedProcess)."""
        cb = Callback(host)
        try:
            url, params, verifier = self.auth_url(cb.redirect_uri, client_id=client_id, **extra)
            run = subprocess.run([*browser, url], capture_output=True, text=True, timeout=60, env=env)
            got = cb.wait(1) if run.returncode == 0 else {}
            return got, params, verifier, run
        finally:
            cb.close()

    def tokens(self, client_id="cli-native", **extra):
        """A whole browser login: the token endpoint's answer (JSON)."""
        got, params, verifier, run = self.browser_login(client_id=client_id, **extra)
        assert run.returncode == 0, run.stderr
        r = self.token(client_id, grant_type="authorization_code", code=got["code"],
                       redirect_uri=params["redirect_uri"], code_verifier=verifier)
        assert r.status_code == 200, r.text
        return r.json()

    def device_start(self, client_id="cli-native", scope="openid email offline_access"):
        auth = (client_id, SECRET) if client_id == "cli-secret" else None
        r = requests.post(self.discovery["device_authorization_endpoint"], auth=auth,
                          data={"client_id": client_id, "scope": scope}, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def device_poll(self, device_code, client_id="cli-native"):
        return self.token(client_id, grant_type=DEVICE_GRANT, device_code=device_code)


def wait_for(predicate, what, timeout=30):
    """Polls a condition another process makes true (a ready file, an exit)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"{what} not within {timeout} s"
        time.sleep(0.05)
