#!/usr/bin/env bash
# Installs what the loopback test stack (test IdP + STS front) needs:
#   * Debian packages: xmlsec1/openssl (signing, keys) and a few tools later
#     tests use (dbus, gnome-keyring, secret-tool, strace);
#   * a virtualenv at $REPO/.stack/venv with the pinned Python packages;
#   * the AWS JS SDK v3 at $REPO/.stack/node (npm ci from tests/consumers/), with the shells
#     zsh and fish, for the consumer tests of aws-login's outputs (not with --servers);
#   * npm's oidc-provider at $REPO/.stack/oidc (npm ci from tests/oidc/), the OpenID provider of
#     the OIDC tests (not with --servers), and PyJWT in the venv (tests/oidc/requirements.txt),
#     with which the STS front checks web-identity tokens.
#
#   tests/stack/install.sh             everything (scripts/test.sh, scripts/bench.sh)
#   tests/stack/install.sh --servers   only what the IdP and STS front run: xmlsec1 (pysaml2
#                                      signs with it, the front verifies with it), openssl (the
#                                      IdP's key pair) and python3-venv; no dbus, gnome-keyring
#                                      (which pulls in GTK), secret-tool or strace. scripts/demo.sh
#                                      and scripts/stack.sh use this.
# Idempotent and fast on reruns: apt is skipped when every binary exists, pip
# is skipped when the stamp matches the requirements hash. Says what it installs
# on stdout; the tools' own output goes to .stack/install.log.
set -euo pipefail

SERVERS_ONLY=0
case "${1:-}" in
  "") ;;
  --servers) SERVERS_ONLY=1 ;;
  *) echo "usage: install.sh [--servers]" >&2; exit 2 ;;
esac

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
STACK="$REPO/.stack"
VENV="$STACK/venv"
REQS="$HERE/requirements.txt"
LOG="$STACK/install.log"

mkdir -p "$STACK"
# Everything under .stack is machine-local: keep it out of git.
[[ -f "$STACK/.gitignore" ]] || echo '*' >"$STACK/.gitignore"
# Several test binaries may call us at once: serialise on a lock file.
exec 9>"$STACK/.install.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi

fail() {
  echo "install.sh: $*" >&2
  if [[ -s "$LOG" ]]; then tail -n 30 "$LOG" >&2; fi
  exit 1
}

# --- Debian packages --------------------------------------------------------
# binary -> package that provides it
declare -A BIN_PKG=(
  [xmlsec1]=xmlsec1
  [openssl]=openssl
)
# Only the Rust tests use these: the keyring tests (a private D-Bus session with gnome-keyring,
# entries checked with secret-tool) and the strace-driven ones (no socket on a cache hit, kill points).
if ((!SERVERS_ONLY)); then
  BIN_PKG+=(
    [dbus-daemon]=dbus
    [gnome-keyring-daemon]=gnome-keyring
    [secret-tool]=libsecret-tools
    [strace]=strace
    # The one real-browser test (tests/console.rs): headless Chromium follows a sign-in URL.
    [chromium]=chromium
    # The shells the exports are evaluated by (tests/export.rs, tests/shell_quoting.rs).
    [zsh]=zsh
    [fish]=fish
    # The AWS JS SDK v3 as a consumer (tests/js_sdk.rs).
    [node]=nodejs
    [npm]=npm
  )
  # The man page tests render with groff and `man -l` (tests/completions.rs).
  BIN_PKG+=(
    [groff]=groff-base
    [man]=man-db
  )
fi
missing=()
for bin in "${!BIN_PKG[@]}"; do
  command -v "$bin" >/dev/null 2>&1 || missing+=("${BIN_PKG[$bin]}")
done
# Debian's own python3 needs python3-venv for `python3 -m venv`.
"${STACK_PYTHON:-python3}" -c 'import ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
if ((${#missing[@]})); then
  SUDO=""
  [[ "$(id -u)" -eq 0 ]] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  echo "installing Debian packages: ${missing[*]} (apt-get; log: $LOG)"
  apt_install() { $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$LOG" 2>&1; }
  # Only refresh the package lists when installing from the current ones fails
  # (no lists yet, or lists so old that the files are gone from the mirror).
  if ! apt_install; then
    $SUDO apt-get update -q >>"$LOG" 2>&1 || fail "apt-get update failed"
    apt_install || fail "apt-get install ${missing[*]} failed"
  fi
fi

# --- npm packages -----------------------------------------------------------
# npm_ci WHAT SRC DEST: `npm ci` SRC's package.json + package-lock.json into DEST, again only when
# the lock changes (the stamp is its hash).
npm_ci() {
  local what="$1" src="$2" dest="$3" want
  want="$(sha256sum "$src/package-lock.json" | cut -d' ' -f1)"
  [[ "$(cat "$dest/.stack-stamp" 2>/dev/null)" == "$want" && -d "$dest/node_modules" ]] && return 0
  echo "installing $what into $dest (npm ci; log: $LOG)"
  mkdir -p "$dest"
  cp "$src/package.json" "$src/package-lock.json" "$dest/"
  (cd "$dest" && npm ci --no-audit --no-fund --loglevel=error) >>"$LOG" 2>&1 || fail "npm ci ($what) failed"
  echo "$want" >"$dest/.stack-stamp"
}
if ((!SERVERS_ONLY)); then
  # The AWS JS SDK v3, a consumer of aws-login's outputs (tests/js_sdk.rs).
  npm_ci "the AWS JS SDK" "$HERE/../consumers" "$STACK/node"
  # oidc-provider, the OpenID provider of tests/oidc/op.mjs.
  npm_ci "oidc-provider" "$HERE/../oidc" "$STACK/oidc"
fi

# The web-identity check in the STS front verifies JWTs with PyJWT, pinned in its own file with its
# own stamp: the venv is shared by worktrees whose requirements.txt may differ, and a change there
# rebuilds it from scratch. Installs into the venv below once it is ready.
oidc_python_packages() {
  local reqs="$HERE/../oidc/requirements.txt" want
  want="$(sha256sum "$reqs" | cut -d' ' -f1)"
  [[ "$(cat "$VENV/.oidc-stamp" 2>/dev/null)" == "$want" ]] && return 0
  echo "installing PyJWT into $VENV (pip; log: $LOG)"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$reqs" >>"$LOG" 2>&1 \
    || fail "pip install -r tests/oidc/requirements.txt failed"
  echo "$want" >"$VENV/.oidc-stamp"
}

# --- Python virtualenv ------------------------------------------------------
PY="${STACK_PYTHON:-python3}"
command -v "$PY" >/dev/null 2>&1 || fail "no $PY on PATH"
# The stamp covers the requirements and the interpreter that built the venv.
want="$( { cat "$REQS"; "$PY" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"
stamp="$VENV/.stack-stamp"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && "$VENV/bin/python" -c '' 2>/dev/null; then
  oidc_python_packages
  echo "stack ready (cached): $VENV"
  exit 0
fi

echo "creating $VENV: pysaml2, moto, the AWS CLI v1, boto3, pytest … (pip; log: $LOG)"
rm -rf "$VENV"
"$PY" -m venv "$VENV" >>"$LOG" 2>&1 || fail "python -m venv failed"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQS" >>"$LOG" 2>&1 \
  || fail "pip install failed"
# Smoke check: the modules the servers import, and xmlsec1 for pysaml2.
"$VENV/bin/python" -c 'import saml2.server, moto.server, lxml.etree, boto3, pytest' >>"$LOG" 2>&1 \
  || fail "installed packages do not import"
echo "$want" >"$stamp"
oidc_python_packages
echo "stack ready: $VENV"
