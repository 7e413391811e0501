#!/usr/bin/env bash
# Benchmark (issue 5): aws-login against awscli-login 1.0, side by side, against the same local
# test IdP and STS. A benchmark, not a test: it prints a table (targets it misses are marked
# MISSED) and exits 0 whatever the figures are.
#
#   scripts/bench.sh [bench.py options]      e.g. --runs 100, --login-runs 11, --no-keyring,
#                                            --json FILE (every sample)
#
# It installs and builds what it needs:
#   * the test stack (tests/stack/install.sh: Debian packages and .stack/venv);
#   * awscli-login 1.0 and the AWS CLI v1 from PyPI into their own virtualenv, .stack/bench-venv
#     (scripts/bench/requirements.txt), called by absolute path: its `aws-login` console script
#     must never shadow ours;
#   * our binary: cargo build --release --locked (or AWS_LOGIN_BIN=/path/to/aws-login to skip);
#   * the floor, scripts/bench/floor.rs, with plain `rustc -O`.
# Then it starts the IdP and STS on 127.0.0.1 (tests/stack/start.sh), runs scripts/bench/bench.py
# and stops them. Nothing is run under `nice`; a busy machine gives noisy figures, so run it twice.
#
#   scripts/bench.sh --all-roles [--runs N]  instead: `login --all-roles` with 20 roles against a
#                                            one-role login (scripts/bench/all_roles.py); needs
#                                            neither awscli-login nor the floor
#   scripts/bench.sh --sso-all-roles [--runs N]  instead: the same for an IAM Identity Center
#                                            profile, 20 account/role pairs against one
#                                            (scripts/bench/sso_all_roles.py)
#   scripts/bench.sh --oidc [--runs N]       instead: the OpenID Connect source's browser login and
#                                            silent refresh against the test OP and STS front
#                                            (scripts/bench/oidc.py; issue 16)
set -euo pipefail
ALL_ROLES=0
if [[ "${1:-}" == "--all-roles" ]]; then ALL_ROLES=1; shift; fi
SSO_ALL_ROLES=0
if [[ "${1:-}" == "--sso-all-roles" ]]; then SSO_ALL_ROLES=1; ALL_ROLES=1; shift; fi
OIDC=0
if [[ "${1:-}" == "--oidc" ]]; then OIDC=1; ALL_ROLES=1; shift; fi

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
STACK="$REPO/.stack"
BENCH_VENV="$STACK/bench-venv"
REQS="$HERE/bench/requirements.txt"

"$REPO/tests/stack/install.sh" >&2

# awscli-login 1.0 in its own virtualenv; reinstalled only when the requirements change.
((ALL_ROLES)) || {
want="$( { cat "$REQS"; python3 -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"
if [[ ! -f "$BENCH_VENV/.bench-stamp" || "$(cat "$BENCH_VENV/.bench-stamp")" != "$want" ]] \
  || ! "$BENCH_VENV/bin/python" -c 'import awscli_login, awscli' 2>/dev/null; then
  echo "bench: installing awscli-login 1.0 into $BENCH_VENV …" >&2
  rm -rf "$BENCH_VENV"
  python3 -m venv "$BENCH_VENV"
  "$BENCH_VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQS" >&2
  echo "$want" >"$BENCH_VENV/.bench-stamp"
fi
}

if [[ -n "${AWS_LOGIN_BIN:-}" ]]; then
  OURS="$AWS_LOGIN_BIN"
else
  echo "bench: cargo build --release --locked …" >&2
  (cd "$REPO" && cargo build --release --locked --quiet) >&2
  OURS="$REPO/target/release/aws-login"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/aws-login-bench.XXXXXX")"
cleanup() {
  "$REPO/tests/stack/stop.sh" "$WORK/stack" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

rustc -O --edition 2021 -o "$WORK/floor" "$HERE/bench/floor.rs"
rustc -O --edition 2024 -o "$WORK/rss" "$HERE/bench/rss.rs"

echo "bench: starting the test IdP and STS …" >&2
"$REPO/tests/stack/start.sh" "$WORK/stack" >&2

# Which tree was measured: figures move with every change, and other work may be uncommitted.
rev="$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git -C "$REPO" status --porcelain --untracked-files=no -- src Cargo.toml Cargo.lock 2>/dev/null)" ]]; then
  rev="$rev + uncommitted changes in src/"
fi
echo "measured: $OURS built from $rev; $("$STACK/venv/bin/python" --version 2>&1) runs the harness"

if ((SSO_ALL_ROLES)); then
  "$STACK/venv/bin/python" "$HERE/bench/sso_all_roles.py" --ours "$OURS" --stack-dir "$WORK/stack" "$@"
  exit 0
fi
if ((OIDC)); then
  # The test OP, stopped with the rest (it also exits when this script does).
  node "$REPO/tests/oidc/op.mjs" --state-dir "$WORK/oidc" --die-with-parent >"$WORK/oidc.stderr" 2>&1 &
  op_pid=$!
  trap 'kill "$op_pid" 2>/dev/null || true; cleanup' EXIT
  for _ in $(seq 300); do [[ -f "$WORK/oidc/oidc.json" ]] && break; sleep 0.1; done
  [[ -f "$WORK/oidc/oidc.json" ]] || { echo "bench: the test OP did not start:" >&2; cat "$WORK/oidc.stderr" >&2; exit 1; }
  "$STACK/venv/bin/python" "$HERE/bench/oidc.py" --ours "$OURS" --stack-dir "$WORK/stack" --oidc-dir "$WORK/oidc" "$@"
  exit 0
fi

if ((ALL_ROLES)); then
  "$STACK/venv/bin/python" "$HERE/bench/all_roles.py" --ours "$OURS" --stack-dir "$WORK/stack" "$@"
  exit 0
fi

"$STACK/venv/bin/python" "$HERE/bench/bench.py" --ours "$OURS" --floor "$WORK/floor" --rss "$WORK/rss" \
  --theirs-venv "$BENCH_VENV" --stack-dir "$WORK/stack" "$@"
# Issue 13: -o bash next to -o process on a cache hit, and the local credentials server.
"$STACK/venv/bin/python" "$HERE/bench/outputs.py" --ours "$OURS" --stack-dir "$WORK/stack" "$@"
