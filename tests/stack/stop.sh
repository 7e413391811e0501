#!/usr/bin/env bash
# Stop the servers started by start.sh DIR (by the pids in their ready files).
# Logs and keys stay in DIR; the ready files are removed.
set -uo pipefail
DIR="${1:?usage: stop.sh STATE_DIR}"

for f in sts idp; do
  ready="$DIR/$f.json"
  [[ -f "$ready" ]] || continue
  pid="$(sed -n 's/.*"pid": *\([0-9][0-9]*\).*/\1/p' "$ready")"
  if [[ -n "$pid" ]] && kill "$pid" 2>/dev/null; then
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$ready"
done
