//! Link settings for wisp's own binary on Linux, both for its 4 MiB budget:
//! - non-PIE: with PIE every pointer in the binary's tables needs a run-time
//!   relocation (about 300 KB);
//! - no unwind tables: with `panic = "abort"` nothing ever unwinds, yet the
//!   precompiled standard library brings `.eh_frame` (about 450 KB). A short
//!   linker script added to the default one discards it.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let profile = std::env::var("PROFILE").unwrap_or_default();
    if os != "linux" {
        return;
    }
    println!("cargo:rustc-link-arg-bins=-no-pie");
    // Only the release build: test builds keep their unwind tables for backtraces.
    if profile == "release" {
        let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
        let script = out.join("discard-unwind.ld");
        let text = "SECTIONS\n{\n  /DISCARD/ : { *(.eh_frame) *(.eh_frame_hdr) }\n}\nINSERT AFTER .text;\n";
        if std::fs::write(&script, text).is_ok() {
            println!("cargo:rustc-link-arg-bins=-Wl,-T,{}", script.display());
            println!("cargo:rustc-link-arg-bins=-Wl,--no-eh-frame-hdr");
        }
    }
}
