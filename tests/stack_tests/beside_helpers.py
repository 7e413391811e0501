"""Starting the servers beside the test OP (tests/oidc/exchange.py, maws_roles.py) for the
stack's own tests, and talking to them."""

import json
import subprocess
import sys
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]


class Beside:
    """A running server beside the OP: its ready file's fields, knobs and log."""

    def __init__(self, script, stem, state_dir, op_dir, wait_ready):
        self.dir, self.stem = state_dir, stem
        self.proc = subprocess.Popen(
            [sys.executable, str(REPO / "tests/oidc" / script), "--state-dir", str(state_dir),
             "--op-ready", str(op_dir / "oidc.json"), "--die-with-parent"],
            stdout=subprocess.DEVNULL, stderr=open(state_dir / f"{stem}.stderr", "w"))
        info = wait_ready(state_dir / f"{stem}.json", [self.proc])
        self.url, self.endpoint = info["url"], info["endpoint"]

    def control(self, **knobs):
        r = requests.post(self.url + "/_control", json=knobs, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def log(self):
        path = self.dir / f"{self.stem}.log.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def log_text(self):
        return (self.dir / f"{self.stem}.log.jsonl").read_text()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
