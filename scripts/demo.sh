#!/usr/bin/env bash
# The main job, end to end, on this machine: installs the local test IdP (pysaml2, signing real
# assertions) and STS (moto behind a front that checks signatures), builds aws-login, logs in
# through SAML ECP, and lets the real AWS CLI use the credentials through credential_process.
# Nothing outside 127.0.0.1 is contacted; the demo's HOME is a temporary directory, deleted at
# the end with the servers stopped. One numbered line per phase, each with how long it took.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

command -v cargo >/dev/null || { echo "demo: Rust is needed (cargo not found): see https://rustup.rs" >&2; exit 1; }
command -v python3 >/dev/null || { echo "demo: Python 3 is needed (python3 not found)" >&2; exit 1; }

# Wall-clock time since $1 (an $EPOCHREALTIME), in words: "0.4 s", "2 min 31 s".
took() {
  local ms=$(( (${EPOCHREALTIME/./} - ${1/./}) / 1000 ))
  if ((ms < 60000)); then
    printf '%d.%d s' $((ms / 1000)) $((ms % 1000 / 100))
  else
    printf '%d min %d s' $((ms / 60000)) $((ms % 60000 / 1000))
  fi
}
STEPS=5
phase() { PHASE_NO=$1 PHASE_START=$EPOCHREALTIME; shift; printf '\n[%d/%d] %s\n' "$PHASE_NO" "$STEPS" "$*"; }
phase_done() { printf '[%d/%d] done in %s\n' "$PHASE_NO" "$STEPS" "$(took "$PHASE_START")"; }
# Indent what a phase's tools say, so the numbered lines stand out.
indent() { sed -u 's/^/      /'; }
# cargo's own output when stderr is a terminal (its progress bar and a line per crate); otherwise
# a line every 30 s saying how far it is, plus anything that is not a routine status line.
cargo_progress() {
  local line n=0 crate="" last=$SECONDS
  while IFS= read -r line; do
    case "$line" in
      *" Compiling "*)
        n=$((n + 1)) crate="${line#*Compiling }" crate="${crate%% *}"
        if ((SECONDS - last >= 30)); then
          printf '      … %d crates compiled so far (now %s)\n' "$n" "$crate"
          last=$SECONDS
        fi
        ;;
      *" Downloading "* | *" Downloaded "* | *" Locking "* | *" Updating "* | *" Adding "*) ;;
      *) printf '      %s\n' "${line#"${line%%[![:space:]]*}"}" ;;
    esac
  done
  ((n == 0)) || printf '      %d crates compiled\n' "$n"
}

START=$EPOCHREALTIME
echo "aws-login demo: a SAML ECP login with Duo, STS AssumeRoleWithSAML and the AWS"
echo "CLI using the credentials, against a test IdP and STS on 127.0.0.1. Your own"
echo "files are not touched."

phase 1 "Installing the test IdP and STS: Debian packages xmlsec1, openssl and
      python3-venv, and pysaml2, moto and the AWS CLI in .stack/venv
      (the first time: a minute or two; after that, a second)"
tests/stack/install.sh --servers | indent
phase_done

TARGET="$(realpath -m "${CARGO_TARGET_DIR:-target}")" # cargo takes a relative one from here
BIN="$TARGET/debug/aws-login"
if [[ -x "$BIN" ]]; then
  phase 2 "Building aws-login with cargo (only what changed since the last build)"
else
  phase 2 "Building aws-login with cargo (the first time: a few minutes, about
      three on an idle two-core machine)"
fi
if [[ -t 2 ]]; then
  cargo build --locked
else
  cargo build --locked 2>&1 | cargo_progress
fi
phase_done

phase 3 "Starting the test IdP and STS in the background, on 127.0.0.1"
STATE="$(mktemp -d "${TMPDIR:-/tmp}/aws-login-demo.XXXXXX")"
DEMO_HOME="$STATE/home"
cleanup() { tests/stack/stop.sh "$STATE/stack" >/dev/null 2>&1 || true; rm -rf "$STATE"; }
trap cleanup EXIT
eval "$(tests/stack/start.sh "$STATE/stack")" # sets IDP_ECP_URL and STS_URL
echo "      IdP (pysaml2): $IDP_ECP_URL"
echo "      STS (moto, behind a front that checks signatures): $STS_URL"
phase_done

mkdir -p "$DEMO_HOME/.aws-login" "$DEMO_HOME/.aws"
cat >"$DEMO_HOME/.aws-login/config" <<CFG
[demo]
ecp_endpoint_url = $IDP_ECP_URL
username = alice
password = alice-pw-Q7
factor = off

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
# Ours first: the venv also has awscli-login's `aws-login` script (the migration tests use it).
export PATH="$TARGET/debug:$REPO/.stack/venv/bin:$PATH"
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CONFIG_FILE \
  AWS_SHARED_CREDENTIALS_FILE AWSCLI_LOGIN_ROOT AWS_ENDPOINT_URL AWS_CA_BUNDLE

run() { printf '$ %s\n' "$*"; "$@"; }

phase 4 "Logging in as alice: her password (from the profile) to the IdP over
      SAML ECP, the signed assertion to STS AssumeRoleWithSAML; the
      credentials are cached in the demo's HOME"
run aws-login login --profile demo
phase_done

phase 5 "The AWS CLI using the credentials, through credential_process"
echo "# alice's credentials, from aws-login's cache:"
run aws sts get-caller-identity --profile demo
echo "# bob has none yet: credential_process logs him in, with his password and a"
echo "# Duo push (the test IdP approves it), for the role his profile names:"
run aws sts get-caller-identity --profile demo-duo
echo "# what the AWS CLI reads from credential_process (made-up keys):"
run aws-login --profile demo
phase_done

idp=$(wc -l <"$STATE/stack/idp.log.jsonl")
sts=$(grep -c '"AssumeRoleWithSAML"' "$STATE/stack/sts.log.jsonl" || true)
cleanup
echo
echo "The IdP handled $idp logins and STS issued $sts sets of credentials for these 4"
echo "commands; the rest came from aws-login's cache. All done in $(took "$START"); the"
echo "servers are stopped and the demo's HOME is deleted."
cat <<NEXT

What next:
  scripts/stack.sh start     the test IdP and STS again, in the background,
                             with profiles for the test users; then:
  eval "\$(scripts/stack.sh env)"     (in each shell; your own files stay untouched)
  aws-login login -p bob     asks bob's password (bob-pw-K2), sends a Duo push
                             and lets you pick a role
  scripts/stack.sh stop      when you are done
  README.md, "Trying it by hand": the test users, making Duo deny or time out
  and STS refuse.

  $BIN --help
                             its commands; aws-login COMMAND --help: flags, examples
  cargo install --locked --path .
                             puts aws-login on your PATH; then, for your own IdP:
  aws-login configure        asks for the IdP URL, username, Duo factor and
                             role, and sets credential_process in ~/.aws/config
NEXT
