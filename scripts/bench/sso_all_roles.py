#!/usr/bin/env python3
"""Benchmark of `aws-login login --all-roles` for an IAM Identity Center profile (issue 18): the
stand-in's user gina's 20 account/role pairs (four accounts) against one pair, interleaved run
by run, both from a token already in the AWS CLI's token file (no sign-in: what is measured is
the portal and STS work). Run it through `scripts/bench.sh --sso-all-roles`, which builds
aws-login and starts the test STS; this script starts the Identity Center stand-in beside it.

    sso_all_roles.py --ours BIN --stack-dir DIR [--runs N] [--rate-limit N] [--latency MS] [--json FILE]

Target: the 20 pairs within 2x one pair. The 20-pair run lists the accounts and each account's
roles, then fetches 20 credentials (each minted by AssumeRole at the STS front and moto), six at
a time, within the portal's rate limit (20 calls a second, as Identity Center's; the stand-in
answers TooManyRequestsException beyond it and aws-login waits and retries).
"""

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import boto3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (its process runner)

TARGET = 2.0
SESSION = "corp"
DEVICE = "urn:ietf:params:oauth:grant-type:device_code"


def start_standin(state_dir, knobs):
    ready = os.path.join(state_dir, "sso.json")
    if os.path.exists(ready):
        os.unlink(ready)
    proc = subprocess.Popen(
        [sys.executable, os.path.join(bench.REPO, "tests", "sso", "standin.py"), "--state-dir", state_dir,
         "--knobs", json.dumps(knobs), "--die-with-parent"],
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(state_dir, "sso.stderr"), "w"))
    deadline = time.monotonic() + 30
    while not os.path.exists(ready):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("bench: the Identity Center stand-in did not start (see sso.stderr)")
        time.sleep(0.05)
    with open(ready) as fh:
        return proc, json.load(fh)


def token_file(home, sso):
    """Signs gina in through the stand-in (it approves at once) and writes the token where the
    AWS CLI keeps it, as `aws sso login` would."""
    oidc = boto3.client("sso-oidc", endpoint_url=sso["url"], region_name="us-east-1")
    reg = oidc.register_client(clientName="bench", clientType="public")
    ids = {"clientId": reg["clientId"], "clientSecret": reg["clientSecret"]}
    dev = oidc.start_device_authorization(startUrl=sso["start_url"], **ids)
    tok = oidc.create_token(grantType=DEVICE, deviceCode=dev["deviceCode"], **ids)
    stamp = lambda s: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + s))  # noqa: E731
    cache = os.path.join(home, ".aws", "sso", "cache")
    os.makedirs(cache, mode=0o700, exist_ok=True)
    with open(os.path.join(cache, hashlib.sha1(SESSION.encode()).hexdigest() + ".json"), "w") as fh:
        json.dump({"startUrl": sso["start_url"], "region": "us-east-1", "accessToken": tok["accessToken"],
                   "expiresAt": stamp(tok["expiresIn"]), "refreshToken": tok["refreshToken"],
                   "registrationExpiresAt": stamp(86400), **ids}, fh)


def log_since(path, offset):
    with open(path, "rb") as fh:
        fh.seek(offset)
        data = fh.read()
    cut = data.rfind(b"\n") + 1
    return offset + cut, [json.loads(l) for l in data[:cut].splitlines() if l.strip()]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ours", required=True)
    ap.add_argument("--stack-dir", required=True)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--rate-limit", type=int, default=20)
    ap.add_argument("--latency", type=int, default=0,
                    help="ms the stand-in takes per portal call, as a network to AWS would")
    ap.add_argument("--json")
    args = ap.parse_args()
    proc, sso = start_standin(args.stack_dir, {"user": "gina", "pending_polls": 0, "page_size": 100,
                                               "rate_limit": args.rate_limit,
                                               "portal_delay": args.latency / 1000.0})
    root = tempfile.mkdtemp(prefix="aws-login-bench-sso.")
    try:
        with open(os.path.join(args.stack_dir, "sts.json")) as fh:
            sts_url = json.load(fh)["url"]
        home = os.path.join(root, "home")
        os.makedirs(os.path.join(home, ".aws-login"), mode=0o700)
        with open(os.path.join(home, ".aws-login", "config"), "w") as fh:
            fh.write(f"[one]\nsource = sso\nsso_session = {SESSION}\nsso_account_id = 210000000004\n"
                     f"sso_role_name = Developer\n\n[all]\nsource = sso\nsso_session = {SESSION}\n")
        os.makedirs(os.path.join(home, ".aws"), exist_ok=True)
        with open(os.path.join(home, ".aws", "config"), "w") as fh:
            fh.write(f"[sso-session {SESSION}]\nsso_start_url = {sso['start_url']}\nsso_region = us-east-1\n\n"
                     "[profile all]\nregion = us-east-1\n")
        token_file(home, sso)
        env = {"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8",
               "AWS_CONFIG_FILE": os.path.join(home, ".aws", "config"),
               "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, ".aws", "credentials"),
               "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL_STS": sts_url,
               "AWS_ENDPOINT_URL_SSO": sso["url"], "AWS_ENDPOINT_URL_SSO_OIDC": sso["url"]}
        log = os.path.join(args.stack_dir, "sso.log.jsonl")
        offset = os.path.getsize(log)
        runs = {"one pair": [], "all 20 pairs": []}
        throttled = 0
        for i in range(args.runs):
            for kind in ["one pair", "all 20 pairs"][::1 if i % 2 == 0 else -1]:
                argv = [args.ours, "login", "--profile", "one", "--force-refresh"] if kind == "one pair" \
                    else [args.ours, "login", "--all-roles", "--profile", "all"]
                # Untimed: each run starts with the portal's whole rate window to itself.
                time.sleep(1.1)
                r = bench.run(argv, env).ok(kind)
                offset, entries = log_since(log, offset)
                got = sum(1 for e in entries if e.get("op") == "GetRoleCredentials" and e["status"] == 200)
                want = 1 if kind == "one pair" else 20
                if got != want:
                    raise SystemExit(f"bench: {kind}: {got} role credentials, not {want}")
                throttled += sum(1 for e in entries if e.get("outcome") == "TooManyRequestsException")
                runs[kind].append({"wall_ms": r.wall_ms, "portal_calls": len(entries)})
        med = {k: statistics.median(r["wall_ms"] for r in rs) for k, rs in runs.items()}
        ratio = med["all 20 pairs"] / med["one pair"]
        print(f"# login --all-roles, IAM Identity Center, {time.strftime('%Y-%m-%d %H:%M %z')}, "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, {args.runs} runs each (medians), "
              f"portal limit {args.rate_limit} calls/s, {args.latency} ms added per portal call\n")
        print("| | wall | portal calls |")
        print("|---|---|---|")
        for k, rs in runs.items():
            print(f"| {k} | {med[k]:.0f} ms | {rs[0]['portal_calls']} |")
        verdict = "met" if ratio <= TARGET else "**MISSED**"
        print(f"\n20 pairs / one pair: wall {ratio:.2f}x (target <= {TARGET}x: {verdict}); "
              f"{throttled} call(s) answered TooManyRequestsException and retried")
        if args.json:
            with open(args.json, "w") as fh:
                json.dump(runs, fh, indent=1)
    finally:
        shutil.rmtree(root, ignore_errors=True)
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
