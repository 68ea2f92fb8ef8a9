//! `cargo xtask fuzz`: the fuzz targets of fuzz/ for a bounded time each, with cargo-fuzz
//! installed into target/tools on first use. Runs on the stable toolchain: cargo-fuzz's
//! instrumentation flags are unstable ones, allowed by `RUSTC_BOOTSTRAP=1`, and no sanitizer
//! is needed for safe Rust (a panic or a stack overflow is the crash being looked for).

use std::process::Command;

use crate::{cargo, root, run};

/// cargo-fuzz, pinned so that CI runs what was tried here.
const CARGO_FUZZ_VERSION: &str = "0.13.2";

/// Every fuzz target of fuzz/Cargo.toml.
pub const TARGETS: &[&str] = &["spec_bytes", "spec_shapes", "server_requests"];

/// `cargo fuzz run <target>` as every run here makes it (stable toolchain, no sanitizer,
/// release), with cargo-fuzz installed into target/tools first if it is not there.
fn cargo_fuzz_run(target: &str) -> Result<Command, String> {
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
    let mut command = Command::new(&cargo_fuzz);
    command
        .current_dir(root.join("fuzz"))
        .env("RUSTC_BOOTSTRAP", "1")
        .args(["run", "--sanitizer", "none", "--release", target]);
    Ok(command)
}

pub fn fuzz(targets: &[String], seconds: u64) -> Result<(), String> {
    let root = root();
    let fuzz_dir = root.join("fuzz");
    for target in targets {
        if !TARGETS.contains(&target.as_str()) {
            return Err(format!("no fuzz target `{target}` (targets: {TARGETS:?})"));
        }
        let corpus = root.join("target/fuzz-corpus").join(target);
        std::fs::create_dir_all(&corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
        let artifacts = fuzz_dir.join("artifacts").join(target);
        std::fs::create_dir_all(&artifacts).map_err(|e| format!("{}: {e}", artifacts.display()))?;
        let mut command = cargo_fuzz_run(target)?;
        command
            .env("APIGEN_FUZZ_LAST", artifacts.join("last-spec"))
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

/// The compile oracle the fuzz targets lack (they only check that emitted tokens parse):
/// takes up to `count` specs of the `spec_shapes` corpus (spread evenly over its sorted
/// file names), generates a crate from each that generates, and runs clippy with warnings
/// denied over all of them at once, in one workspace under target/fuzz-compile.
pub fn compile_corpus(count: usize) -> Result<(), String> {
    let root = root();
    let corpus = root.join("target/fuzz-corpus/spec_shapes");
    let mut inputs: Vec<_> = std::fs::read_dir(&corpus)
        .map_err(|e| {
            format!(
                "{}: {e} (run `cargo xtask fuzz spec_shapes` first)",
                corpus.display()
            )
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    inputs.sort();
    let step = (inputs.len() / count.max(1)).max(1);
    let picked: Vec<_> = inputs.iter().step_by(step).take(count).collect();
    let work = root.join("target/fuzz-compile");
    let _ = std::fs::remove_dir_all(&work);
    let specs = work.join("specs");
    std::fs::create_dir_all(&specs).map_err(|e| e.to_string())?;
    // The fuzz target writes each spec it runs into APIGEN_FUZZ_EXPORT.
    let mut command = cargo_fuzz_run("spec_shapes")?;
    command
        .env("APIGEN_FUZZ_EXPORT", &specs)
        .args(&picked)
        .args(["--", "-runs=0"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    run("export corpus specs", &mut command)?;
    let mut spec_files: Vec<_> = std::fs::read_dir(&specs)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    spec_files.sort();
    let mut members = Vec::new();
    let mut refused = 0;
    for (index, spec) in spec_files.iter().enumerate() {
        let name = format!("fz{index}");
        let options = apigen::CrateOptions {
            name: name.clone(),
            runtime_path: root.join("runtime").display().to_string(),
            // Members of the one workspace below.
            standalone: false,
        };
        let Ok(generated) = apigen::generate(spec, &options) else {
            refused += 1;
            continue;
        };
        apigen::write::sync(&work.join(&name), &generated.files, false)
            .map_err(|e| e.to_string())?;
        members.push(name);
    }
    if members.is_empty() {
        crate::step(format_args!(
            "none of {} corpus specs generates a crate",
            spec_files.len()
        ));
        return Ok(());
    }
    let manifest = format!(
        "[workspace]\nresolver = \"2\"\nmembers = [{}]\n",
        members
            .iter()
            .map(|m| format!("\"{m}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    std::fs::write(work.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    // The project's lock file, so that nothing new is resolved.
    std::fs::copy(root.join("Cargo.lock"), work.join("Cargo.lock")).map_err(|e| e.to_string())?;
    crate::step(format_args!(
        "{} specs from the corpus: {} generate, {refused} refused with errors",
        spec_files.len(),
        members.len()
    ));
    run(
        &format!("clippy over {} fuzz-generated crates", members.len()),
        cargo()
            .current_dir(&work)
            .args([
                "clippy",
                "--workspace",
                "--keep-going",
                "--quiet",
                "--message-format",
                "short",
                "--",
                "-D",
                "warnings",
            ])
            .env("CARGO_TARGET_DIR", root.join("target")),
    )
    .map_err(|e| {
        format!(
            "{e}\nthe crates and the specs they come from are in {}; add a failing spec to \
             generator/tests/fuzz_regressions/ with the fix",
            work.display()
        )
    })
}
