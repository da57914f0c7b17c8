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
}
