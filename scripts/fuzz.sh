#!/usr/bin/env bash
# Fuzzes aws-login's parsers of untrusted input. For people, not CI: each target runs for minutes.
#
#   scripts/fuzz.sh [target|all] [seconds]      default: all targets, 600 s each, one at a time
#
# Targets (fuzz/fuzz_targets/*.rs; each checks properties, not only "no panic"):
#   xml_tree      src/xml.rs: DOCTYPEs always refused; every element cut out alone reparses the same
#   ecp_response  src/source/ecp/response.rs: the IdP's SOAP/SAML answer; roles are ARNs, no dups
#   saml_role     src/saml.rs Role::parse: role + provider ARNs, either order, whitespace-proof
#   config        src/config.rs load_from_str: a profile from any ~/.aws-login/config text
#   ini_edit      src/ini_edit.rs: edits keep every other line byte for byte and read back as held
#   files         src/cache.rs and src/cookies.rs: cache and cookie jars (ours, awscli-login's LWP)
#
# Seeds: fuzz/corpus/<target>/ (committed, small: the fixtures' real IdP answers and hand-made
# hostile cases). What the fuzzer learns goes to fuzz/work/corpus/<target>/, logs to
# fuzz/work/<target>.log, crashes to fuzz/artifacts/<target>/ (all git-ignored). Replay a crash:
#   RUSTC_BOOTSTRAP=1 cargo fuzz run -s none <target> fuzz/artifacts/<target>/crash-…
# then add a unit test for it in the parser's module and copy the input into fuzz/corpus/<target>/.
#
# Why cargo-fuzz (libFuzzer) on the stable toolchain: it is the standard Rust fuzzer (coverage-
# guided, corpus and crash files in the usual layout, what OSS-Fuzz runs). It wants nightly only
# for the -Z flags that turn on coverage instrumentation; the stable compiler accepts them under
# RUSTC_BOOTSTRAP=1, and libfuzzer-sys builds libFuzzer itself from C++ source with the system's
# C++ compiler, so nothing has to be downloaded beyond crates. The sanitizer is off by default
# (FUZZ_SANITIZER=address turns AddressSanitizer on): the code under test is safe Rust, where
# ASan finds little that Rust's own checks miss, and without it the runs are faster.
# Debug assertions and overflow checks stay on (cargo-fuzz's default). cargo-afl (builds AFL++ at
# install) and honggfuzz (needs extra system libraries) were not tried: more to install, nothing
# these targets need.
#
# Environment: FUZZ_SANITIZER (none), FUZZ_ARGS (extra libFuzzer flags, e.g. "-max_len=20000").
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=(xml_tree ecp_response saml_role config ini_edit files)
target=${1:-all}
seconds=${2:-600}
[[ $seconds =~ ^[0-9]+$ ]] || { echo "usage: scripts/fuzz.sh [target|all] [seconds]" >&2; exit 2; }
if [[ $target == all ]]; then
    run=("${TARGETS[@]}")
elif [[ " ${TARGETS[*]} " == *" $target "* ]]; then
    run=("$target")
else
    echo "unknown target '$target'; one of: ${TARGETS[*]} all" >&2
    exit 2
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz (once)…" >&2
    cargo install --locked cargo-fuzz
fi
if ! command -v c++ >/dev/null 2>&1 && ! command -v g++ >/dev/null 2>&1 && ! command -v clang++ >/dev/null 2>&1; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && apt-get install -y -qq g++
    else
        echo "a C++ compiler is needed to build libFuzzer: install g++ or clang++" >&2
        exit 1
    fi
fi

export RUSTC_BOOTSTRAP=1
sanitizer=${FUZZ_SANITIZER:-none}
mkdir -p fuzz/work
# The `files` target's scratch home, in memory where there is /dev/shm.
FUZZ_SCRATCH=$(mktemp -d /dev/shm/aws-login-fuzz.XXXXXX 2>/dev/null || mktemp -d)
export FUZZ_SCRATCH
trap 'rm -rf "$FUZZ_SCRATCH"' EXIT

failed=()
for t in "${run[@]}"; do
    mkdir -p "fuzz/work/corpus/$t"
    echo "== $t: ${seconds}s (log: fuzz/work/$t.log)" >&2
    # The first corpus directory receives new inputs; the committed seeds are only read.
    # shellcheck disable=SC2086
    if nice -n 10 cargo fuzz run -s "$sanitizer" "$t" "fuzz/work/corpus/$t" "fuzz/corpus/$t" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 ${FUZZ_ARGS:-} \
        >"fuzz/work/$t.log" 2>&1; then
        status=ok
    else
        status="FAILED (see fuzz/work/$t.log and fuzz/artifacts/$t/)"
        failed+=("$t")
    fi
    # libFuzzer's last status line (#execs, cov, ft, corp, exec/s) and its final stats.
    last=$(grep -E '^#[0-9]+' "fuzz/work/$t.log" | tail -n 1 || true)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "fuzz/work/$t.log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "fuzz/work/$t.log" | tail -n 1)
    echo "   $status; execs ${execs:-?}, ${rate:-?} exec/s; last: ${last:-none}" >&2
done

if ((${#failed[@]})); then
    echo "findings in: ${failed[*]}" >&2
    exit 1
fi
