#!/usr/bin/env python3
"""Benchmark of the OpenID Connect source (issue 16): a browser login (authorization code with
PKCE; the OP's auto_login knob signs alice in, and `curl -sL` with its cookie engine on is the browser) and a silent
refresh (the refresh token; no browser), each through `aws-login login`, against the test OP
(tests/oidc/op.mjs) and the STS front. Run it through `scripts/bench.sh --oidc`, which builds
aws-login and starts the servers; this script only measures and prints a table.

    oidc.py --ours BIN --stack-dir DIR --oidc-dir DIR [--runs N] [--json FILE]

The OP logs no handling time, so the servers' share is measured by a floor: the same requests
made from inside this (already running) harness with urllib and no checks — discovery, the
authorization redirects, the token grant, the JWKS and AssumeRoleWithWebIdentity. aws-login's
time beyond the servers is its wall time minus the floor's, run by run, interleaved. The floor
opens a connection per request (urllib keeps none alive), which aws-login need not; for the
browser login it runs the same browser (curl) as aws-login does, so starting it is on both sides.
Target: within 10 ms of the servers, as for ECP.
"""

import argparse
import base64
import hashlib
import json
import os
import secrets
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (its process runner and statistics)

CLIENT = "cli-native"
ROLE = "arn:aws:iam::111122223333:role/WebDeveloper"
SCOPE = "openid email offline_access"
TARGET_MS = 10.0
# The browser, in both aws-login's profile and the floor.
BROWSER = ["curl", "-s", "-L", "-b", "", "-o", "/dev/null"]


def post(url, fields, ctype="application/x-www-form-urlencoded"):
    body = json.dumps(fields).encode() if ctype == "application/json" else urllib.parse.urlencode(fields).encode()
    req = urllib.request.Request(url, data=body, headers={"Content-Type": ctype})
    with urllib.request.urlopen(req) as r:
        return r.read()


def get_json(url):
    with urllib.request.urlopen(url) as r:
        return json.loads(r.read())


def floor_browser(issuer, sts_url):
    """A browser login's requests from in here: the servers' time as a client sees it."""
    t0 = time.perf_counter_ns()
    meta = get_json(f"{issuer}/.well-known/openid-configuration")
    verifier = secrets.token_urlsafe(32)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    redirect_uri = "http://127.0.0.1:9/callback"
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": CLIENT, "redirect_uri": redirect_uri, "scope": SCOPE,
        "state": "s", "nonce": "n", "code_challenge": challenge, "code_challenge_method": "S256",
        "prompt": "consent"})

    # The same browser aws-login is given (BROWSER below), so that starting it is on both sides:
    # it follows the OP's redirects to the callback, where nothing listens; curl still reports
    # the address it was sent to, code and all.
    done = subprocess.run(BROWSER + ["-w", "%{url_effective}", f"{meta['authorization_endpoint']}?{query}"],
                          capture_output=True, text=True, timeout=30)
    if not done.stdout.startswith(redirect_uri):
        raise SystemExit("bench: the OP did not redirect back (is auto_login set?)")
    code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(done.stdout).query))["code"]
    tokens = json.loads(post(meta["token_endpoint"], {
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
        "code_verifier": verifier, "client_id": CLIENT}))
    get_json(meta["jwks_uri"])
    assume(sts_url, tokens["id_token"])
    return (time.perf_counter_ns() - t0) / 1e6, tokens["refresh_token"]


def floor_refresh(issuer, sts_url, refresh_token):
    t0 = time.perf_counter_ns()
    meta = get_json(f"{issuer}/.well-known/openid-configuration")
    tokens = json.loads(post(meta["token_endpoint"], {
        "grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": CLIENT}))
    get_json(meta["jwks_uri"])
    assume(sts_url, tokens["id_token"])
    return (time.perf_counter_ns() - t0) / 1e6, tokens.get("refresh_token", refresh_token)


def assume(sts_url, token):
    post(sts_url, {"Action": "AssumeRoleWithWebIdentity", "Version": "2011-06-15", "RoleArn": ROLE,
                   "RoleSessionName": "alice", "WebIdentityToken": token})


def home(root, issuer, sts_url):
    path = tempfile.mkdtemp(dir=root)
    login = os.path.join(path, ".aws-login")
    os.makedirs(login, mode=0o700)
    os.makedirs(os.path.join(path, ".aws"))
    with open(os.path.join(login, "config"), "w") as fh:
        fh.write(f"[o]\nsource = oidc\noidc_issuer = {issuer}\nclient_id = {CLIENT}\nscope = {SCOPE}\n"
                 f"role_arn = {ROLE}\nbrowser = {shlex.join(BROWSER)}\nauto_login = true\nlogin_timeout = 20\n")
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": path, "LANG": "C.UTF-8",
        "AWS_CONFIG_FILE": os.path.join(path, ".aws", "config"),
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(path, ".aws", "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_STS": sts_url,
    }
    return login, env


def forget(login, *names):
    for name in names:
        p = os.path.join(login, name)
        if os.path.isdir(p):
            for f in os.listdir(p):
                os.unlink(os.path.join(p, f))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours", required=True)
    ap.add_argument("--stack-dir", required=True)
    ap.add_argument("--oidc-dir", required=True)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--json")
    args, _ = ap.parse_known_args()
    with open(os.path.join(args.stack_dir, "sts.json")) as fh:
        sts_url = json.load(fh)["url"]
    with open(os.path.join(args.oidc_dir, "oidc.json")) as fh:
        issuer = json.load(fh)["issuer"]
    post(f"{sts_url.rstrip('/')}/_control", {"oidc_providers": [{"issuer": issuer, "client_ids": [CLIENT]}]},
         "application/json")
    # alice signs in without a form; ID tokens shorter-lived than aws-login's margin, so that
    # the kept one is never used and each refresh asks the OP.
    post(f"{issuer}/_control", {"auto_login": "alice", "id_token_ttl": 120}, "application/json")

    with tempfile.TemporaryDirectory() as root:
        login, env = home(root, issuer, sts_url)
        argv = [args.ours, "login", "--profile", "o"]
        bench.run(argv, env).ok("a first browser login")  # warm-up: page cache, the OP's JIT
        samples = {"browser": [], "refresh": []}
        _, refresh_token = floor_browser(issuer, sts_url)
        for _ in range(args.runs):
            forget(login, "cache", "tokens")
            ours = bench.run(argv, env).ok("a browser login").wall_ms
            floor, refresh_token = floor_browser(issuer, sts_url)
            samples["browser"].append({"ours_ms": ours, "floor_ms": floor, "beyond_ms": ours - floor})
            forget(login, "cache")
            ours = bench.run(argv, env).ok("a silent refresh").wall_ms
            floor, refresh_token = floor_refresh(issuer, sts_url, refresh_token)
            samples["refresh"].append({"ours_ms": ours, "floor_ms": floor, "beyond_ms": ours - floor})

    rows = [("", "aws-login (median)", "servers (floor, median)", "beyond the servers (median)", "target")]
    for name, what in (("browser", "browser login (PKCE)"), ("refresh", "silent refresh")):
        s = samples[name]
        beyond = bench.med([x["beyond_ms"] for x in s])
        rows.append((what, f"{bench.med([x['ours_ms'] for x in s]):.1f} ms",
                     f"{bench.med([x['floor_ms'] for x in s]):.1f} ms", f"{beyond:.1f} ms",
                     bench.verdict(beyond <= TARGET_MS, f"{beyond - TARGET_MS:.1f} ms")))
    print(f"\nOpenID Connect ({args.runs} runs each, interleaved with the floor)")
    print(bench.table(rows))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(samples, fh, indent=1)


if __name__ == "__main__":
    main()
