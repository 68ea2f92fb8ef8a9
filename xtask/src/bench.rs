//! `cargo xtask bench`: figures, never pass/fail. Codegen per phase (each spec in a fresh
//! process, so peak memory is its own), clean `cargo check` of generated crates, the generated
//! server against a hand-written axum baseline under bounded load, and the client hot paths
//! (criterion).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::{cargo, root, run};

pub struct Options {
    pub json: bool,
    pub compile: bool,
    pub runs: usize,
    pub requests: usize,
}

/// Runs every benchmark and prints the table (or JSON).
pub fn bench(options: &Options) -> Result<(), String> {
    let root = root();
    run(
        "build the release binaries (xtask, apigen-bench)",
        cargo().args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "xtask",
            "-p",
            "apigen-bench",
        ]),
    )?;
    let xtask = root.join("target/release/xtask");
    let mut report = serde_json::Map::new();
    // The server first, on a machine this command has not disturbed yet: right after the
    // peer's JVM (~800 MB) and the codegen runs, the in-process rounds read 0.02-0.05
    // lower than on an idle machine, a disturbance of this command's own making.
    crate::step(format_args!(
        "server under load ({} requests per round)",
        options.requests
    ));
    let output = Command::new(root.join("target/release/apigen-bench"))
        .args([
            "--requests",
            &options.requests.to_string(),
            "--rounds",
            &options.runs.min(5).to_string(),
        ])
        .output()
        .map_err(|e| format!("cannot run apigen-bench: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let mut server: Value = serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())?;
    report.insert("server".into(), server["loopback"].take());
    report.insert("in_process".into(), server["in_process"].take());
    let specs = [
        ("spec/stripe.yaml", root.join("spec/stripe.yaml")),
        (
            "official 2023-09-12",
            root.join("../shared/specs/stripe/spec3-2023-09-12.yaml"),
        ),
    ];
    let mut codegen = Vec::new();
    for (label, spec) in &specs {
        crate::step(format_args!("codegen {label} ({} runs)", options.runs));
        let output = Command::new(&xtask)
            .args(["bench-codegen", "--runs", &options.runs.to_string()])
            .arg(spec)
            .output()
            .map_err(|e| format!("cannot run xtask bench-codegen: {e}"))?;
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).into_owned());
        }
        let mut figures: Value =
            serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())?;
        figures["spec"] = json!(label);
        codegen.push(figures);
    }
    report.insert("codegen".into(), Value::Array(codegen));
    report.insert(
        "codegen_vs_openapi_generator".into(),
        crate::peer_codegen::figures(&root, &xtask, options.runs.min(3))?,
    );
    if options.compile {
        report.insert("compile".into(), compile_figures(&root)?);
        report.insert(
            "compile_vs_async_stripe".into(),
            crate::peer_compile::figures(&root),
        );
    }

    // Criterion reports on stdout, which is the JSON's: its text goes to stderr (the figures
    // are read from criterion's files). The in-process server glue has a criterion bench too
    // (`cargo bench -p apigen-bench --bench server`), but its ratios come from the alternating
    // rounds above: criterion measures one side after the other, and a slow spell of a shared
    // machine moved its ratios by 10 %.
    let criterion_started = std::time::SystemTime::now();
    run(
        "criterion: client hot paths",
        cargo()
            .args([
                "bench",
                "--quiet",
                "-p",
                "apigen-bench",
                "--bench",
                "client",
                "--",
                "--noplot",
            ])
            .stdout(std::process::Stdio::from(std::io::stderr())),
    )?;
    report.insert("client".into(), criterion_figures(&root, criterion_started));
    let goals = goals(&Value::Object(report.clone()));
    report.insert("goals".into(), goals);
    let report = Value::Object(report);
    if options.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
        );
    } else {
        print!("{}", table(&report));
    }
    Ok(())
}

/// `cargo xtask bench-codegen-peer`: only the side-by-side codegen figures.
pub fn codegen_peer(runs: usize, as_json: bool) -> Result<(), String> {
    let root = root();
    run(
        "build the release xtask",
        cargo().args(["build", "--release", "--quiet", "-p", "xtask"]),
    )?;
    let figures = crate::peer_codegen::figures(&root, &root.join("target/release/xtask"), runs)?;
    if as_json {
        println!(
            "{}",
            serde_json::to_string_pretty(&figures).map_err(|e| e.to_string())?
        );
    } else {
        print!("{}", crate::peer_codegen::table(&figures));
    }
    Ok(())
}

/// The hidden child command: generates from `spec` `runs` times in this process and prints
/// JSON figures: per phase median, min and max (ms), files, lines and peak RSS.
pub fn codegen_child(spec: &Path, runs: usize) -> Result<(), String> {
    let runs = runs.max(1);
    let text = std::fs::read(spec).map_err(|e| format!("{}: {e}", spec.display()))?;
    let label = spec.display().to_string();
    let yaml = apigen::load::load_bytes(&label, &text, false).map_err(|e| e.to_string())?;
    let as_json = serde_json::to_vec(&yaml.api).map_err(|e| e.to_string())?;
    let options = apigen::CrateOptions {
        name: "bench".to_owned(),
        runtime_path: "../../runtime".to_owned(),
        standalone: true,
    };
    let out = std::env::temp_dir().join(format!("apigen-bench-{}", std::process::id()));
    let mut phases: Vec<(&str, Vec<Duration>)> =
        ["load YAML", "load JSON", "model", "emit+print", "write"]
            .into_iter()
            .map(|p| (p, Vec::new()))
            .collect();
    let mut files = 0;
    let mut lines = 0;
    for run in 0..runs {
        let start = Instant::now();
        let document = apigen::load::load_bytes(&label, &text, false).map_err(|e| e.to_string())?;
        phases[0].1.push(start.elapsed());
        let start = Instant::now();
        apigen::load::load_bytes(&label, &as_json, true).map_err(|e| e.to_string())?;
        phases[1].1.push(start.elapsed());
        let generated = apigen::generate_from(document, &options, Duration::ZERO, &|_| {})
            .map_err(|e| e.to_string())?;
        for (name, time) in &generated.stats.phases {
            if let Some(slot) = phases.iter_mut().find(|(p, _)| p == name) {
                slot.1.push(*time);
            }
        }
        // A directory no run used, nothing deleted until the end (see `peer_codegen`'s
        // `scratch_dir`: creating files just after deleting some is slow on this disk).
        let start = Instant::now();
        apigen::write::sync(&out.join(run.to_string()), &generated.files, false)
            .map_err(|e| e.to_string())?;
        phases[4].1.push(start.elapsed());
        files = generated.files.len();
        lines = generated.stats.lines;
    }
    let _ = std::fs::remove_dir_all(&out);
    let phase_figures: Vec<Value> = phases
        .iter_mut()
        .map(|(name, times)| {
            times.sort_unstable();
            json!({
                "phase": name,
                "median_ms": ms(times[times.len() / 2]),
                "min_ms": ms(times[0]),
                "max_ms": ms(times[times.len() - 1]),
            })
        })
        .collect();
    let figures = json!({
        "runs": runs,
        "phases": phase_figures,
        "files": files,
        "lines": lines,
        "peak_rss_mb": peak_rss_mb(),
    });
    println!("{figures}");
    Ok(())
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e5).round() / 100.0
}

/// This process's peak resident set (Linux `VmHWM`).
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some((kb / 1024.0 * 10.0).round() / 10.0)
}

/// Clean `cargo check` of the generated crates (dependencies built first, untimed).
fn compile_figures(root: &Path) -> Result<Value, String> {
    let full = root.join("target/stripe-full");
    crate::codegen::codegen_one(
        &root.join("../shared/specs/stripe/spec3-2023-09-12.yaml"),
        &full,
        Some("stripe_full".to_owned()),
        crate::codegen::Flags::WRITE,
    )?;
    let target = root.join("target/bench-check");
    let cases: [(&str, PathBuf, &str, Vec<&str>); 4] = [
        (
            "spec/stripe.yaml crate",
            root.join("generated/stripe/Cargo.toml"),
            "stripe",
            vec![],
        ),
        (
            "official, no resource group",
            full.join("Cargo.toml"),
            "stripe_full",
            vec!["--no-default-features", "--features", "client,server"],
        ),
        (
            "official, charges + customers + refunds",
            full.join("Cargo.toml"),
            "stripe_full",
            vec![
                "--no-default-features",
                "--features",
                crate::ci::CONSUMER_FEATURES,
            ],
        ),
        (
            "official, every feature",
            full.join("Cargo.toml"),
            "stripe_full",
            vec![],
        ),
    ];
    let mut out = Vec::new();
    for (label, manifest, package, args) in cases {
        let check = || {
            let mut command = cargo();
            command
                .args(["check", "--quiet", "--manifest-path"])
                .arg(&manifest)
                .args(&args)
                .env("CARGO_TARGET_DIR", &target);
            command
        };
        run(&format!("build the dependencies ({label})"), &mut check())?;
        run(
            &format!("cargo clean -p {package}"),
            cargo()
                .args(["clean", "--quiet", "-p", package, "--manifest-path"])
                .arg(&manifest)
                .env("CARGO_TARGET_DIR", &target),
        )?;
        let start = Instant::now();
        run(&format!("cargo check: {label}"), &mut check())?;
        let time = start.elapsed();
        out.push(json!({"crate": label, "seconds": (time.as_secs_f64() * 10.0).round() / 10.0}));
    }
    Ok(Value::Array(out))
}

/// Median and its confidence interval from criterion's estimates, per benchmark run since
/// `since` (each `target/criterion/<group>/<function>/new/`; older ones are of other runs),
/// with MB/s where the benchmark set a byte throughput.
fn criterion_figures(root: &Path, since: std::time::SystemTime) -> Value {
    let sorted_dirs = |dir: &Path| -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n != "report"))
            .collect();
        dirs.sort();
        dirs
    };
    let read = |path: PathBuf| {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
    };
    let mut out = Vec::new();
    for group in sorted_dirs(&root.join("target/criterion")) {
        for function in sorted_dirs(&group) {
            let dir = function.join("new");
            let fresh = std::fs::metadata(dir.join("estimates.json"))
                .and_then(|m| m.modified())
                .is_ok_and(|modified| modified >= since);
            if !fresh {
                continue;
            }
            let (Some(estimates), Some(benchmark)) = (
                read(dir.join("estimates.json")),
                read(dir.join("benchmark.json")),
            ) else {
                continue;
            };
            let median = &estimates["median"];
            let ns = |v: &Value| v.as_f64().unwrap_or(f64::NAN).round();
            let mut figure = json!({
                "benchmark": benchmark["full_id"],
                "median_ns": ns(&median["point_estimate"]),
                "ci_low_ns": ns(&median["confidence_interval"]["lower_bound"]),
                "ci_high_ns": ns(&median["confidence_interval"]["upper_bound"]),
            });
            if let (Some(bytes), Some(point)) = (
                benchmark["throughput"]["Bytes"].as_f64(),
                median["point_estimate"].as_f64(),
            ) {
                figure["mb_per_s"] = json!((bytes / point * 1e9 / 1e6 * 10.0).round() / 10.0);
            }
            out.push(figure);
        }
    }
    Value::Array(out)
}

/// The median of `values`, NaN when there are none. Of an even count it is the mean of the
/// middle two: the upper one alone read the in-process goals (medians of 10 rounds) up to
/// 0.02 high.
pub(crate) fn median(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.into_iter().collect();
    values.sort_by(|a, b| a.total_cmp(b));
    let n = values.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// `a / b` to two decimals: every ratio in the report is rounded by this one rule.
pub(crate) fn ratio(a: f64, b: f64) -> f64 {
    rounded(a / b)
}

/// A ratio as reported: two decimals.
fn rounded(ratio: f64) -> f64 {
    (ratio * 100.0).round() / 100.0
}

/// The numbers of a JSON list (none when it is not one).
fn numbers(list: &Value) -> impl Iterator<Item = f64> + '_ {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_f64)
}

/// The performance goals as ratios of figures measured in this run (each a peer or baseline
/// against this project, so that the machine's speed cancels out), with the core count.
/// A ratio is `null` when its figures are missing (the peer skipped).
fn goals(report: &Value) -> Value {
    let runs_median = |runs: &Value, key: &str| {
        let values = runs.as_array().into_iter().flatten();
        let m = median(values.filter_map(|r| r[key].as_f64()));
        (!m.is_nan()).then_some(m)
    };
    let server = |operation: &str, side: &str| {
        report["server"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|op| op["operation"] == operation)
            .and_then(|op| runs_median(&op[side], "requests_per_second"))
    };
    let in_process = |operation: &str| {
        report["in_process"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|op| op["operation"] == operation)
            .map(|op| median(numbers(&op["ratio_per_round"])))
            .filter(|m| !m.is_nan())
            .map_or(Value::Null, |m| json!(rounded(m)))
    };
    let ratio_of = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => json!(ratio(a, b)),
        _ => Value::Null,
    };
    let peer = &report["codegen_vs_openapi_generator"]["ratio"];
    let goal = |what: &str, ratio: Value, at_least: f64| {
        let met = ratio.as_f64().map(|r| r >= at_least);
        json!({"goal": what, "ratio": ratio, "at_least": at_least, "met": met})
    };
    let keyed = "create_charge_with_idempotency_key";
    json!({
        "cores": std::thread::available_parallelism().map_or(1, usize::from),
        "ratios": [
            goal("codegen wall: openapi-generator / apigen", peer["wall"].clone(), 20.0),
            goal("codegen CPU: openapi-generator / apigen", peer["cpu"].clone(), 20.0),
            goal(
                "loopback create charge: generated / hand-written req/s",
                ratio_of(server("create_charge", "generated"), server("create_charge", "handwritten")),
                0.9,
            ),
            goal(
                "loopback list customers: generated / hand-written req/s",
                ratio_of(server("list_customers", "generated"), server("list_customers", "handwritten")),
                0.9,
            ),
            goal(
                "loopback create charge: with a new Idempotency-Key / without req/s",
                ratio_of(server(keyed, "empty_store"), server(keyed, "without_key")),
                0.9,
            ),
            goal(
                "in process create charge: hand-written / generated time (median of alternating rounds)",
                in_process("create_charge"),
                0.9,
            ),
            goal(
                "in process list customers: hand-written / generated time (median of alternating rounds)",
                in_process("list_customers"),
                0.9,
            ),
            goal(
                "in process create charge: without / with a new Idempotency-Key time (store of 10,000 keys, full)",
                in_process(keyed),
                0.9,
            ),
        ],
    })
}

fn table(report: &Value) -> String {
    let mut out = String::from("\n## Codegen (median of runs, min..max)\n\n| spec | phase | median ms | spread ms |\n| --- | --- | ---: | ---: |\n");
    for spec in report["codegen"].as_array().into_iter().flatten() {
        let name = spec["spec"].as_str().unwrap_or_default();
        for phase in spec["phases"].as_array().into_iter().flatten() {
            out.push_str(&format!(
                "| {name} | {} | {} | {}..{} |\n",
                phase["phase"].as_str().unwrap_or_default(),
                phase["median_ms"],
                phase["min_ms"],
                phase["max_ms"]
            ));
        }
        out.push_str(&format!(
            "| {name} | files / lines / peak RSS | {} / {} / {} MB | |\n",
            spec["files"], spec["lines"], spec["peak_rss_mb"]
        ));
    }
    out.push_str(&crate::peer_codegen::table(
        &report["codegen_vs_openapi_generator"],
    ));
    if let Some(compile) = report["compile"].as_array() {
        out.push_str("\n## Clean `cargo check` (dependencies built)\n\n| crate | seconds |\n| --- | ---: |\n");
        for c in compile {
            out.push_str(&format!(
                "| {} | {} |\n",
                c["crate"].as_str().unwrap_or_default(),
                c["seconds"]
            ));
        }
    }
    if report.get("compile_vs_async_stripe").is_some() {
        out.push_str(&crate::peer_compile::table(
            &report["compile_vs_async_stripe"],
        ));
    }
    out.push_str("\n## Server on 127.0.0.1 (median of rounds)\n\n| operation | server | req/s | p50 µs | p99 µs | errors |\n| --- | --- | ---: | ---: | ---: | ---: |\n");
    for op in report["server"].as_array().into_iter().flatten() {
        let name = op["operation"].as_str().unwrap_or_default();
        let mut rps = Vec::new();
        // The generated server and the baseline, or (keyed creates) the create without a key
        // and with a new key into an empty store, one holding `live_keys` keys and a full one.
        let sides: &[&str] = if op.get("empty_store").is_some() {
            &[
                "without_key",
                "empty_store",
                "store_with_live_keys",
                "store_at_capacity",
            ]
        } else {
            &["generated", "handwritten"]
        };
        for &side in sides {
            let runs = op[side].as_array().cloned().unwrap_or_default();
            let pick = |key: &str| median(runs.iter().filter_map(|r| r[key].as_f64()));
            let errors: u64 = runs.iter().filter_map(|r| r["errors"].as_u64()).sum();
            let r = pick("requests_per_second");
            rps.push(r);
            out.push_str(&format!(
                "| {name} | {side} | {:.0} | {:.0} | {:.0} | {errors} |\n",
                r,
                pick("p50_us"),
                pick("p99_us")
            ));
        }
        if sides[0] == "without_key" {
            out.push_str(&format!(
                "| {name} | with a new key (empty store) / without | {:.2} | | | |\n",
                rps[1] / rps[0]
            ));
            out.push_str(&format!(
                "| {name} | with {} live keys / empty | {:.2} | | | |\n",
                op["live_keys"],
                rps[2] / rps[1]
            ));
            out.push_str(&format!(
                "| {name} | with a new key (full store of {}, evicting) / without | {:.2} | | | |\n",
                op["capacity"],
                rps[3] / rps[0]
            ));
            let bounded = &op["bounded"];
            out.push_str(&format!(
                "| idempotency store of capacity {} after {} keys | keys kept | {} | | | |\n",
                bounded["capacity"], bounded["keys_sent"], bounded["kept"]
            ));
        } else {
            out.push_str(&format!(
                "| {name} | generated / handwritten | {:.2} | | | |\n",
                rps[0] / rps[1]
            ));
        }
    }
    out.push_str("\n## Server glue in process (alternating rounds: median and range)\n\n| operation | sides | µs per request | ratio |\n| --- | --- | ---: | ---: |\n");
    // Median (min..max) of a list of figures.
    let figures = |values: &Value| {
        let values: Vec<f64> = numbers(values).collect();
        let (min, max) = values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(*v), hi.max(*v))
            });
        format!("{:.2} ({min:.2}..{max:.2})", median(values.iter().copied()))
    };
    for op in report["in_process"].as_array().into_iter().flatten() {
        let sides = op["sides"].as_array().cloned().unwrap_or_default();
        let name = |side: &Value| side["side"].as_str().unwrap_or_default().to_owned();
        out.push_str(&format!(
            "| {} | {} | {} | {}: {} |\n",
            op["operation"].as_str().unwrap_or_default(),
            sides.iter().map(name).collect::<Vec<_>>().join(" / "),
            sides
                .iter()
                .map(|side| figures(&side["us_per_request"]))
                .collect::<Vec<_>>()
                .join(" / "),
            op["ratio"].as_str().unwrap_or_default(),
            figures(&op["ratio_per_round"])
        ));
    }
    out.push_str("\n## Client hot paths (criterion median, 95% CI)\n\n| benchmark | median ns | CI ns | MB/s |\n| --- | ---: | ---: | ---: |\n");
    for b in report["client"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "| {} | {} | {}..{} | {} |\n",
            b["benchmark"].as_str().unwrap_or_default(),
            b["median_ns"],
            b["ci_low_ns"],
            b["ci_high_ns"],
            b.get("mb_per_s").map(|v| v.to_string()).unwrap_or_default()
        ));
    }
    let goals = &report["goals"];
    out.push_str(&format!(
        "\n## Goals, as ratios measured in this run ({} cores)\n\n| goal | ratio | at least | met |\n| --- | ---: | ---: | --- |\n",
        goals["cores"]
    ));
    for goal in goals["ratios"].as_array().into_iter().flatten() {
        let met = match goal["met"].as_bool() {
            Some(true) => "yes",
            Some(false) => "no",
            None => "not measured",
        };
        out.push_str(&format!(
            "| {} | {} | {} | {met} |\n",
            goal["goal"].as_str().unwrap_or_default(),
            goal["ratio"],
            goal["at_least"]
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_its_middle_two() {
        assert_eq!(median([3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median([4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median([]).is_nan());
    }
}
