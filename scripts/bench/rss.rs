//! Peak RSS of one command, for scripts/bench/bench.py:  rss OUT_FILE PROGRAM [ARG...]
//! runs PROGRAM, writes its peak RSS in KiB (ru_maxrss of RUSAGE_CHILDREN) to OUT_FILE and exits
//! with its status.
//!
//! Why not os.wait4 in Python directly: Linux carries the *parent's* peak RSS into a child's
//! ru_maxrss (the address space a fork/vfork child execs from is the parent's, and its high-water
//! mark is kept across exec), so every child of a Python process "peaks" at Python's ~15 MiB.
//! Started from this small process instead, a command's figure is max(this launcher's own
//! ~2 MiB, the command's peak); the floor row of the table shows that baseline.
//! Built by scripts/bench.sh with plain `rustc -O`.
use std::process::Command;

#[repr(C)]
struct Rusage {
    utime: [i64; 2],
    stime: [i64; 2],
    maxrss: i64,
    rest: [i64; 13],
}

unsafe extern "C" {
    fn getrusage(who: i32, usage: *mut Rusage) -> i32;
}

const RUSAGE_CHILDREN: i32 = -1;

fn main() {
    let mut args = std::env::args_os().skip(1);
    let (Some(out), Some(program)) = (args.next(), args.next()) else {
        eprintln!("usage: rss OUT_FILE PROGRAM [ARG...]");
        std::process::exit(2);
    };
    let status = Command::new(program).args(args).status().expect("cannot run the program");
    let mut usage: Rusage = unsafe { std::mem::zeroed() };
    if unsafe { getrusage(RUSAGE_CHILDREN, &mut usage) } != 0 {
        panic!("getrusage failed");
    }
    std::fs::write(out, format!("{}\n", usage.maxrss)).expect("cannot write the result");
    std::process::exit(status.code().unwrap_or(128));
}
