"""The IdP's signing key pair: a self-signed RSA-2048 certificate made with
openssl, once per state dir. Kept apart from pysaml2 so key generation (up to
~0.6 s) can run while pysaml2 is still being imported (~1 s)."""

import fcntl
import os
import subprocess


def paths(state_dir):
    return os.path.join(state_dir, "idp-key.pem"), os.path.join(state_dir, "idp-cert.pem")


def start(state_dir):
    """Start generating the key pair if absent; returns a handle for finish().

    Other stand-ins that sign with this key (tests/oidc/exchange.py) may start beside the IdP:
    an exclusive lock on idp-key.lock, held until finish(), lets one of them make the pair."""
    key, cert = paths(state_dir)
    lock = open(os.path.join(state_dir, "idp-key.lock"), "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    if os.path.exists(key) and os.path.exists(cert):
        lock.close()
        return None
    proc = subprocess.Popen(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256",
         "-days", "3650", "-subj", "/CN=aws-login test IdP",
         "-keyout", key + ".tmp", "-out", cert + ".tmp"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    return proc, lock


def finish(state_dir, handle):
    """Wait for start()'s openssl and move the files into place; returns
    (key path, cert path)."""
    key, cert = paths(state_dir)
    if handle is not None:
        proc, lock = handle
        with lock:
            _, err = proc.communicate()
            if proc.returncode != 0:
                raise RuntimeError(f"openssl failed: {err.decode(errors='replace')}")
            os.chmod(key + ".tmp", 0o600)
            os.replace(key + ".tmp", key)  # key first: the cert's presence means both exist
            os.replace(cert + ".tmp", cert)
    return key, cert


def ensure(state_dir):
    return finish(state_dir, start(state_dir))
