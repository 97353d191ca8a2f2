//! Links wisp's own binary as a non-PIE executable on Linux: with PIE, every
//! pointer in the binary's tables needs a run-time relocation, which costs
//! about 300 KB of file size against wisp's 4 MiB budget.

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
