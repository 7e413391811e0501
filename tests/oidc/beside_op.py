"""What the servers beside the test OP (exchange.py, maws_roles.py) share: their command line,
start-up and a knob validator. Each is

    SCRIPT --state-dir DIR [--op-ready FILE] [--knobs JSON] [--die-with-parent]

with the OP's ready file (oidc.json, read when first needed) in DIR unless --op-ready names it.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "stack"))
import stacklib  # noqa: E402
from stacklib import JsonlLog  # noqa: E402


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
    args, state_dir, knobs = stacklib.server_args(
        name, doc, knob_spec, [("--op-ready", "the OP's ready file (default: DIR/oidc.json)")])
    log = JsonlLog(os.path.join(state_dir, f"{stem}.log.jsonl"))
    handler = make_handler(state_dir, args.op_ready or os.path.join(state_dir, "oidc.json"), knobs, log)
    server = stacklib.make_server(handler)
    url = f"http://{stacklib.LOOPBACK}:{server.server_address[1]}"
    stacklib.publish_and_serve(server, name, os.path.join(state_dir, f"{stem}.json"),
                               {"url": url, "endpoint": url + path, "pid": os.getpid()})
