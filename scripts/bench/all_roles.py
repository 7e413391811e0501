#!/usr/bin/env python3
"""Benchmark of `aws-login login --all-roles` (issue 14): the test user frank's 20 roles against
a one-role login, both a fresh password + Duo push login (no IdP session), interleaved run by run.
Run it through `scripts/bench.sh --all-roles`, which builds aws-login and starts the test IdP
and STS; this script only measures and prints a table.

    all_roles.py --ours BIN --stack-dir DIR [--runs N] [--json FILE]

Target: the whole 20-role run within 2x the one-role login. On 2 cores the Python STS (signature
check + moto, per call) dominates the 20-role run, so the table also gives the client's time
beyond the servers': wall time minus the time at least one server was busy on that run's
requests (the union of their [start, start + handling_ms] intervals: the STS calls overlap).
A floor does the same exchanges from inside this (already running) harness with http.client,
six STS calls at a time and no checks: what it leaves beyond the servers' busy time is the
servers' own HTTP work outside their logged figure, loopback and scheduling, which no client
avoids.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import shutil
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (its process runner, server logs and homes)

FRANK = ("frank", "frank-pw-T3")  # Duo, 20 roles in three accounts
TARGET = 2.0
CONCURRENCY = 6  # as aws-login's own (src/all_roles.rs)


def frank_roles():
    with open(os.path.join(bench.REPO, "tests", "idp", "users.json")) as fh:
        pairs = json.load(fh)["frank"]["roles"]
    return [tuple(sorted(p.split(","), key=lambda arn: ":saml-provider/" in arn)) for p in pairs]


def busy_ms(*logs):
    """How long at least one server was handling a request, from the logged intervals."""
    spans = sorted((e["ts"], e["ts"] + e.get("handling_ms", 0.0) / 1000.0) for log in logs for e in log)
    total, end = 0.0, None
    for start, stop in spans:
        if end is None or start > end:
            total += stop - start
            end = stop
        elif stop > end:
            total += stop - end
            end = stop
    return total * 1000.0


def timed(stack, home, argv, what):
    home.forget("cache", "cookies")
    stack.mark()
    r = bench.run(argv, home.env).ok(what)
    idp, sts = stack.since_mark()
    busy = busy_ms(idp, sts)
    return {"wall_ms": r.wall_ms, "server_ms": busy, "client_ms": r.wall_ms - busy,
            "idp": len(idp), "sts": len(bench.assumes(sts))}


def floor(stack, roles):
    """frank's login and 20 STS calls from inside this process (see the module's docstring)."""
    stack.mark()
    t0 = time.perf_counter_ns()
    assertion = bench.null_assertion(stack, FRANK)
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(lambda pair: bench.null_assume(stack, assertion, *pair), roles))
    wall = (time.perf_counter_ns() - t0) / 1e6
    idp, sts = stack.since_mark()
    busy = busy_ms(idp, sts)
    return {"wall_ms": wall, "server_ms": busy, "client_ms": wall - busy, "idp": len(idp),
            "sts": len(bench.assumes(sts))}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ours", required=True)
    ap.add_argument("--stack-dir", required=True)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--json")
    args = ap.parse_args()
    stack = bench.Stack(args.stack_dir)
    root = tempfile.mkdtemp(prefix="aws-login-bench-roles.")
    try:
        home = bench.Home(root, "ours", stack, os.path.dirname(os.path.abspath(args.ours)), args.ours)
        home.profile("one", FRANK, "push").profile("all", FRANK, "push")
        runs = {"one role": [], "all 20 roles": [], "floor: 20 roles from the harness": []}
        roles = frank_roles()
        for i in range(args.runs):
            runs["floor: 20 roles from the harness"].append(floor(stack, roles))
            order = ["one role", "all 20 roles"][::1 if i % 2 == 0 else -1]
            for kind in order:
                argv = [args.ours, "login", "--profile", "one", "--force-refresh"] if kind == "one role" \
                    else [args.ours, "login", "--all-roles", "--profile", "all"]
                r = timed(stack, home, argv, kind)
                want = (1, 1) if kind == "one role" else (1, 20)
                if (r["idp"], r["sts"]) != want:
                    raise SystemExit(f"bench: {kind}: {r['idp']} IdP and {r['sts']} STS exchanges, not {want}")
                runs[kind].append(r)
        med = {k: {m: statistics.median(r[m] for r in rs) for m in ("wall_ms", "server_ms", "client_ms")}
               for k, rs in runs.items()}
        ratio = med["all 20 roles"]["wall_ms"] / med["one role"]["wall_ms"]
        client_ratio = med["all 20 roles"]["client_ms"] / med["one role"]["client_ms"]
        print(f"# login --all-roles, {time.strftime('%Y-%m-%d %H:%M %z')}, {os.cpu_count()} CPUs, "
              f"load average {os.getloadavg()[0]:.2f}, {args.runs} runs each (medians)\n")
        print("| | wall | servers busy | client beyond the servers |")
        print("|---|---|---|---|")
        for k, m in med.items():
            print(f"| {k} | {m['wall_ms']:.0f} ms | {m['server_ms']:.0f} ms | {m['client_ms']:.1f} ms |")
        verdict = "met" if ratio <= TARGET else "**MISSED**"
        print(f"\n20 roles / one role: wall {ratio:.2f}x (target <= {TARGET}x: {verdict}); "
              f"client beyond the servers {client_ratio:.2f}x")
        if args.json:
            with open(args.json, "w") as fh:
                json.dump(runs, fh, indent=1)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
