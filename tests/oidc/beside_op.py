"""What the servers beside the test OP (exchange.py, maws_roles.py) share: their command line,
start-up and a knob validator. Each is

    SCRIPT --state-dir DIR [--op-ready FILE] [--knobs JSON] [--die-with-parent]

with the OP's ready file (oidc.json, read when first needed) in DIR unless --op-ready names it.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "stack"))
import stacklib  # noqa: E402
from stacklib import JsonlLog, Knobs  # noqa: E402


def user_lists(what):
    """A knob validator: null, or {"user": [strings]}."""
    def check(value):
        if value is not None and not (isinstance(value, dict) and all(
                isinstance(k, str) and isinstance(v, list) and all(isinstance(r, str) for r in v)
                for k, v in value.items())):
            raise ValueError(f'must be null or {{"user": [{what}, ...]}}, got {value!r}')
        return value
    return check


def serve(name, doc, knob_spec, stem, path, make_handler):
    """Parses the command line, builds the handler with make_handler(state_dir, op_ready, knobs,
    log) (the log DIR/STEM.log.jsonl), then publishes DIR/STEM.json ({"url", "endpoint": url +
    path, "pid"}) and serves."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--state-dir", required=True)
    ap.add_argument("--op-ready", help="the OP's ready file (default: DIR/oidc.json)")
    ap.add_argument("--knobs", default="{}", help="initial knobs as a JSON object")
    ap.add_argument("--die-with-parent", action="store_true")
    args = ap.parse_args()
    state_dir = os.path.abspath(args.state_dir)
    os.makedirs(state_dir, exist_ok=True)
    knobs = Knobs(knob_spec)
    try:
        knobs.update(json.loads(args.knobs))
    except ValueError as exc:
        stacklib.fatal(f"{name}: --knobs: {exc}")
    if args.die_with_parent:
        stacklib.exit_with_parent()
    log = JsonlLog(os.path.join(state_dir, f"{stem}.log.jsonl"))
    handler = make_handler(state_dir, args.op_ready or os.path.join(state_dir, "oidc.json"), knobs, log)
    server = stacklib.make_server(handler)
    url = f"http://{stacklib.LOOPBACK}:{server.server_address[1]}"
    stacklib.publish_and_serve(server, name, os.path.join(state_dir, f"{stem}.json"),
                               {"url": url, "endpoint": url + path, "pid": os.getpid()})
