"""Small helpers shared by the test IdP (tests/idp) and the STS front (tests/sts).

Both servers follow the same contract with their callers (the Rust tests,
start.sh, the pytest suite):
  * bind 127.0.0.1 on a kernel-chosen port, then publish a ready file
    (JSON) atomically, so a reader sees either nothing or the whole file;
  * keep mutable "knobs" that tests change with POST /_control;
  * append one JSON line per request to a log, flushed at once so a test can
    read it right after getting its answer.
"""

import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOOPBACK = "127.0.0.1"


def write_json_atomic(path, obj):
    """Write JSON to path via temp file + rename (readers never see half a file)."""
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, indent=1, sort_keys=True)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class JsonlLog:
    """Append-only JSON-lines log; one line per request, flushed immediately."""

    def __init__(self, path):
        self._fh = open(path, "a", encoding="utf-8", buffering=1)
        self._lock = threading.Lock()

    def write(self, record):
        line = json.dumps(record, sort_keys=True)
        with self._lock:
            self._fh.write(line + "\n")
            self._fh.flush()


class Knobs:
    """Thread-safe dict of test knobs with per-knob validation.

    `spec` maps knob name -> (default, validator); a validator returns the
    normalised value or raises ValueError with a message for the caller.
    """

    def __init__(self, spec):
        self._spec = spec
        self._lock = threading.Lock()
        self._values = {name: default for name, (default, _) in spec.items()}

    def get(self, name):
        with self._lock:
            return self._values[name]

    def snapshot(self):
        with self._lock:
            return json.loads(json.dumps(self._values))

    def update(self, changes):
        """Validate all changes first, then apply them together."""
        if not isinstance(changes, dict):
            raise ValueError("control body must be a JSON object")
        checked = {}
        for name, value in changes.items():
            if name not in self._spec:
                raise ValueError(f"unknown knob {name!r}; known: {sorted(self._spec)}")
            checked[name] = self._spec[name][1](value)
        with self._lock:
            self._values.update(checked)
        return self.snapshot()


# Validators for Knobs specs.
def one_of(*allowed):
    def check(value):
        if value not in allowed:
            raise ValueError(f"must be one of {list(allowed)}, got {value!r}")
        return value

    return check


def number(minimum=None, allow_none=False):
    def check(value):
        if value is None and allow_none:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"must be a number, got {value!r}")
        if minimum is not None and value < minimum:
            raise ValueError(f"must be >= {minimum}, got {value!r}")
        return value

    return check


def optional_str(value):
    if value is not None and not isinstance(value, str):
        raise ValueError(f"must be null or a string, got {value!r}")
    return value


REDIRECT_STATUSES = (301, 302, 303, 307, 308)


def redirect(value):
    """null, or {"status": 3xx, "location": "..."}: a redirect to answer with."""
    if value is None:
        return None
    if (not isinstance(value, dict) or set(value) != {"status", "location"}
            or value["status"] not in REDIRECT_STATUSES or not isinstance(value["location"], str)):
        raise ValueError(f"must be null or {{\"status\": one of {list(REDIRECT_STATUSES)}, "
                         f"\"location\": a string}}, got {value!r}")
    return value


class QuietHandler(BaseHTTPRequestHandler):
    """Request handler base: HTTP/1.1 keep-alive, helpers, no access log noise."""

    protocol_version = "HTTP/1.1"
    server_version = "stack-test-server/1"

    def log_message(self, fmt, *args):  # access lines would only clutter *.stderr
        pass

    def read_body(self):
        """Body by Content-Length, or de-chunked when the client streams it."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # skip trailers
                    break
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(parts)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send(self, status, body, content_type, headers=()):
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status, obj):
        self.send(status, json.dumps(obj, sort_keys=True) + "\n", "application/json")

    def handle_control(self, knobs, on_update=None):
        """GET/POST /_control: read or merge knobs (JSON)."""
        if self.command == "GET":
            return self.send_json(200, knobs.snapshot())
        try:
            changes = json.loads(self.read_body() or b"{}")
            if on_update is not None:
                changes = on_update(changes)  # may consume action-style keys
            snap = knobs.update(changes)
        except ValueError as exc:  # json.JSONDecodeError is a ValueError too
            return self.send_json(400, {"error": str(exc)})
        return self.send_json(200, snap)


def make_server(handler_cls):
    """Threaded server on 127.0.0.1, kernel-chosen port; one thread per
    connection so a slow request (a Duo push wait) never blocks the others."""
    server = ThreadingHTTPServer((LOOPBACK, 0), handler_cls)
    server.daemon_threads = True
    return server


def exit_with_parent():
    """Opt-in (--die-with-parent): stop when the process that started us is
    gone, so a killed test harness leaves no servers behind."""
    parent = os.getppid()

    def watch():
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def elapsed_ms(start):
    return round((time.monotonic() - start) * 1000.0, 3)


def fatal(msg):
    print(msg, file=sys.stderr, flush=True)
    sys.exit(2)


def server_args(name, doc, knob_spec, extra=()):
    """The command line every test server takes: --state-dir DIR, --knobs JSON,
    --die-with-parent, plus `extra` ((flag, help) pairs, optional strings). Returns (args,
    the state dir, made, and the Knobs, set); exits with a sentence on a bad --knobs."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--state-dir", required=True)
    for flag, text in extra:
        ap.add_argument(flag, help=text)
    ap.add_argument("--knobs", default="{}", help="initial knobs as a JSON object")
    ap.add_argument("--die-with-parent", action="store_true")
    args = ap.parse_args()
    state_dir = os.path.abspath(args.state_dir)
    os.makedirs(state_dir, exist_ok=True)
    knobs = Knobs(knob_spec)
    try:
        knobs.update(json.loads(args.knobs))
    except ValueError as exc:
        fatal(f"{name}: --knobs: {exc}")
    if args.die_with_parent:
        exit_with_parent()
    return args, state_dir, knobs


def publish_and_serve(server, name, ready_path, info):
    """Writes the ready file, says so on stderr, then serves until interrupted."""
    write_json_atomic(ready_path, info)
    print(f"{name}: ready at {info.get('url')}", file=sys.stderr, flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
