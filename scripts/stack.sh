#!/usr/bin/env bash
# The local test IdP and STS, for trying aws-login by hand (README: "Trying it by hand").
#
#   scripts/stack.sh start   install what the servers need (tests/stack/install.sh --servers) and
#                            build aws-login, if not done yet; start the IdP and STS in the
#                            background on 127.0.0.1; write profiles for the test users into a
#                            fresh home of their own; print the lines below and what to try
#   scripts/stack.sh env     the export lines, for: eval "$(scripts/stack.sh env)"
#   scripts/stack.sh stop    stop the servers (their logs stay)
#
# Everything lives in target/stack (AWS_LOGIN_STACK_DIR to move it): the servers' state and logs,
# and the home that aws-login (AWSCLI_LOGIN_ROOT) and the AWS CLI (AWS_CONFIG_FILE,
# AWS_SHARED_CREDENTIALS_FILE) are pointed at, so your own ~/.aws and ~/.aws-login are untouched.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${AWS_LOGIN_STACK_DIR:-$REPO/target/stack}"
SERVERS="$DIR/servers"
HOME_DIR="$DIR/home"
BIN_DIR="$DIR/bin"
PY="$REPO/.stack/venv/bin/python"

usage() { echo "usage: scripts/stack.sh start|env|stop" >&2; exit 2; }

running() {
  local f pid
  for f in idp sts; do
    [[ -f "$SERVERS/$f.json" ]] || return 1
    pid="$(sed -n 's/.*"pid": *\([0-9][0-9]*\).*/\1/p' "$SERVERS/$f.json")"
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  done
}

# One field of a server's ready file.
field() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$SERVERS/$1.json" "$2"; }

print_env() {
  local idp sts
  idp="$(field idp base_url)" sts="$(field sts url)"
  printf 'export IDP_ECP_URL=%q\n' "$(field idp ecp_url)"
  printf 'export IDP_CONTROL_URL=%q\n' "$idp/_control"
  printf 'export AWS_ENDPOINT_URL_STS=%q\n' "$sts"
  printf 'export STS_CONTROL_URL=%q\n' "$sts/_control"
  printf 'export AWSCLI_LOGIN_ROOT=%q\n' "$HOME_DIR"
  printf 'export AWS_CONFIG_FILE=%q\n' "$HOME_DIR/.aws/config"
  printf 'export AWS_SHARED_CREDENTIALS_FILE=%q\n' "$HOME_DIR/.aws/credentials"
  printf 'export AWS_EC2_METADATA_DISABLED=true\n'
  printf 'export PATH=%q:"$PATH"\n' "$BIN_DIR"
  printf 'unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_ENDPOINT_URL\n'
}

start() {
  cd "$REPO"
  if running; then
    echo "The test IdP and STS are already running (scripts/stack.sh stop stops them)."
  else
    tests/stack/install.sh --servers
    echo "building aws-login (cargo build --locked) …"
    if [[ -t 2 ]]; then cargo build --locked; else cargo build --locked --quiet; fi
    local target
    target="$(realpath -m "${CARGO_TARGET_DIR:-target}")"

    # A fresh start: the credentials cached in an old home were issued by the old STS.
    tests/stack/stop.sh "$SERVERS" >/dev/null 2>&1 || true # one of the two may have been left
    rm -rf "$DIR"
    mkdir -p "$BIN_DIR" "$HOME_DIR/.aws-login" "$HOME_DIR/.aws"
    # Only these two on PATH: the venv's bin also has awscli-login's `aws-login` and a python.
    ln -s "$target/debug/aws-login" "$BIN_DIR/aws-login"
    ln -s "$REPO/.stack/venv/bin/aws" "$BIN_DIR/aws"
    tests/stack/start.sh "$SERVERS" >/dev/null

    local ecp
    ecp="$(field idp ecp_url)"
    cat >"$HOME_DIR/.aws-login/config" <<CFG
# alice: password here, no Duo, one role
[alice]
ecp_endpoint_url = $ecp
username = alice
password = alice-pw-Q7
factor = off

# bob: password asked (bob-pw-K2), a Duo push, four roles to pick from
[bob]
ecp_endpoint_url = $ecp
username = bob
factor = push

# carol: password asked (carol-pw-M5), a Duo passcode asked (654321)
[carol]
ecp_endpoint_url = $ecp
username = carol
factor = passcode
CFG
    chmod 600 "$HOME_DIR/.aws-login/config"
    : >"$HOME_DIR/.aws/credentials"
    {
      for p in alice bob carol; do
        printf '[profile %s]\nregion = us-east-1\ncredential_process = aws-login --profile %s\n\n' "$p" "$p"
      done
    } >"$HOME_DIR/.aws/config"
    echo "The test IdP and STS are running in the background, on 127.0.0.1."
  fi
  cat <<EOF

Profiles alice, bob and carol are in $HOME_DIR/.aws-login/config
(and $HOME_DIR/.aws/config). Set these in each shell you try it from —
eval "\$(scripts/stack.sh env)" does:

$(print_env)

Then, for example:
  aws-login login -p alice
  aws sts get-caller-identity --profile alice
  aws sts get-caller-identity --profile bob      # asks bob's password, then a Duo push
  curl -s "\$IDP_CONTROL_URL" -d '{"duo": "deny", "expire_sessions": true}'
  aws-login login -p bob --force-refresh        # asks again, and the push is denied
  scripts/stack.sh stop
README.md, "Trying it by hand", has the users and the rest.
EOF
}

case "${1:-}" in
  start) [[ $# -eq 1 ]] || usage; start ;;
  env)
    [[ $# -eq 1 ]] || usage
    running || { echo "stack.sh: the test IdP and STS are not running: scripts/stack.sh start" >&2; exit 1; }
    print_env
    ;;
  stop)
    [[ $# -eq 1 ]] || usage
    if running; then
      "$REPO/tests/stack/stop.sh" "$SERVERS"
      echo "Stopped. Their request logs: $SERVERS/idp.log.jsonl, $SERVERS/sts.log.jsonl"
    else
      "$REPO/tests/stack/stop.sh" "$SERVERS" 2>/dev/null || true # one that is left, if any
      echo "The test IdP and STS were not running."
    fi
    ;;
  *) usage ;;
esac
