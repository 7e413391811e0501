#!/usr/bin/env bash
# Start the test IdP and the STS front in the background, state in DIR.
#   tests/stack/start.sh DIR      -> prints IDP_ECP_URL=... and STS_URL=...
# Both start at once (the front reads the IdP certificate per request, at the
# fixed path DIR/idp-cert.pem), so start-up costs the slower of the two.
# Server stderr/stdout go to DIR/idp.stderr and DIR/sts.stderr.
# Extra knobs: IDP_KNOBS='{"duo":"deny"}' STS_KNOBS='{"reject":"AccessDenied"}'.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
PY="$REPO/.stack/venv/bin/python"
DIR="${1:?usage: start.sh STATE_DIR}"
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
[[ -x "$PY" ]] || { echo "start.sh: no venv; run tests/stack/install.sh first" >&2; exit 1; }

for f in idp sts; do
  if [[ -f "$DIR/$f.json" ]]; then
    pid="$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' "$DIR/$f.json")"
    if kill -0 "$pid" 2>/dev/null; then
      echo "start.sh: $f already running (pid $pid); run stop.sh $DIR first" >&2
      exit 1
    fi
    rm -f "$DIR/$f.json"
  fi
done

nohup "$PY" "$REPO/tests/idp/idp.py" --state-dir "$DIR" --knobs "${IDP_KNOBS:-{\}}" \
  >"$DIR/idp.stderr" 2>&1 </dev/null &
idp_pid=$!
nohup "$PY" "$REPO/tests/sts/front.py" --state-dir "$DIR" --idp-cert "$DIR/idp-cert.pem" \
  --idp-entity-id "${IDP_ENTITY_ID:-https://idp.example.org/idp/shibboleth}" \
  --knobs "${STS_KNOBS:-{\}}" >"$DIR/sts.stderr" 2>&1 </dev/null &
sts_pid=$!

# Wait (bounded) for both ready files; bail out early if a server died.
deadline=$((SECONDS + 30))
while [[ ! -f "$DIR/idp.json" || ! -f "$DIR/sts.json" ]]; do
  for p in "$idp_pid:idp" "$sts_pid:sts"; do
    if ! kill -0 "${p%%:*}" 2>/dev/null && [[ ! -f "$DIR/${p##*:}.json" ]]; then
      echo "start.sh: ${p##*:} exited during start-up:" >&2
      tail -n 20 "$DIR/${p##*:}.stderr" >&2
      kill "$idp_pid" "$sts_pid" 2>/dev/null || true
      exit 1
    fi
  done
  if ((SECONDS >= deadline)); then
    echo "start.sh: servers not ready after 30 s (see $DIR/*.stderr)" >&2
    kill "$idp_pid" "$sts_pid" 2>/dev/null || true
    exit 1
  fi
  sleep 0.1
done

"$PY" - "$DIR" <<'PYEOF'
import json, sys
d = sys.argv[1]
idp = json.load(open(f"{d}/idp.json"))
sts = json.load(open(f"{d}/sts.json"))
print(f"IDP_ECP_URL={idp['ecp_url']}")
print(f"STS_URL={sts['url']}")
PYEOF
