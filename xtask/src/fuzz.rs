//! `cargo xtask fuzz`: the fuzz targets of fuzz/ for a bounded time each, with cargo-fuzz
//! installed into target/tools on first use. Runs on the stable toolchain: cargo-fuzz's
//! instrumentation flags are unstable ones, allowed by `RUSTC_BOOTSTRAP=1`, and no sanitizer
//! is needed for safe Rust (a panic or a stack overflow is the crash being looked for).

use std::process::Command;

use crate::{cargo, root, run};

/// cargo-fuzz, pinned so that CI runs what was tried here.
const CARGO_FUZZ_VERSION: &str = "0.13.2";

/// Every fuzz target of fuzz/Cargo.toml.
pub const TARGETS: &[&str] = &["spec_bytes", "spec_shapes"];

pub fn fuzz(targets: &[String], seconds: u64) -> Result<(), String> {
    let root = root();
    let tools = root.join("target/tools");
    let cargo_fuzz = tools.join("bin/cargo-fuzz");
    let installed = Command::new(&cargo_fuzz)
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(CARGO_FUZZ_VERSION));
    if !installed {
        run(
            "install cargo-fuzz",
            cargo()
                .args(["install", "--locked", "--quiet", "cargo-fuzz", "--version"])
                .arg(CARGO_FUZZ_VERSION)
                .arg("--root")
                .arg(&tools),
        )?;
    }
    let fuzz_dir = root.join("fuzz");
    for target in targets {
        if !TARGETS.contains(&target.as_str()) {
            return Err(format!("no fuzz target `{target}` (targets: {TARGETS:?})"));
        }
        let corpus = root.join("target/fuzz-corpus").join(target);
        std::fs::create_dir_all(&corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
        let artifacts = fuzz_dir.join("artifacts").join(target);
        std::fs::create_dir_all(&artifacts).map_err(|e| format!("{}: {e}", artifacts.display()))?;
        let mut command = Command::new(&cargo_fuzz);
        command
            .current_dir(&fuzz_dir)
            .env("RUSTC_BOOTSTRAP", "1")
            .env("APIGEN_FUZZ_LAST", artifacts.join("last-spec"))
            .args(["run", "--sanitizer", "none", "--release", target])
            .arg(&corpus);
        if target == "spec_bytes" {
            // Seeds: every spec the project generates from and the focused test specs.
            command
                .arg(root.join("spec"))
                .arg(root.join("generator/tests/specs"));
        }
        command.args([
            "--",
            &format!("-max_total_time={seconds}"),
            "-timeout=10",
            "-rss_limit_mb=2048",
            "-print_final_stats=1",
        ]);
        if target == "spec_bytes" {
            command.args(["-dict=openapi.dict", "-max_len=65536"]);
        } else {
            // Structured inputs: a few bytes make only an empty spec, so start long.
            command.args(["-max_len=4096", "-len_control=0"]);
        }
        run(&format!("fuzz {target} for {seconds} s"), &mut command).map_err(|e| {
            format!(
                "{e}\nthe crashing input is in {dir} (a stack overflow leaves only \
                 {dir}/last-spec, the spec being generated when it died); add that spec to \
                 generator/tests/fuzz_regressions/",
                dir = artifacts.display()
            )
        })?;
    }
    Ok(())
}
