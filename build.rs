//! Link-time settings for the aws-login binary.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    // Packed relative relocations (DT_RELR): the dynamic loader applies the binary's ~28,000
    // pointer fix-ups from a compact bitmap instead of 24-byte entries, which every
    // credential_process call pays at start-up. Needs glibc 2.36 and binutils 2.38 or newer.
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
