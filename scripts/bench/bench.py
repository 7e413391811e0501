#!/usr/bin/env python3
"""Side-by-side benchmark of aws-login and awscli-login 1.0 (issue 5). Run it through
scripts/bench.sh, which installs and builds what this needs and starts the local test IdP and
STS; this script only measures and prints a table.

    bench.py --ours BIN --floor BIN --theirs-venv DIR --stack-dir DIR [--runs N] [...]

Standard library only. Every process is started with os.posix_spawn (in a new session, so no
controlling terminal: nothing can prompt) and reaped with os.wait4; wall time is
time.perf_counter_ns around spawn..reap. Peak RSS is ru_maxrss from wait4/getrusage, taken in
separate runs through a small launcher (rss.rs), because a child of this Python process would
report Python's own ~15 MiB. Each tool gets its own throwaway HOME; both talk to the same IdP
and STS.

What is measured (see the README's "Benchmark" section for the targets):
 1. credential_process with valid cached credentials: ours, awscli-login's `aws-login` script,
    and a floor (a bare Rust binary that prints one small file), interleaved run by run.
 2. Logins (password; password + Duo push; re-login through the IdP session cookie): the
    client's own time = wall time minus the handling_ms the IdP and STS logged for the requests
    of that run. Password from the profile. Optionally (--keyring) the password from the OS
    keyring, inside tests/stack/keyring-session.sh.
 3. 64 concurrent credential_process calls with an expired cache: IdP and STS exchanges counted
    from the servers' logs, wall time relative to one refresh.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))

ALICE = ("alice", "alice-pw-Q7")  # no Duo, one role
CAROL = ("carol", "carol-pw-M5")  # Duo, one role
DEVELOPER = "arn:aws:iam::111122223333:role/Developer"

# Targets from issue 5.
FLOOR_FACTOR = 2.0
RSS_MIB = 8.0
SPEEDUP = 100.0
LOGIN_OVERHEAD_MS = 10.0
PARALLEL_FACTOR = 1.2


# -- processes ------------------------------------------------------------------------------------

class Run:
    """A finished process. rss_kib is wait4's ru_maxrss, which includes this Python process's
    own peak (see rss.rs): only peak_rss_kib() gives a command's real figure."""
    __slots__ = ("wall_ms", "rss_kib", "code", "out", "err")

    def __init__(self, wall_ms, rss_kib, code, out, err):
        self.wall_ms, self.rss_kib, self.code, self.out, self.err = wall_ms, rss_kib, code, out, err

    def ok(self, what):
        if self.code != 0:
            raise SystemExit(f"bench: {what} failed (exit {self.code}):\n{self.out}{self.err}")
        return self


def _actions(out_fd, err_fd):
    return [
        (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
        (os.POSIX_SPAWN_DUP2, out_fd, 1),
        (os.POSIX_SPAWN_DUP2, err_fd, 2),
    ]


def _status(status):
    return os.waitstatus_to_exitcode(status)


def run(argv, env):
    """One process, timed; stdout/stderr go to temp files (a pipe could fill up and stall it)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        acts = _actions(out.fileno(), err.fileno())
        t0 = time.perf_counter_ns()
        pid = os.posix_spawn(argv[0], argv, env, file_actions=acts, setsid=True)
        _, status, ru = os.wait4(pid, 0)
        t1 = time.perf_counter_ns()
        out.seek(0)
        err.seek(0)
        return Run((t1 - t0) / 1e6, ru.ru_maxrss, _status(status),
                   out.read().decode(errors="replace"), err.read().decode(errors="replace"))


def peak_rss_kib(launcher, argv, env):
    """Peak RSS of one run of argv, measured by the small launcher (see rss.rs for why)."""
    with tempfile.NamedTemporaryFile(prefix="rss.", delete=False) as fh:
        path = fh.name
    try:
        r = run([launcher, path] + argv, env)
        if r.code != 0:
            raise SystemExit(f"bench: {argv[0]} failed under the RSS launcher (exit {r.code}): {r.err}")
        with open(path) as fh:
            return int(fh.read())
    finally:
        os.unlink(path)


def run_parallel(argv, env, n):
    """n copies at once: wall time from the first spawn to the last exit, the time spawning
    them took, and every Run (its wall_ms is its exit time, from the first spawn). A thread
    reaps while the main thread is still spawning, so early exits are timed when they happen."""
    files = [(tempfile.TemporaryFile(), tempfile.TemporaryFile()) for _ in range(n)]
    reaped = []  # (pid, time, status)

    def reaper():
        while len(reaped) < n:
            pid, status, _ = os.wait4(-1, 0)
            reaped.append((pid, time.perf_counter_ns(), status))

    try:
        pids = {}
        thread = threading.Thread(target=reaper, daemon=True)
        t0 = time.perf_counter_ns()
        for i, (out, err) in enumerate(files):
            pid = os.posix_spawn(argv[0], argv, env, file_actions=_actions(out.fileno(), err.fileno()),
                                 setsid=True)
            pids[pid] = i
            if i == 0:
                thread.start()  # wait4(-1) needs a child to wait for
        t_spawned = time.perf_counter_ns()
        thread.join()
        results = [None] * n
        for pid, end, status in reaped:
            results[pids[pid]] = (end, _status(status))
        t1 = max(end for _, end, _ in reaped)
        runs = []
        for (end, code), (out, err) in zip(results, files):
            out.seek(0)
            err.seek(0)
            runs.append(Run((end - t0) / 1e6, 0, code, out.read().decode(errors="replace"),
                            err.read().decode(errors="replace")))
        return (t1 - t0) / 1e6, (t_spawned - t0) / 1e6, runs
    finally:
        for out, err in files:
            out.close()
            err.close()


# -- the servers' logs ----------------------------------------------------------------------------

class Stack:
    def __init__(self, state_dir):
        self.dir = state_dir
        with open(os.path.join(state_dir, "idp.json")) as fh:
            self.ecp_url = json.load(fh)["ecp_url"]
        with open(os.path.join(state_dir, "sts.json")) as fh:
            self.sts_url = json.load(fh)["url"]
        self.netloc = self.ecp_url.split("/")[2]
        self._offsets = {}
        self.mark()

    def _path(self, name):
        return os.path.join(self.dir, f"{name}.log.jsonl")

    def mark(self):
        for name in ("idp", "sts"):
            try:
                self._offsets[name] = os.path.getsize(self._path(name))
            except FileNotFoundError:
                self._offsets[name] = 0

    def since_mark(self):
        """(IdP entries, STS entries) logged since mark(); then marks again."""
        found = {}
        for name in ("idp", "sts"):
            try:
                with open(self._path(name), "rb") as fh:
                    fh.seek(self._offsets[name])
                    data = fh.read()
            except FileNotFoundError:
                data = b""
            # A line is written whole before the answer leaves: a partial tail cannot happen
            # after the client exited, but stop at the last newline anyway.
            cut = data.rfind(b"\n") + 1
            self._offsets[name] += cut
            found[name] = [json.loads(l) for l in data[:cut].splitlines() if l.strip()]
        return found["idp"], found["sts"]


def server_ms(idp, sts):
    return sum(e.get("handling_ms", 0.0) for e in idp) + sum(e.get("handling_ms", 0.0) for e in sts)


def assumes(sts):
    return [e for e in sts if e.get("action") == "AssumeRoleWithSAML"]


# -- homes ----------------------------------------------------------------------------------------

class Home:
    """A throwaway HOME for one tool, with ~/.aws-login/config and ~/.aws/config."""

    def __init__(self, root, name, stack, bin_dir, process_cmd, plugin=False):
        self.path = os.path.join(root, name)
        self.login_dir = os.path.join(self.path, ".aws-login")
        os.makedirs(self.login_dir, mode=0o700)
        os.makedirs(os.path.join(self.path, ".aws"))
        self.stack = stack
        self.env = {
            "PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin",
            "HOME": self.path,
            "LANG": "C.UTF-8",
            "AWS_CONFIG_FILE": os.path.join(self.path, ".aws", "config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(self.path, ".aws", "credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL_STS": stack.sts_url,
        }
        self._config, self._aws = [], []
        self.process_cmd = process_cmd
        if plugin:
            self._aws.append("[plugins]\nlogin = awscli_login\n")

    def profile(self, name, user, factor, keyring=False):
        lines = [f"[{name}]", f"ecp_endpoint_url = {self.stack.ecp_url}", f"username = {user[0]}",
                 f"factor = {factor}", f"role_arn = {DEVELOPER}"]
        if keyring:
            lines.append("enable_keyring = true")
        else:
            lines.append(f"password = {user[1]}")
        self._config.append("\n".join(lines) + "\n")
        section = "default" if name == "default" else f"profile {name}"
        self._aws.append(f"[{section}]\nregion = us-east-1\n"
                         f"credential_process = {self.process_cmd} --profile {name}\n")
        self._write()
        return self

    def _write(self):
        path = os.path.join(self.login_dir, "config")
        with open(path, "w") as fh:
            fh.write("\n".join(self._config))
        os.chmod(path, 0o600)
        with open(self.env["AWS_CONFIG_FILE"], "w") as fh:
            fh.write("\n".join(self._aws))

    def forget(self, *names):
        """Removes files or directories under ~/.aws-login (setup between runs, never timed)."""
        for name in names:
            p = os.path.join(self.login_dir, name)
            if os.path.isdir(p):
                shutil.rmtree(p)
            elif os.path.exists(p):
                os.unlink(p)


# -- statistics -----------------------------------------------------------------------------------

def pct(values, p):
    """Nearest-rank percentile."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, -(-len(s) * p // 100) - 1))
    return s[int(k)]


def med(values):
    return statistics.median(values)


def mib(kib):
    return kib / 1024.0


def verdict(ok, missed_by=""):
    return "met" if ok else f"MISSED{(' by ' + missed_by) if missed_by else ''}"


# -- 1. credential_process on a cache hit ---------------------------------------------------------

def bench_cache_hit(args, stack, ours, theirs, log, baselines=()):
    ours_bin, theirs_bin = args.ours, os.path.join(args.theirs_venv, "bin", "aws-login")
    cache_file = os.path.join(ours.login_dir, "cache", "hit.json")
    cmds = {
        "aws-login (ours)": ([ours_bin, "--profile", "hit"], ours.env),
        "awscli-login 1.0": ([theirs_bin, "--profile", "hit"], theirs.env),
        "floor (read one file)": ([args.floor, cache_file], ours.env),
    }
    # Fill the caches with a login (not timed), then check that a run is a cache hit.
    run([ours_bin, "login", "--profile", "hit"], ours.env).ok("our login (cache-hit setup)")
    run([os.path.join(args.theirs_venv, "bin", "aws"), "login", "--profile", "hit"],
        theirs.env).ok("awscli-login's login (cache-hit setup)")
    # Other builds of aws-login (--baseline), each in its own home: an older build may not read
    # the newer cache format.
    for label, home in baselines:
        run([home.process_cmd, "login", "--profile", "hit"], home.env).ok(f"{label}'s login (cache-hit setup)")
        cmds[f"aws-login {label}"] = ([home.process_cmd, "--profile", "hit"], home.env)
    stack.mark()
    for name, (argv, env) in cmds.items():
        for _ in range(3):  # warm-up: page cache, dynamic loader, Python's .pyc files
            r = run(argv, env).ok(name)
        if name != "floor (read one file)":
            creds = json.loads(r.out)
            assert creds["Version"] == 1 and creds["AccessKeyId"], r.out
    names = list(cmds)
    samples = {n: [] for n in names}
    rss = {n: [] for n in names}
    for i in range(args.runs):
        k = i % len(names)
        order = names[k:] + names[:k]  # rotate who goes first
        for n in order:
            argv, env = cmds[n]
            samples[n].append(run(argv, env).ok(n))
        if i % 5 == 0:  # peak RSS: separate runs through the launcher, every 5th round
            for n in order:
                argv, env = cmds[n]
                rss[n].append(peak_rss_kib(args.rss, argv, env))
    idp, sts = stack.since_mark()
    if idp or sts:
        raise SystemExit(f"bench: the cache-hit runs reached the servers ({len(idp)} IdP, "
                         f"{len(sts)} STS requests): not a cache hit")
    rows = {}
    for n in names:
        walls = [r.wall_ms for r in samples[n]]
        rows[n] = {"median_ms": med(walls), "p95_ms": pct(walls, 95), "min_ms": min(walls),
                   "peak_rss_mib": mib(max(rss[n])), "runs": len(walls), "rss_runs": len(rss[n])}
    log["cache_hit"] = rows
    return rows


# -- 2. logins ------------------------------------------------------------------------------------

def timed_login(stack, argv, env, what):
    stack.mark()
    r = run(argv, env).ok(what)
    idp, sts = stack.since_mark()
    srv = server_ms(idp, sts)
    return {"wall_ms": r.wall_ms, "server_ms": srv, "client_ms": r.wall_ms - srv,
            "idp": len(idp), "sts": len(assumes(sts)),
            "idp_auth": [e.get("auth") for e in idp]}


ENVELOPE = ('<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" '
            'xmlns:saml2p="urn:oasis:names:tc:SAML:2.0:protocol"><S:Body>'
            '<saml2p:AuthnRequest AssertionConsumerServiceURL="https://signin.aws.amazon.com/saml" '
            'ID="_{id}" IssueInstant="{now}" ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:PAOS" '
            'Version="2.0"><saml2:Issuer>urn:amazon:webservices</saml2:Issuer></saml2p:AuthnRequest>'
            '</S:Body></S:Envelope>')


def null_login(stack, user):
    """The same two exchanges as a password login, made from inside this (already running)
    process with http.client and no checks: what is left beyond the servers' handling_ms is
    loopback, the servers' own HTTP work outside that figure, and scheduling. No client can go
    below it, so it is the floor for the figure of item 2."""
    import base64
    import http.client
    import urllib.parse
    import uuid
    ecp = urllib.parse.urlsplit(stack.ecp_url)
    sts = urllib.parse.urlsplit(stack.sts_url)
    stack.mark()
    t0 = time.perf_counter_ns()
    body = ENVELOPE.format(id=uuid.uuid4().hex.upper(), now=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    auth = base64.b64encode(f"{user[0]}:{user[1]}".encode()).decode()
    c = http.client.HTTPConnection(ecp.hostname, ecp.port, timeout=30)
    c.request("POST", ecp.path, body=body.encode(), headers={
        "Content-Type": "text/xml; charset=utf-8", "Authorization": f"Basic {auth}"})
    answer = c.getresponse().read()
    c.close()
    m = re.search(rb"<(\w+):Response\b.*?</\1:Response>", answer, re.S)
    if not m:
        raise SystemExit(f"bench: null client: no Response in the IdP's answer: {answer[:300]!r}")
    element = m.group(0)
    head_end = element.index(b">")
    have = set(re.findall(rb'xmlns:(\w+)=', element[:head_end]))
    decls = b"".join(b" " + d for d in re.findall(rb'xmlns:\w+="[^"]*"', answer[:m.start()])
                     if re.match(rb"xmlns:(\w+)=", d).group(1) not in have)
    tag_end = len(m.group(1)) + len(b"<:Response")
    element = element[:tag_end] + decls + element[tag_end:]
    form = urllib.parse.urlencode({
        "Action": "AssumeRoleWithSAML", "Version": "2011-06-15", "RoleArn": DEVELOPER,
        "PrincipalArn": "arn:aws:iam::111122223333:saml-provider/TestIdP",
        "SAMLAssertion": base64.b64encode(element).decode()})
    c = http.client.HTTPConnection(sts.hostname, sts.port, timeout=30)
    c.request("POST", "/", body=form.encode(), headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    resp = c.getresponse()
    data = resp.read()
    c.close()
    t1 = time.perf_counter_ns()
    if resp.status != 200 or b"<AccessKeyId>" not in data:
        raise SystemExit(f"bench: null client: STS answered {resp.status}: {data[:300]!r}")
    idp, sts_log = stack.since_mark()
    srv = server_ms(idp, sts_log)
    wall = (t1 - t0) / 1e6
    return {"wall_ms": wall, "server_ms": srv, "client_ms": wall - srv, "idp": len(idp),
            "sts": len(assumes(sts_log)), "idp_auth": [e.get("auth") for e in idp]}


def bench_logins(args, stack, ours, theirs, log):
    theirs_aws = os.path.join(args.theirs_venv, "bin", "aws")
    theirs_script = os.path.join(args.theirs_venv, "bin", "aws-login")
    argsfile = os.path.join(theirs.path, "login-args.json")

    def plugin_args(force):
        # What awscli-login's `aws login` plugin hands its script (vars() of its parsed args).
        ns = {k: None for k in ("ecp_endpoint_url", "username", "password", "factor", "passcode",
                                "role_arn", "duration", "http_header_factor", "http_header_passcode",
                                "verify_ssl_certificate", "save_http_traffic", "load_http_traffic")}
        ns.update(ask_password=False, force_refresh=force, verbose=0, debug_info=False)
        with open(argsfile, "w") as fh:
            json.dump(ns, fh)
        return argsfile

    # (tool, scenario) -> list of results
    results = {}

    def add(tool, scenario, res):
        results.setdefault((tool, scenario), []).append(res)

    tools = ["ours", "theirs", "theirs-script"]
    for i in range(args.login_runs):
        order = tools[i % 3:] + tools[:i % 3]
        add("null", "password", null_login(stack, ALICE))
        for tool in order:
            if tool == "ours":
                home, argv = ours, lambda p, f: [args.ours, "login", "--profile", p] + (["--force-refresh"] if f else [])
            elif tool == "theirs":
                home, argv = theirs, lambda p, f: [theirs_aws, "login", "--profile", p] + (["--force-refresh"] if f else [])
            else:
                home, argv = theirs, lambda p, f: [theirs_script, "--login", plugin_args(f), "--profile", p]
            # Password: no cached credentials, no IdP session.
            home.forget("cache", "credentials", "cookies")
            add(tool, "password", timed_login(stack, argv("pw", False), home.env, f"{tool} password login"))
            # Re-login through the IdP session the password login just left (awscli-login never
            # saves a rotated cookie, so its session is only good right after a password login).
            add(tool, "cookie", timed_login(stack, argv("pw", True), home.env, f"{tool} cookie re-login"))
            # Password + Duo push (answered at once).
            home.forget("cache", "credentials", "cookies")
            add(tool, "password + Duo push", timed_login(stack, argv("duo", False), home.env,
                                                         f"{tool} Duo login"))
    for (tool, scenario), rs in results.items():
        auths = {tuple(r["idp_auth"]) for r in rs}
        expect = ("cookie",) if scenario == "cookie" else ("basic",)
        if auths != {expect} or any(r["sts"] != 1 for r in rs):
            raise SystemExit(f"bench: {tool} {scenario}: unexpected exchanges {auths}, "
                             f"sts={[r['sts'] for r in rs]}")
    log["logins"] = {f"{t} / {s}": rs for (t, s), rs in results.items()}
    return results


# -- 2b. the keyring round trip (inside tests/stack/keyring-session.sh) -----------------------------

def keyring_inner(args):
    """Runs inside keyring-session.sh: HOME is a throwaway, the default keyring is unlocked.
    Prints one JSON object: per run, our login with the password from the keyring and from the
    profile, alternating."""
    if os.environ.get("AWS_LOGIN_TEST_KEYRING") != "1":
        raise SystemExit("bench: keyring-inner must run inside tests/stack/keyring-session.sh")
    stack = Stack(args.stack_dir)
    root = tempfile.mkdtemp(prefix="kr.", dir=os.environ["HOME"])
    home = Home(root, "ours", stack, os.path.dirname(args.ours), args.ours)
    home.profile("pw", ALICE, "off").profile("kr", ALICE, "off", keyring=True)
    for k in ("DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "XDG_DATA_HOME", "PYTHON_KEYRING_BACKEND"):
        if k in os.environ:
            home.env[k] = os.environ[k]
    # Store the password the way awscli-login (Python's keyring) does.
    subprocess.run([os.path.join(REPO, ".stack", "venv", "bin", "python"), "-c",
                    "import keyring,sys; keyring.set_password('awscli_login', sys.argv[1], sys.argv[2])",
                    f"{ALICE[0]}@{stack.netloc}", ALICE[1]], check=True, env=dict(os.environ))
    out = {"keyring": [], "profile": []}
    for i in range(args.login_runs):
        for which in (("keyring", "profile") if i % 2 == 0 else ("profile", "keyring")):
            home.forget("cache", "cookies")
            p = "kr" if which == "keyring" else "pw"
            out[which].append(timed_login(stack, [args.ours, "login", "--profile", p], home.env,
                                          f"our {which}-password login"))
    json.dump(out, sys.stdout)


def bench_keyring(args, log):
    if not args.keyring:
        return None, "not measured (--no-keyring)"
    for tool in ("dbus-run-session", "gnome-keyring-daemon", "secret-tool"):
        if not shutil.which(tool):
            return None, f"not measured: {tool} is missing (tests/stack/install.sh installs it)"
    env = dict(os.environ, KEYRING_SESSION_TIMEOUT="600")
    p = subprocess.run([os.path.join(REPO, "tests", "stack", "keyring-session.sh"), sys.executable,
                        os.path.abspath(__file__), "keyring-inner", "--ours", args.ours,
                        "--stack-dir", args.stack_dir, "--login-runs", str(args.login_runs)],
                       capture_output=True, text=True, env=env)
    if p.returncode != 0:
        return None, f"not measured: keyring session failed (exit {p.returncode}): {p.stderr.strip()[-300:]}"
    data = json.loads(p.stdout)
    log["keyring"] = data
    return data, None


# -- 3. 64 concurrent refreshes ------------------------------------------------------------------

def expire_cache(path):
    """Makes our cached credentials look expired: issued 2 h ago, expired 1 h ago."""
    with open(path) as fh:
        entry = json.load(fh)
    now = time.time()
    fmt = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
    entry["issued"] = fmt(now - 7200)
    entry["credentials"]["Expiration" if "Expiration" in entry["credentials"] else "expiration"] = fmt(now - 3600)
    tmp = path + ".bench"
    with open(tmp, "w") as fh:
        json.dump(entry, fh)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def bench_parallel(args, stack, ours, theirs, log):
    argv = [args.ours, "--profile", "par"]
    cache = os.path.join(ours.login_dir, "cache", "par.json")
    run([args.ours, "login", "--profile", "par"], ours.env).ok("our login (parallel setup)")
    # One refresh, alone: expired cache, IdP session cookie, one STS call.
    singles = []
    for _ in range(args.login_runs):
        expire_cache(cache)
        stack.mark()
        r = run(argv, ours.env).ok("one refresh")
        idp, sts = stack.since_mark()
        if [e.get("auth") for e in idp] != ["cookie"] or len(assumes(sts)) != 1:
            raise SystemExit(f"bench: one refresh did not use the IdP session: {idp} {sts}")
        singles.append({"wall_ms": r.wall_ms, "server_ms": server_ms(idp, sts)})
    rounds = []
    for _ in range(args.parallel_rounds):
        expire_cache(cache)
        stack.mark()
        wall, spawn_ms, runs = run_parallel(argv, ours.env, args.parallel)
        idp, sts = stack.since_mark()
        keys = {json.loads(r.out)["AccessKeyId"] for r in runs if r.code == 0}
        ends = sorted(r.wall_ms for r in runs)
        rounds.append({"wall_ms": wall, "idp": len(idp), "sts": len(assumes(sts)),
                       "spawn_ms": spawn_ms, "first_exit_ms": ends[0],
                       "median_exit_ms": med(ends),
                       "failed": sum(r.code != 0 for r in runs), "distinct_keys": len(keys),
                       "server_ms": server_ms(idp, sts),
                       "errors": sorted({r.err.strip()[:200] for r in runs if r.code != 0})})
    # awscli-login 1.0 with an expired cache: one call, to show what it does (issue #257).
    theirs_cred = os.path.join(theirs.login_dir, "credentials")
    run([os.path.join(args.theirs_venv, "bin", "aws"), "login", "--profile", "par"],
        theirs.env).ok("awscli-login's login (parallel setup)")
    with open(theirs_cred) as fh:
        text = fh.read()
    text = re.sub(r"(?m)^expiration = .*$", "expiration = 2000-01-01T00:00:00+00:00", text)
    with open(theirs_cred, "w") as fh:
        fh.write(text)
    stack.mark()
    t = run([os.path.join(args.theirs_venv, "bin", "aws-login"), "--profile", "par"], theirs.env)
    tidp, tsts = stack.since_mark()
    theirs_res = {"code": t.code, "wall_ms": t.wall_ms, "idp": len(tidp), "sts": len(assumes(tsts)),
                  "message": (t.err.strip().splitlines() or [""])[-1][:160]}
    res = {"singles": singles, "rounds": rounds, "theirs": theirs_res}
    log["parallel"] = res
    return res


# -- the table ------------------------------------------------------------------------------------

def table(rows):
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for j, r in enumerate(rows):
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def report_cache_hit(args, hit):
    out = [f"## 1. credential_process, valid cache ({args.runs} interleaved runs each)\n"]
    rows = [("command", "median ms", "p95 ms", "min ms", "peak RSS MiB", "× floor")]
    f = hit["floor (read one file)"]
    for n, r in hit.items():
        rows.append((n, f"{r['median_ms']:.2f}", f"{r['p95_ms']:.2f}", f"{r['min_ms']:.2f}",
                     f"{r['peak_rss_mib']:.1f}", f"{r['median_ms'] / f['median_ms']:.2f}"))
    out.append(table(rows))
    o, t = hit["aws-login (ours)"], hit["awscli-login 1.0"]
    ratio = o["median_ms"] / f["median_ms"]
    speed = t["median_ms"] / o["median_ms"]
    out.append("")
    rows = [("target", "measured", "verdict")]
    rows.append((f"median ≤ {FLOOR_FACTOR:g}× floor", f"{ratio:.2f}× ({o['median_ms']:.2f} vs {f['median_ms']:.2f} ms)",
                 verdict(ratio <= FLOOR_FACTOR, f"{ratio / FLOOR_FACTOR:.2f}× ({o['median_ms'] - FLOOR_FACTOR * f['median_ms']:.2f} ms)")))
    rows.append((f"peak RSS ≤ {RSS_MIB:g} MiB", f"{o['peak_rss_mib']:.1f} MiB",
                 verdict(o["peak_rss_mib"] <= RSS_MIB, f"{o['peak_rss_mib'] - RSS_MIB:.1f} MiB")))
    rows.append((f"≥ {SPEEDUP:g}× faster than awscli-login", f"{speed:.0f}× (RSS {t['peak_rss_mib'] / o['peak_rss_mib']:.0f}× smaller)",
                 verdict(speed >= SPEEDUP, f"{SPEEDUP / speed:.2f}×")))
    out.append(table(rows))
    return "\n".join(out)


def report(args, hit, logins, keyring, keyring_note, par):
    out = [report_cache_hit(args, hit)]

    out.append(f"\n## 2. Login: client time beyond the servers' handling ({args.login_runs} runs each, interleaved)\n")
    rows = [("tool", "login", "wall median ms", "servers median ms", "client median ms", "client max ms",
             "verdict")]
    names = {"ours": "aws-login login", "theirs": "aws login (awscli-login)",
             "theirs-script": "awscli-login script only"}
    rs = logins[("null", "password")]
    rows.append(("floor: the 2 requests from Python", "password", f"{med([r['wall_ms'] for r in rs]):.1f}",
                 f"{med([r['server_ms'] for r in rs]):.1f}", f"{med([r['client_ms'] for r in rs]):.1f}",
                 f"{max(r['client_ms'] for r in rs):.1f}", "(no process, no checks)"))
    for tool in ("ours", "theirs", "theirs-script"):
        for scen in ("password", "password + Duo push", "cookie"):
            rs = logins[(tool, scen)]
            c = med([r["client_ms"] for r in rs])
            v = (verdict(c <= LOGIN_OVERHEAD_MS, f"{c - LOGIN_OVERHEAD_MS:.1f} ms")
                 if tool == "ours" else f"ours {c / med([r['client_ms'] for r in logins[('ours', scen)]]):.0f}× less")
            rows.append((names[tool], scen if scen != "cookie" else "re-login (IdP cookie)",
                         f"{med([r['wall_ms'] for r in rs]):.1f}", f"{med([r['server_ms'] for r in rs]):.1f}",
                         f"{c:.1f}", f"{max(r['client_ms'] for r in rs):.1f}", v))
    if keyring:
        for which, label in (("profile", "password (profile), in keyring session"),
                             ("keyring", "password (keyring)")):
            rs = keyring[which]
            c = med([r["client_ms"] for r in rs])
            rows.append(("aws-login login", label, f"{med([r['wall_ms'] for r in rs]):.1f}",
                         f"{med([r['server_ms'] for r in rs]):.1f}", f"{c:.1f}",
                         f"{max(r['client_ms'] for r in rs):.1f}",
                         "" if which == "profile" else
                         f"keyring round trip ≈ {c - med([r['client_ms'] for r in keyring['profile']]):.1f} ms"))
    out.append(table(rows))
    if not keyring:
        out.append(f"\nkeyring round trip: {keyring_note}")

    out.append(f"\n## 3. {args.parallel} concurrent credential_process calls, expired cache\n")
    singles = par["singles"]
    one = med([s["wall_ms"] for s in singles])
    rows = [("round", "wall ms", "× one refresh", "spawning ms", "first exit ms", "median exit ms",
             "last exit − first",
             "IdP logins", "STS calls", "failed", "distinct keys", "verdict")]
    for i, r in enumerate(par["rounds"], 1):
        x = r["wall_ms"] / one
        ok_ex = r["idp"] == 1 and r["sts"] == 1 and r["failed"] == 0 and r["distinct_keys"] == 1
        v = []
        v.append("exchanges " + verdict(ok_ex, f"{r['idp']} IdP / {r['sts']} STS / {r['failed']} failed"))
        v.append("time " + verdict(x <= PARALLEL_FACTOR, f"{x - PARALLEL_FACTOR:.2f}×"))
        rows.append((str(i), f"{r['wall_ms']:.1f}", f"{x:.2f}", f"{r['spawn_ms']:.1f}",
                     f"{r['first_exit_ms']:.1f}", f"{r['median_exit_ms']:.1f}",
                     f"{r['wall_ms'] - r['first_exit_ms']:.1f}", str(r["idp"]), str(r["sts"]),
                     str(r["failed"]), str(r["distinct_keys"]), ", ".join(v)))
    out.append(f"one refresh alone (IdP cookie + STS), median of {len(singles)}: {one:.1f} ms "
               f"(servers {med([s['server_ms'] for s in singles]):.1f} ms)\n")
    out.append(table(rows))
    for r in par["rounds"]:
        for e in r["errors"]:
            out.append(f"  error: {e}")
    t = par["theirs"]
    out.append(f"\nawscli-login 1.0, one call with an expired cache: exit {t['code']} after {t['wall_ms']:.0f} ms, "
               f"{t['idp']} IdP / {t['sts']} STS requests: {t['message']!r}")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", nargs="?", default="bench", choices=["bench", "keyring-inner"])
    ap.add_argument("--ours", required=True, help="our aws-login binary (release build)")
    ap.add_argument("--floor", help="the floor binary (scripts/bench/floor.rs)")
    ap.add_argument("--rss", help="the peak-RSS launcher (scripts/bench/rss.rs)")
    ap.add_argument("--theirs-venv", help="virtualenv with awscli-login 1.0 and the AWS CLI")
    ap.add_argument("--stack-dir", required=True, help="state dir of tests/stack/start.sh")
    ap.add_argument("--runs", type=int, default=50, help="cache-hit runs per command (≥ 50)")
    ap.add_argument("--login-runs", type=int, default=7, help="runs per login kind")
    ap.add_argument("--parallel", type=int, default=64)
    ap.add_argument("--parallel-rounds", type=int, default=3)
    ap.add_argument("--no-keyring", dest="keyring", action="store_false")
    ap.add_argument("--json", help="also write every sample here")
    ap.add_argument("--baseline", action="append", default=[], metavar="LABEL=BIN",
                    help="another aws-login build, measured beside ours on the cache hit")
    ap.add_argument("--only-cache-hit", action="store_true",
                    help="measure the cache hit only (part 1), as when comparing builds")
    args = ap.parse_args()
    args.ours = os.path.abspath(args.ours)
    if args.mode == "keyring-inner":
        return keyring_inner(args)

    stack = Stack(args.stack_dir)
    root = tempfile.mkdtemp(prefix="aws-login-bench.")
    try:
        theirs_bin = os.path.join(os.path.abspath(args.theirs_venv), "bin")
        ours = Home(root, "ours", stack, os.path.dirname(args.ours), args.ours)
        # awscli-login's own setup: its plugin in the AWS CLI v1 config, its credential_process
        # by absolute path (so its pre-flight check finds it without PATH games).
        theirs = Home(root, "theirs", stack, theirs_bin, os.path.join(theirs_bin, "aws-login"), plugin=True)
        for h in (ours, theirs):
            h.profile("hit", ALICE, "off").profile("pw", ALICE, "off").profile("duo", CAROL, "push")
            h.profile("par", ALICE, "off")
        log = {"date": time.strftime("%Y-%m-%d %H:%M:%S %z"), "uname": " ".join(os.uname()),
               "loadavg_start": os.getloadavg()}
        print(f"bench: {os.uname().machine}, {os.cpu_count()} CPUs, load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", file=sys.stderr, flush=True)
        print("bench: 1/4 credential_process, valid cache …", file=sys.stderr, flush=True)
        baselines = []
        for spec in args.baseline:
            label, _, path = spec.partition("=")
            path = os.path.abspath(path)
            home = Home(root, f"baseline-{len(baselines)}", stack, os.path.dirname(path), path)
            baselines.append((label, home.profile("hit", ALICE, "off")))
        hit = bench_cache_hit(args, stack, ours, theirs, log, baselines)
        if args.only_cache_hit:
            print(report_cache_hit(args, hit))
            return
        print("bench: 2/4 logins …", file=sys.stderr, flush=True)
        logins = bench_logins(args, stack, ours, theirs, log)
        print("bench: 3/4 keyring round trip …", file=sys.stderr, flush=True)
        keyring, keyring_note = bench_keyring(args, log)
        print("bench: 4/4 concurrent refreshes …", file=sys.stderr, flush=True)
        par = bench_parallel(args, stack, ours, theirs, log)
        log["loadavg_end"] = os.getloadavg()
        text = report(args, hit, logins, keyring, keyring_note, par)
        print(f"# aws-login benchmark, {log['date']}, {os.uname().machine}, {os.cpu_count()} CPUs, "
              f"load average {log['loadavg_start'][0]:.2f} → {log['loadavg_end'][0]:.2f}\n")
        print(text)
        if args.json:
            with open(args.json, "w") as fh:
                json.dump(log, fh, indent=1, default=str)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
