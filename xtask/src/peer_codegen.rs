//! Part of `cargo xtask bench`: codegen of the official spec (as JSON) by this generator and
//! by openapi-generator's `rust` generator, side by side in one run, as whole processes: a
//! warm-up, then `runs` timed runs of each into a fresh directory; wall time, CPU (user +
//! system, the process and its children) and peak memory per run, medians and ratios.
//!
//! The peer comes from PyPI (`openapi-generator-cli`, which bundles the jar) into
//! `target/peer/venv` and needs a Java runtime; without one (or without the network) the
//! peer is skipped with a line saying why, and only our own figures are reported.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::{json, Value};

use crate::bench::{median, ratio};

/// The peer's release line, as the issue compares against it.
const PEER_REQUIREMENT: &str = "openapi-generator-cli>=7,<8";

/// One whole process: wall seconds, CPU seconds (user + system, with waited-for children)
/// and peak resident memory in MB.
struct Run {
    wall: f64,
    cpu: f64,
    peak_mb: f64,
}

/// Figures of both generators on the official spec (`peer` is a reason string when skipped).
pub fn figures(root: &Path, xtask: &Path, runs: usize) -> Result<Value, String> {
    let dir = root.join("target/peer");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let spec = json_spec(root, &dir)?;
    let runs = runs.max(1);
    let scratch = scratch_dir(&dir);
    let ours = |out: &Path| {
        let mut command = Command::new(xtask);
        command
            .args(["codegen", "--spec"])
            .arg(&spec)
            .arg("--out")
            .arg(out);
        command
    };
    let theirs = peer_command(root, &dir)
        .map_err(|reason| {
            crate::step(format_args!(
                "skipping the peer (openapi-generator): {reason}"
            ))
        })
        .ok()
        .map(|cli| {
            let spec = &spec;
            move |out: &Path| {
                let mut command = Command::new(&cli);
                command
                    .args(["generate", "-g", "rust", "--skip-validate-spec", "-i"])
                    .arg(spec)
                    .arg("-o")
                    .arg(out);
                command
            }
        });
    // Leftovers of an interrupted run go first; nothing is deleted between runs.
    let _ = std::fs::remove_dir_all(&scratch);
    let measured = measure(
        runs,
        &scratch,
        &ours,
        theirs.as_ref().map(|c| c as &dyn Fn(&Path) -> Command),
    );
    let _ = std::fs::remove_dir_all(&scratch);
    let (ours, peer) = measured?;
    let summary = |runs: &[Run]| {
        json!({
            "wall_s": median(runs.iter().map(|r| r.wall)),
            "cpu_s": median(runs.iter().map(|r| r.cpu)),
            "peak_mb": median(runs.iter().map(|r| r.peak_mb)),
            "runs": runs.iter().map(|r| json!({"wall_s": r.wall, "cpu_s": r.cpu, "peak_mb": r.peak_mb})).collect::<Vec<_>>(),
        })
    };
    let mut out = json!({
        "spec": "official 2023-09-12 as JSON",
        "output_to": scratch.display().to_string(),
        "cores": std::thread::available_parallelism().map_or(1, usize::from),
        "apigen": summary(&ours),
    });
    if let Some(peer) = &peer {
        let (o, p) = (summary(&ours), summary(peer));
        let peer_over_ours = |key: &str| {
            let (o, p) = (
                o[key].as_f64().unwrap_or(f64::NAN),
                p[key].as_f64().unwrap_or(f64::NAN),
            );
            ratio(p, o)
        };
        out["ratio"] = json!({
            "wall": peer_over_ours("wall_s"),
            "cpu": peer_over_ours("cpu_s"),
            "peak_memory": peer_over_ours("peak_mb"),
        });
        out["openapi_generator"] = p;
        out["openapi_generator_version"] = json!(peer_version(root));
    } else {
        out["openapi_generator"] = json!("skipped");
    }
    Ok(out)
}

/// Where the runs write: a directory of this process on a RAM filesystem when the machine
/// has one (`/dev/shm`), so that the figures are the generators' and not the disk's;
/// `target/peer/runs` otherwise. (On this project's machines the disk is ext4 without a
/// journal, where creating files costs far more for minutes after a tree was deleted: each
/// new inode skips every recently deleted one. Both generators write the same way.)
fn scratch_dir(peer_dir: &Path) -> PathBuf {
    let shm = Path::new("/dev/shm").join(format!("apigen-peer-bench-{}", std::process::id()));
    match std::fs::create_dir_all(&shm) {
        Ok(()) => shm,
        Err(_) => peer_dir.join("runs"),
    }
}

/// The official spec as JSON (both generators read JSON faster than YAML; the issue's
/// figures are on JSON), written once.
fn json_spec(root: &Path, dir: &Path) -> Result<PathBuf, String> {
    let yaml = root.join("../shared/specs/stripe/spec3-2023-09-12.yaml");
    let json_path = dir.join("spec3-2023-09-12.json");
    if !json_path.exists() {
        let text =
            std::fs::read_to_string(&yaml).map_err(|e| format!("{}: {e}", yaml.display()))?;
        let value: Value =
            serde_yaml::from_str(&text).map_err(|e| format!("{}: {e}", yaml.display()))?;
        let bytes = serde_json::to_vec(&value).map_err(|e| e.to_string())?;
        std::fs::write(&json_path, bytes).map_err(|e| format!("{}: {e}", json_path.display()))?;
    }
    Ok(json_path)
}

/// The peer's command line, installed into `target/peer/venv` on first use.
fn peer_command(root: &Path, dir: &Path) -> Result<PathBuf, String> {
    let java = Command::new("java").arg("-version").output();
    if !java.is_ok_and(|o| o.status.success()) {
        return Err("no Java runtime (`java -version` failed); install one (Debian: `apt-get install default-jre-headless`) to compare".to_owned());
    }
    let venv = dir.join("venv");
    let cli = venv.join("bin/openapi-generator-cli");
    if !cli.exists() {
        let status = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .current_dir(root)
            .status()
            .map_err(|e| format!("python3 -m venv: {e}"))?;
        if !status.success() {
            return Err(format!("python3 -m venv failed ({status})"));
        }
        crate::step(format_args!(
            "pip install {PEER_REQUIREMENT} (into {})",
            venv.display()
        ));
        let status = Command::new(venv.join("bin/python"))
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                PEER_REQUIREMENT,
            ])
            .status()
            .map_err(|e| format!("pip: {e}"))?;
        if !status.success() || !cli.exists() {
            return Err(format!("pip install {PEER_REQUIREMENT} failed ({status})"));
        }
    }
    Ok(cli)
}

fn peer_version(root: &Path) -> Option<String> {
    let output = Command::new(root.join("target/peer/venv/bin/openapi-generator-cli"))
        .arg("version")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines().last().map(|l| l.trim().to_owned())
}

/// A warm-up, then `runs` timed runs of each generator, alternating (the machine's drift
/// falls on both), each run into a directory of its own that no earlier run used; nothing
/// is deleted until all are done (see [`scratch_dir`]). A failing peer is skipped with a
/// line saying why.
fn measure(
    runs: usize,
    scratch: &Path,
    ours: &dyn Fn(&Path) -> Command,
    mut theirs: Option<&dyn Fn(&Path) -> Command>,
) -> Result<(Vec<Run>, Option<Vec<Run>>), String> {
    crate::step(format_args!("codegen side by side: apigen and openapi-generator rust, alternating (a warm-up and {runs} runs each)"));
    let (mut mine, mut peers) = (Vec::new(), Vec::new());
    for index in 0..=runs {
        let run = format!("run-{index}");
        let figures = run_once(&mut ours(&scratch.join("out-apigen").join(&run)))?;
        if index > 0 {
            mine.push(figures);
        }
        if let Some(command) = theirs {
            match run_once(&mut command(
                &scratch.join("out-openapi-generator").join(&run),
            )) {
                Ok(figures) if index > 0 => peers.push(figures),
                Ok(_) => {}
                Err(error) => {
                    crate::step(format_args!("skipping the peer: {error}"));
                    theirs = None;
                }
            }
        }
    }
    Ok((mine, theirs.map(|_| peers)))
}

/// Runs `command` to its end, reaped with `wait4` so that its own resource usage (and that
/// of the children it waited for: the peer's JVM under its Python launcher) is read. The
/// files of the run before are flushed first, so that their write-back is not timed here.
fn run_once(command: &mut Command) -> Result<Run, String> {
    // SAFETY: `sync` takes no arguments and cannot fail.
    unsafe { libc::sync() };
    let started = Instant::now();
    let child = command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {command:?}: {e}"))?;
    let pid = child.id() as libc::pid_t;
    let mut stderr = child.stderr;
    // Read stderr on a thread so that a chatty child never blocks on a full pipe.
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(pipe) = stderr.as_mut() {
            let _ = std::io::Read::read_to_string(pipe, &mut text);
        }
        text
    });
    let mut status = 0;
    // SAFETY: an all-zero `rusage` is a valid value of that plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our child, not yet reaped (std's `Child` was not waited on); the
    // pointers are to live locals.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed().as_secs_f64();
    let stderr = reader.join().unwrap_or_default();
    if reaped != pid {
        return Err(format!(
            "wait4 on {command:?}: {}",
            std::io::Error::last_os_error()
        ));
    }
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        return Err(format!(
            "{command:?} failed (status {status}): {}",
            stderr.trim()
        ));
    }
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let round = |v: f64| (v * 1000.0).round() / 1000.0;
    Ok(Run {
        wall: round(wall),
        cpu: round(seconds(usage.ru_utime) + seconds(usage.ru_stime)),
        // Linux reports `ru_maxrss` in KB.
        peak_mb: (usage.ru_maxrss as f64 / 1024.0 * 10.0).round() / 10.0,
    })
}

/// The Markdown table of `figures`.
pub fn table(figures: &Value) -> String {
    let mut out = format!(
        "\n## Codegen side by side ({}, {} cores, whole processes, median of runs)\n\n| | apigen | openapi-generator `rust` | ratio |\n| --- | ---: | ---: | ---: |\n",
        figures["spec"].as_str().unwrap_or_default(),
        figures["cores"]
    );
    let peer = &figures["openapi_generator"];
    for (label, key, ratio, unit) in [
        ("wall", "wall_s", "wall", "s"),
        ("CPU", "cpu_s", "cpu", "s"),
        ("peak memory", "peak_mb", "peak_memory", "MB"),
    ] {
        let theirs = peer
            .get(key)
            .map_or_else(|| "skipped".to_owned(), |v| format!("{v} {unit}"));
        let r = figures["ratio"]
            .get(ratio)
            .map_or_else(String::new, |v| format!("{v}x"));
        out.push_str(&format!(
            "| {label} | {} {unit} | {theirs} | {r} |\n",
            figures["apigen"][key]
        ));
    }
    out
}
