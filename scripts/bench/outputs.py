#!/usr/bin/env python3
"""Benchmark of aws-login's outputs (issue 13), after bench.py in scripts/bench.sh: a benchmark,
not a test; it prints a table and exits 0 whatever the figures are.

 1. A cache hit printed as `-o bash` next to `-o process` (the credential_process JSON),
    interleaved run by run: the same fast path, so the same cost is expected.
 2. The local credentials server (`aws-login serve`): the time to answer one request as an SDK
    makes it (a new TCP connection, one GET with the token, the JSON read to its end), median
    and p95; and the server's resident memory (VmRSS) while idle, after those requests.

    outputs.py --ours BIN --stack-dir DIR [--runs N] [--requests N]
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from bench import ALICE, Home, Stack, med, pct, run


def bench_formats(args, home):
    run([args.ours, "login", "--profile", "hit"], home.env).ok("login (cache-hit setup)")
    cmds = {
        "-o process": [args.ours, "--profile", "hit", "-o", "process"],
        "-o bash": [args.ours, "--profile", "hit", "-o", "bash"],
    }
    for argv in cmds.values():
        for _ in range(3):  # warm-up
            run(argv, home.env).ok(" ".join(argv[1:]))
    samples = {n: [] for n in cmds}
    for i in range(args.runs):
        for n in (list(cmds) if i % 2 == 0 else list(cmds)[::-1]):  # alternate who goes first
            samples[n].append(run(cmds[n], home.env).ok(n).wall_ms)
    return {n: (med(s), pct(s, 95)) for n, s in samples.items()}


def get(host, port, token):
    with socket.create_connection((host, port)) as s:
        s.sendall(f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: {token}\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    if not data.startswith(b"HTTP/1.1 200 "):
        raise SystemExit(f"bench: the server answered {data[:40]!r}")


def bench_server(args, home):
    env = dict(home.env, SHELL="/bin/bash")
    proc = subprocess.Popen([args.ours, "serve", "--profile", "hit"], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        url = token = None
        while url is None or token is None:
            line = proc.stdout.readline()
            if not line:
                raise SystemExit("bench: aws-login serve ended before printing its variables")
            key, _, value = line.removeprefix("export ").strip().partition("=")
            if key == "AWS_CONTAINER_CREDENTIALS_FULL_URI":
                url = value.strip("'")
            elif key == "AWS_CONTAINER_AUTHORIZATION_TOKEN":
                token = value.strip("'")
        host, port = url.removeprefix("http://").strip("/").rsplit(":", 1)
        for _ in range(10):  # warm-up
            get(host, int(port), token)
        times = []
        for _ in range(args.requests):
            t0 = time.perf_counter_ns()
            get(host, int(port), token)
            times.append((time.perf_counter_ns() - t0) / 1e6)
        with open(f"/proc/{proc.pid}/status") as fh:
            rss_kib = next(int(l.split()[1]) for l in fh if l.startswith("VmRSS:"))
        return med(times), pct(times, 95), rss_kib / 1024
    finally:
        proc.terminate()
        proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ours", required=True)
    ap.add_argument("--stack-dir", required=True)
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--requests", type=int, default=500)
    args, _ = ap.parse_known_args()
    args.ours = os.path.abspath(args.ours)
    root = tempfile.mkdtemp(prefix="aws-login-bench-outputs.")
    try:
        home = Home(root, "outputs", Stack(args.stack_dir), os.path.dirname(args.ours), args.ours)
        home.profile("hit", ALICE, "off")
        print("bench: outputs 1/2 -o bash next to -o process, valid cache …", file=sys.stderr, flush=True)
        formats = bench_formats(args, home)
        print("bench: outputs 2/2 the local credentials server …", file=sys.stderr, flush=True)
        srv_med, srv_p95, rss = bench_server(args, home)
        print(f"\n## Outputs ({args.runs} runs each, {args.requests} server requests)\n")
        print("| | median | p95 |\n|---|---|---|")
        for name, (m, p) in formats.items():
            print(f"| cache hit, `{name}` | {m:.2f} ms | {p:.2f} ms |")
        print(f"| `serve`: one request (connect, GET, read) | {srv_med:.3f} ms | {srv_p95:.3f} ms |")
        print(f"\n`serve` resident memory while idle: {rss:.1f} MiB")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
