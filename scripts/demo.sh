#!/usr/bin/env bash
# The main job, end to end, on this machine: installs the local test IdP (pysaml2, signing real
# assertions) and STS (moto behind a front that checks signatures), builds aws-login, logs in
# through SAML ECP, and lets the real AWS CLI use the credentials through credential_process.
# Nothing outside 127.0.0.1 is contacted; the demo's HOME is a temporary directory.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

command -v cargo >/dev/null || { echo "demo: Rust is needed (cargo not found): see https://rustup.rs" >&2; exit 1; }
tests/stack/install.sh
echo "Building aws-login…"
cargo build --locked --quiet
BIN="$REPO/target/debug/aws-login"

STATE="$(mktemp -d)"
DEMO_HOME="$(mktemp -d)"
trap 'tests/stack/stop.sh "$STATE" >/dev/null 2>&1 || true; rm -rf "$DEMO_HOME"' EXIT
eval "$(tests/stack/start.sh "$STATE")"   # sets IDP_ECP_URL and STS_URL

mkdir -p "$DEMO_HOME/.aws-login" "$DEMO_HOME/.aws"
cat >"$DEMO_HOME/.aws-login/config" <<CFG
[demo]
ecp_endpoint_url = $IDP_ECP_URL
username = alice
password = alice-pw-Q7

[demo-duo]
ecp_endpoint_url = $IDP_ECP_URL
username = bob
password = bob-pw-K2
factor = push
role_arn = arn:aws:iam::444455556666:role/team/Admin
CFG
cat >"$DEMO_HOME/.aws/config" <<CFG
[profile demo]
region = us-east-1
credential_process = $BIN --profile demo

[profile demo-duo]
region = us-east-1
credential_process = $BIN --profile demo-duo
CFG

export HOME="$DEMO_HOME" AWS_ENDPOINT_URL_STS="$STS_URL" AWS_EC2_METADATA_DISABLED=true
export PATH="$REPO/.stack/venv/bin:$PATH"
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN

run() { printf '\n$ %s\n' "$*"; "$@"; }

echo
echo "IdP: $IDP_ECP_URL    STS: $STS_URL    HOME: $DEMO_HOME"
run "$BIN" login --profile demo
run aws sts get-caller-identity --profile demo
run aws sts get-caller-identity --profile demo-duo    # logs in through credential_process, Duo push approved by the test IdP
run "$BIN" --profile demo

idp=$(wc -l <"$STATE/idp.log.jsonl")
sts=$(grep -c '"AssumeRoleWithSAML"' "$STATE/sts.log.jsonl" || true)
echo
echo "The IdP handled $idp ECP logins and STS issued $sts sets of credentials for 4 commands:"
echo "the rest were served from the cache in $DEMO_HOME/.aws-login/cache."
