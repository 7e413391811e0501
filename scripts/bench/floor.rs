//! The floor for the credential_process benchmark: the least a helper can do. It reads one small
//! file (the path in argv[1]), writes it to stdout and exits. No parsing, no clock, no config.
//! Built by scripts/bench.sh with plain `rustc -O`, nothing from Cargo.
use std::io::Write;

fn main() {
    let path = std::env::args_os().nth(1).expect("usage: floor FILE");
    let bytes = std::fs::read(path).expect("cannot read the file");
    std::io::stdout().lock().write_all(&bytes).expect("cannot write to stdout");
}
