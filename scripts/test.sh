#!/usr/bin/env bash
# The whole test suite: installs what it needs (apt packages, a Python virtualenv with pysaml2,
# moto, the AWS CLI and boto3), tests the test servers themselves, then runs the Rust unit and
# integration tests against real servers on loopback, then once more at -vvv for the secrets sweep.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

command -v cargo >/dev/null || { echo "test: Rust is needed (cargo not found): see https://rustup.rs" >&2; exit 1; }
tests/stack/install.sh
export AWS_EC2_METADATA_DISABLED=true
.stack/venv/bin/python -m pytest tests/stack_tests -q
cargo test --locked --no-fail-fast
# The secrets sweep (tests/common/sweep.rs): the integration tests again, every aws-login run at
# -vvv, each checked for passwords, passcodes, cookies and AWS secrets where they must not be.
# The kill-point tests drive aws-login through strace, not the sweep's runners: not repeated.
AWS_LOGIN_SWEEP=1 cargo test --locked --no-fail-fast --test '*' -- --skip killed_anywhere
