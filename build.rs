//! Turns the cargo features into three short cfgs, with one fixed precedence:
//! loom wins over shuttle when both are on, so `--all-features` still builds.
//! `--cfg weftsync_loom` / `--cfg weftsync_shuttle` in RUSTFLAGS (the switch for downstream
//! crates, see docs/model-checking.md) count as the features do.
fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let loom = std::env::var_os("CARGO_FEATURE_LOOM").is_some()
        || std::env::var_os("CARGO_CFG_WEFTSYNC_LOOM").is_some();
    let shuttle = std::env::var_os("CARGO_FEATURE_SHUTTLE").is_some()
        || std::env::var_os("CARGO_CFG_WEFTSYNC_SHUTTLE").is_some();
    if loom {
        println!("cargo::rustc-cfg=weft_loom");
    } else if shuttle {
        println!("cargo::rustc-cfg=weft_shuttle");
    }
    if loom || shuttle {
        println!("cargo::rustc-cfg=weft_checker");
    }
    // The std tests replay the fuzz harnesses in `fuzz/harness/`, part of the nested `fuzz/`
    // crate that `cargo package` leaves out: only where they exist (a checkout, not a packaged
    // copy) is `weft_fuzz_harness` set.
    println!("cargo::rustc-check-cfg=cfg(weft_fuzz_harness)");
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default();
    if std::path::Path::new(&manifest_dir)
        .join("fuzz/harness/mod.rs")
        .is_file()
    {
        println!("cargo::rustc-cfg=weft_fuzz_harness");
    }
}
