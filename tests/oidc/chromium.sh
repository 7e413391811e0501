#!/usr/bin/env bash
# Headless Chromium as the `browser` command of the OIDC tests: opens URL, follows what the page
# does (the test OP's auto_login makes that a redirect chain to the CLI's loopback listener) and
# exits when it has loaded. No host but loopback resolves. Its DOM and chatter are dropped: a
# browser's output is not the CLI's.
set -euo pipefail
[[ $# -eq 1 ]] || { echo "usage: chromium.sh URL" >&2; exit 2; }
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
if ! chromium --headless=new --no-sandbox --disable-gpu --no-first-run --disable-dev-shm-usage \
  --user-data-dir="$profile" \
  --host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost" \
  --dump-dom "$1" >/dev/null 2>"$profile/stderr"; then
  echo "chromium.sh: chromium failed: $(tail -n 1 "$profile/stderr")" >&2
  exit 1
fi
