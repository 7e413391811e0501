"""Fixtures: one real IdP + STS front pair (subprocesses) for the session,
knobs reset before every test."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import helpers  # noqa: E402
import oidc_helpers  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
PY = sys.executable  # the stack venv's python (pytest runs in it)
USERS = json.loads((REPO / "tests/idp/users.json").read_text())
IDP_DEFAULTS = {"mode": "normal", "duo": "approve", "duo_delay": 0, "session_ttl": 3600,
                "body": "normal", "entity_url": "http://127.0.0.1:9/", "roles": None,
                "redirect": None, "ecp_acs": None, "cookie_status": None, "clock_skew": 0}
STS_DEFAULTS = {"credential_ttl": None, "max_session_duration": 3600, "role_max": {}, "reject": None,
                "broken": None, "redirect": None, "oidc_providers": [], "web_identity_clock_skew": 0}
ENTITY_ID = "https://idp.example.org/idp/shibboleth"


def wait_ready(path, procs, timeout=30):
    deadline = time.monotonic() + timeout
    while not path.exists():
        for p in procs:
            if p.poll() is not None:
                raise RuntimeError(f"{p.args[1]} exited with {p.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{path} not written within {timeout} s")
        time.sleep(0.05)
    return json.loads(path.read_text())


def serving_beside(state_dir, script, name):
    """Starts one more server (tests/<script>) in the stack's state directory; yields its ready
    file's contents and stops it afterwards. For module fixtures."""
    proc = subprocess.Popen(
        [PY, str(REPO / script), "--state-dir", str(state_dir), "--die-with-parent"],
        stdout=subprocess.DEVNULL, stderr=open(state_dir / f"{name}.stderr", "w"))
    try:
        yield wait_ready(state_dir / f"{name}.json", [proc])
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def start_idp(state_dir, *extra):
    state_dir.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [PY, str(REPO / "tests/idp/idp.py"), "--state-dir", str(state_dir), "--die-with-parent", *extra],
        stdout=subprocess.DEVNULL, stderr=open(state_dir / "idp.stderr", "w"))


class Stack:
    def __init__(self, state_dir, idp, sts):
        self.dir, self.idp, self.sts = state_dir, idp, sts
        self.http = requests.Session()
        self.key = str(state_dir / "idp-key.pem")
        self.cert = idp["cert"]

    # -- IdP -------------------------------------------------------------------
    def idp_control(self, **knobs):
        r = requests.post(self.idp["base_url"] + "/_control", json=knobs, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def ecp(self, user=None, password=None, headers=None, cookies=None, envelope=None,
            content_type="text/xml; charset=utf-8"):
        """POST an ECP request; no cookie jar (tests pass cookies explicitly)."""
        hdrs = {"Content-Type": content_type, **(headers or {})}
        if cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        auth = (user, password) if user is not None else None
        return requests.post(self.idp["ecp_url"], data=envelope or helpers.authn_request_envelope(),
                             headers=hdrs, auth=auth, timeout=60)

    def login(self, user, headers=None):
        """A successful ECP login; returns the HTTP response."""
        r = self.ecp(user, USERS[user]["password"], headers=headers)
        assert r.status_code == 200, r.text
        assert helpers.status_of(r.content)[0] == "urn:oasis:names:tc:SAML:2.0:status:Success"
        return r

    def idp_log(self):
        return [json.loads(line) for line in (self.dir / "idp.log.jsonl").read_text().splitlines()]

    # -- STS -------------------------------------------------------------------
    def sts_control(self, **knobs):
        r = requests.post(self.sts["url"] + "/_control", json=knobs, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def assume(self, assertion_b64, role, principal, duration=None, in_query=False):
        params = {"Action": "AssumeRoleWithSAML", "Version": "2011-06-15",
                  "RoleArn": role, "PrincipalArn": principal, "SAMLAssertion": assertion_b64}
        if duration is not None:
            params["DurationSeconds"] = str(duration)
        if in_query:
            return requests.post(self.sts["url"] + "/", params=params, timeout=60)
        return requests.post(self.sts["url"] + "/", data=params, timeout=60)

    def sts_log(self):
        return [json.loads(line) for line in (self.dir / "sts.log.jsonl").read_text().splitlines()]


@pytest.fixture(scope="session")
def servers(tmp_path_factory):
    state_dir = tmp_path_factory.mktemp("stack")
    idp = start_idp(state_dir, "--knobs", '{"duo_delay": 0}')
    # The front reads the certificate per request: start both at once.
    sts = subprocess.Popen(
        [PY, str(REPO / "tests/sts/front.py"), "--state-dir", str(state_dir),
         "--idp-cert", str(state_dir / "idp-cert.pem"), "--idp-entity-id", ENTITY_ID,
         "--die-with-parent"],
        stdout=subprocess.DEVNULL, stderr=open(state_dir / "sts.stderr", "w"))
    try:
        idp_info = wait_ready(state_dir / "idp.json", [idp, sts])
        sts_info = wait_ready(state_dir / "sts.json", [idp, sts])
        yield Stack(state_dir, idp_info, sts_info)
    finally:
        for p in (sts, idp):
            p.terminate()
        for p in (sts, idp):
            p.wait(timeout=10)


@pytest.fixture
def stack(servers):
    servers.idp_control(expire_sessions=True, **IDP_DEFAULTS)
    servers.sts_control(**STS_DEFAULTS)
    return servers


@pytest.fixture(scope="session")
def op_server(tmp_path_factory):
    """The test OpenID provider (tests/oidc/op.mjs), one for the session."""
    state_dir = tmp_path_factory.mktemp("oidc")
    proc = oidc_helpers.start_op(state_dir)
    try:
        yield oidc_helpers.Op(state_dir, wait_ready(state_dir / "oidc.json", [proc]))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def op(op_server):
    op_server.control(**oidc_helpers.OP_DEFAULTS)
    return op_server


@pytest.fixture(autouse=True)
def _no_imds(monkeypatch):
    # boto3/awscli must never try the EC2 metadata service.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for var in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
