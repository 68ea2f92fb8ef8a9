//! `cargo xtask`: the project's command line.

mod bench;
mod fuzz;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use apigen::write::{sync, SyncReport};
use apigen::{CrateOptions, Generated};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Generate and check the API crates")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Generate a crate per spec in spec/ into generated/ (or one spec into --out).
    Codegen {
        /// Write nothing; fail with a diff if any generated file is stale.
        #[arg(long)]
        check: bool,
        /// One OpenAPI 3.0 file (YAML or JSON) to generate from instead of spec/.
        #[arg(long, requires = "out")]
        spec: Option<PathBuf>,
        /// Directory of the standalone crate to generate (with --spec).
        #[arg(long, requires = "spec")]
        out: Option<PathBuf>,
        /// Package name of the crate (with --spec; default: from the file name).
        #[arg(long, requires = "spec")]
        name: Option<String>,
    },
    /// What a spec change means for HTTP clients and for Rust code: OLD NEW, or --base REV.
    Diff {
        /// The old spec file (with NEW).
        #[arg(requires = "new", conflicts_with = "base")]
        old: Option<PathBuf>,
        /// The new spec file.
        new: Option<PathBuf>,
        /// Compare every spec in spec/ at this git revision with the working tree.
        #[arg(long, required_unless_present = "old")]
        base: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "markdown")]
        format: Format,
        /// Exit non-zero when a change breaks: `breaking` (wire or Rust), `wire` or `rust`.
        #[arg(long, value_enum)]
        fail_on: Option<FailOn>,
    },
    /// Print benchmark figures: codegen phases, compile times, server load, client hot paths.
    Bench {
        /// Print JSON instead of tables.
        #[arg(long)]
        json: bool,
        /// Skip the clean `cargo check` figures (minutes).
        #[arg(long)]
        no_compile: bool,
        /// Repetitions of codegen and of each load round.
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Requests per load round (32 concurrent).
        #[arg(long, default_value_t = 20000)]
        requests: usize,
    },
    /// Internal: codegen figures of one spec, as JSON (run by `bench` in a fresh process).
    #[command(hide = true)]
    BenchCodegen {
        spec: PathBuf,
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// Fuzz the generator (load, lower, emit) for a bounded time per target.
    Fuzz {
        /// Seconds per target.
        #[arg(long, default_value_t = 30)]
        seconds: u64,
        /// Targets to run (default: all).
        targets: Vec<String>,
        /// Afterwards, generate crates from up to N specs of the `spec_shapes` corpus and
        /// compile them all with clippy (warnings denied).
        #[arg(long, value_name = "N")]
        compile: Option<usize>,
    },
    /// Run every check and test: the one command CI runs.
    Test,
    /// Serve the reference server (in-memory Stripe) until interrupted.
    Mock {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:12111")]
        addr: String,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Markdown,
    Json,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum FailOn {
    Breaking,
    Wire,
    Rust,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Cmd::Codegen {
            check,
            spec: Some(spec),
            out: Some(out),
            name,
        } => codegen_one(&spec, &out, name, check),
        Cmd::Codegen { check, .. } => codegen_all(check),
        Cmd::Diff {
            old,
            new,
            base,
            format,
            fail_on,
        } => diff(old, new, base, format, fail_on),
        Cmd::Bench {
            json,
            no_compile,
            runs,
            requests,
        } => bench::bench(&bench::Options {
            json,
            compile: !no_compile,
            runs,
            requests,
        }),
        Cmd::BenchCodegen { spec, runs } => bench::codegen_child(&spec, runs),
        Cmd::Fuzz {
            seconds,
            targets,
            compile,
        } => {
            let targets = if targets.is_empty() {
                fuzz::TARGETS.iter().map(|t| (*t).to_owned()).collect()
            } else {
                targets
            };
            let fuzzed = if seconds > 0 {
                fuzz::fuzz(&targets, seconds)
            } else {
                Ok(())
            };
            fuzzed.and_then(|()| compile.map_or(Ok(()), fuzz::compile_corpus))
        }
        Cmd::Test => test(),
        Cmd::Mock { addr } => mock(&addr),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// The reference server is its own binary: the code generator must never link the crates it
/// generates (a stale generated crate would keep it from regenerating them).
fn mock(addr: &str) -> Result<(), String> {
    run(
        "stripe-mock",
        cargo().args(["run", "--quiet", "-p", "stripe-mock", "--", "--addr", addr]),
    )
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// Every spec file in spec/, sorted.
fn specs(root: &Path) -> Result<Vec<PathBuf>, String> {
    let dir = root.join("spec");
    let mut specs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        })
        .collect();
    specs.sort();
    Ok(specs)
}

fn stem(spec: &Path) -> String {
    apigen::naming::field_name(&spec.file_stem().unwrap_or_default().to_string_lossy())
}

fn codegen_all(check: bool) -> Result<(), String> {
    let root = root();
    let started = Instant::now();
    // Generate everything first: a spec with problems stops the run before anything is written.
    let mut generated = Vec::new();
    let mut failures = Vec::new();
    for spec in specs(&root)? {
        let name = stem(&spec);
        let relative = spec.strip_prefix(&root).unwrap_or(&spec).to_path_buf();
        let options = CrateOptions {
            name: name.clone(),
            runtime_path: "../../runtime".to_owned(),
            standalone: false,
        };
        match apigen::generate(&root.join(&relative), &options) {
            Ok(output) => generated.push((relative, name, output)),
            Err(errors) => failures.push(
                errors
                    .to_string()
                    .replace(&format!("{}/", root.display()), ""),
            ),
        }
    }
    if !failures.is_empty() {
        return Err(format!(
            "{}\ncodegen failed; nothing was written",
            failures.join("\n")
        ));
    }
    let mut stale = Vec::new();
    for (spec, name, output) in &generated {
        let dir = root.join("generated").join(name);
        let report = sync(&dir, &output.files, check)
            .map_err(|e| format!("writing {}: {e}", dir.display()))?;
        print_summary(
            &spec.display().to_string(),
            &format!("generated/{name}"),
            output,
            &report,
        );
        stale.extend(report.stale);
    }
    println!("done in {:.2?}", started.elapsed());
    if check && !stale.is_empty() {
        return Err(format!(
            "{}\ngenerated code is stale: run `cargo xtask codegen`",
            stale.join("\n")
        ));
    }
    Ok(())
}

fn codegen_one(spec: &Path, out: &Path, name: Option<String>, check: bool) -> Result<(), String> {
    let name = name.unwrap_or_else(|| stem(spec));
    let runtime = root().join("runtime");
    let options = CrateOptions {
        name,
        runtime_path: runtime.display().to_string(),
        standalone: true,
    };
    let output = apigen::generate(spec, &options)
        .map_err(|errors| format!("{errors}\ncodegen failed; nothing was written"))?;
    let report =
        sync(out, &output.files, check).map_err(|e| format!("writing {}: {e}", out.display()))?;
    print_summary(
        &spec.display().to_string(),
        &out.display().to_string(),
        &output,
        &report,
    );
    if check && report.is_stale() {
        return Err(format!(
            "{}\n{} is stale",
            report.stale.join("\n"),
            out.display()
        ));
    }
    Ok(())
}

fn print_summary(spec: &str, out: &str, output: &Generated, report: &SyncReport) {
    let s = &output.stats;
    let phases: Vec<String> = s
        .phases
        .iter()
        .map(|(phase, time)| format!("{phase} {:.1?}", time))
        .collect();
    println!(
        "{spec} -> {out}: {} schemas, {} types, {} ids, {} operations; {} files ({} lines): {} written, {} unchanged, {} removed{}; {}",
        s.schemas,
        s.types,
        s.ids,
        s.operations,
        output.files.len(),
        s.lines,
        report.written.len(),
        report.unchanged.len(),
        report.removed.len(),
        if report.stale.is_empty() { String::new() } else { format!(", {} stale", report.stale.len()) },
        phases.join(", "),
    );
}

fn run(description: &str, command: &mut Command) -> Result<(), String> {
    println!("==> {description}");
    if command.get_current_dir().is_none() {
        command.current_dir(root());
    }
    let status = command
        .status()
        .map_err(|e| format!("{description}: cannot start: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{description}: failed ({status})"))
    }
}

/// Installs the npm packages a test directory pins (package-lock.json).
fn npm_ci(dir: &str) -> Result<(), String> {
    run(
        &format!("npm ci ({dir})"),
        Command::new("npm").args([
            "ci",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            "--prefix",
            dir,
        ]),
    )
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
}

fn test() -> Result<(), String> {
    let root = root();
    run(
        "cargo fmt --check",
        cargo().args(["fmt", "--all", "--check"]),
    )?;
    run(
        "cargo fmt --check (fuzz/)",
        cargo().args([
            "fmt",
            "--all",
            "--check",
            "--manifest-path",
            "fuzz/Cargo.toml",
        ]),
    )?;
    println!("==> cargo xtask codegen --check");
    codegen_all(true)?;
    run(
        "cargo clippy",
        cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    run(
        "cargo clippy (fuzz/)",
        cargo()
            .args([
                "clippy",
                "--quiet",
                "--all-targets",
                "--manifest-path",
                "fuzz/Cargo.toml",
                "--",
                "-D",
                "warnings",
            ])
            // The workspace's target directory: most dependencies are already checked there.
            .env("CARGO_TARGET_DIR", root.join("target")),
    )?;
    run("cargo test", cargo().args(["test", "--workspace"]))?;
    check_resource_features(&root)?;
    println!("==> fuzz the generator and the reference server (30 s per target), then compile 60 crates of the generator's corpus");
    let targets: Vec<String> = fuzz::TARGETS.iter().map(|t| (*t).to_owned()).collect();
    fuzz::fuzz(&targets, 30)?;
    // The fuzz targets check that emitted tokens parse; this checks that they compile.
    fuzz::compile_corpus(60)?;
    compile_spec_crates(&root)?;
    compile_official_spec(&root)?;
    npm_ci("tests/prism")?;
    run(
        "client against Prism",
        cargo().args([
            "test",
            "-p",
            "integration-tests",
            "--test",
            "prism",
            "--",
            "--ignored",
        ]),
    )?;

    let venv = root.join("target/spec-venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        run(
            "python venv",
            Command::new("python3").args(["-m", "venv"]).arg(&venv),
        )?;
    }
    run(
        "pip install (spec tests, Python SDK)",
        Command::new(&python).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            "tests/spec/requirements.txt",
            "-r",
            "tests/sdk/python/requirements.txt",
        ]),
    )?;
    run(
        "build the reference server",
        cargo().args(["build", "--quiet", "-p", "stripe-mock"]),
    )?;
    npm_ci("tests/sdk/node")?;
    run(
        "official Node SDK against the reference server",
        Command::new("node")
            .arg("--test")
            .current_dir(root.join("tests/sdk/node")),
    )?;
    schemathesis(&root, &venv)?;
    // Last, so that CI reads pytest's summary. The Python SDK tests start the reference server
    // from target/debug/stripe-mock, built above.
    run(
        "spec tests and official Python SDK (pytest)",
        Command::new(&python).args(["-m", "pytest", "-q", "tests/spec", "tests/sdk/python"]),
    )?;
    println!("all checks passed");
    Ok(())
}

/// schemathesis against the reference server with spec/stripe.yaml: a bounded number of
/// generated requests (fixed seed), no 5xx, every response body and content type as the spec
/// says.
fn schemathesis(root: &Path, venv: &Path) -> Result<(), String> {
    use std::io::{BufRead, BufReader};
    println!("==> schemathesis against the reference server");
    let mut server = Command::new(root.join("target/debug/stripe-mock"))
        .args(["--addr", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the reference server: {e}"))?;
    let mut line = String::new();
    let stdout = server.stdout.take().ok_or("no stdout")?;
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .map(str::to_owned);
    // Example-based and generated requests per operation, then stateful sequences that
    // follow the spec's links (create -> retrieve/update/delete/refund...) with real ids.
    let checks = "not_a_server_error,response_schema_conformance,content_type_conformance,\
                  response_headers_conformance,use_after_free,ensure_resource_availability";
    let schemathesis = |phases: &str, examples: &str| {
        run(
            &format!("schemathesis run ({phases}, {examples} examples)"),
            Command::new(venv.join("bin/schemathesis"))
                .current_dir(root)
                .args([
                    "run",
                    "spec/stripe.yaml",
                    "--url",
                    url.as_deref().unwrap_or_default(),
                    "-H",
                    "Authorization: Bearer sk_test_4eC39HqLyjWDarjtT1zdp7dc",
                    "--phases",
                    phases,
                    "--max-examples",
                    examples,
                    "--seed",
                    "1",
                    "--checks",
                    checks,
                ]),
        )
    };
    let result = match &url {
        Some(_) => schemathesis("examples,coverage,fuzzing", "25")
            .and_then(|()| schemathesis("stateful", "100")),
        None => Err(format!(
            "the reference server did not say where it listens: {line}"
        )),
    };
    let _ = server.kill();
    let _ = server.wait();
    result
}

/// Generates the full crate (models, builders, server) from the official Stripe spec in
/// ../shared and lints it with warnings denied, in the workspace's target directory: first as
/// a consumer of charges, customers and refunds only would build it, then whole.
fn compile_official_spec(root: &Path) -> Result<(), String> {
    let spec = root.join("../shared/specs/stripe/spec3-2023-09-12.yaml");
    let out = root.join("target/stripe-full");
    codegen_one(&spec, &out, Some("stripe_full".to_owned()), false)?;
    run(
        "clippy on the official Stripe crate with features charges, customers, refunds",
        cargo()
            .args(["clippy", "--quiet", "--no-default-features", "--features"])
            .arg(CONSUMER_FEATURES)
            .arg("--manifest-path")
            .arg(out.join("Cargo.toml"))
            .args(["--", "-D", "warnings"])
            .env("CARGO_TARGET_DIR", root.join("target")),
    )?;
    run(
        "clippy on the crate generated from the official Stripe spec",
        cargo()
            .args(["clippy", "--quiet", "--manifest-path"])
            .arg(out.join("Cargo.toml"))
            .args(["--", "-D", "warnings"])
            .env("CARGO_TARGET_DIR", root.join("target")),
    )
}

/// The features of a consumer that uses charges, customers and refunds only.
const CONSUMER_FEATURES: &str = "client,server,charges,customers,refunds";

/// Every generated crate of the workspace compiles warning-free with no resource feature and
/// with each one alone: the reachability behind the `cfg`s misses nothing.
fn check_resource_features(root: &Path) -> Result<(), String> {
    for spec in specs(root)? {
        let name = stem(&spec);
        let options = CrateOptions {
            name: name.clone(),
            runtime_path: "../../runtime".to_owned(),
            standalone: false,
        };
        let generated = apigen::generate(&spec, &options).map_err(|e| e.to_string())?;
        let mut sets = vec!["client,server".to_owned()];
        sets.extend(
            generated
                .stats
                .features
                .iter()
                .map(|feature| format!("client,server,{feature}")),
        );
        for features in sets {
            run(
                &format!("clippy -p {name} --features {features}"),
                cargo()
                    .args(["clippy", "--quiet", "-p", &name, "--no-default-features"])
                    .args(["--features", &features, "--", "-D", "warnings"]),
            )?;
        }
    }
    Ok(())
}

/// Generates a standalone crate from each focused test spec and checks that it compiles
/// cleanly on its own (clippy, warnings denied), sharing one target directory.
fn compile_spec_crates(root: &Path) -> Result<(), String> {
    let specs_dir = root.join("generator/tests/specs");
    let mut specs: Vec<PathBuf> = std::fs::read_dir(&specs_dir)
        .map_err(|e| format!("{}: {e}", specs_dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    specs.sort();
    let out_root = root.join("target/spec-crates");
    for spec in specs {
        let name = stem(&spec);
        let out = out_root.join(&name);
        codegen_one(&spec, &out, Some(format!("spec_{name}")), false)?;
        run(
            &format!("clippy on the crate generated from {}", spec.display()),
            cargo()
                .args(["clippy", "--quiet", "--all-targets", "--manifest-path"])
                .arg(out.join("Cargo.toml"))
                .args(["--", "-D", "warnings"])
                // The workspace's target directory: the dependencies are already built there.
                .env("CARGO_TARGET_DIR", root.join("target")),
        )?;
    }
    Ok(())
}

fn diff(
    old: Option<PathBuf>,
    new: Option<PathBuf>,
    base: Option<String>,
    format: Format,
    fail_on: Option<FailOn>,
) -> Result<(), String> {
    let pairs: Vec<SpecPair> = match (old, new, base) {
        (Some(old), Some(new), _) => vec![(Some(old), Some(new))],
        (_, _, Some(base)) => base_pairs(&base)?,
        _ => return Err("give OLD and NEW spec files, or --base REV".to_owned()),
    };
    let mut reports = Vec::new();
    let mut messages = Vec::new();
    for (old, new) in pairs {
        match (old, new) {
            (Some(old), Some(new)) => reports.push(compare_files(&old, &new)?),
            (None, Some(new)) => messages.push(format!("{}: a new spec", new.display())),
            (Some(old), None) => messages.push(format!("{}: spec removed", old.display())),
            (None, None) => {}
        }
    }
    match format {
        Format::Markdown => {
            for message in &messages {
                println!("{message}\n");
            }
            for report in &reports {
                println!("{}", apigen::diff::markdown(report));
            }
        }
        Format::Json => {
            let json = if reports.len() == 1 && messages.is_empty() {
                serde_json::to_string_pretty(&reports[0])
            } else {
                serde_json::to_string_pretty(&serde_json::json!({
                    "reports": reports,
                    "notes": messages,
                }))
            };
            println!("{}", json.map_err(|e| e.to_string())?);
        }
    }
    if let Some(on) = fail_on {
        let on = match on {
            FailOn::Breaking => apigen::diff::FailOn::Breaking,
            FailOn::Wire => apigen::diff::FailOn::Wire,
            FailOn::Rust => apigen::diff::FailOn::Rust,
        };
        if reports.iter().any(|r| r.is_breaking(on)) {
            return Err("the spec change breaks clients or code (see above)".to_owned());
        }
    }
    Ok(())
}

/// A spec before and after (either may be missing).
type SpecPair = (Option<PathBuf>, Option<PathBuf>);

fn compare_files(old: &Path, new: &Path) -> Result<apigen::diff::Report, String> {
    let load = |path: &Path| {
        let document = apigen::load::load_file(path).map_err(|e| e.to_string())?;
        let api = apigen::lower::lower(&document).map_err(|e| e.to_string())?;
        Ok::<_, String>((document, api))
    };
    let (old_doc, old_api) = load(old)?;
    let (new_doc, new_api) = load(new)?;
    Ok(apigen::diff::compare(
        apigen::diff::Side {
            document: &old_doc,
            api: &old_api,
        },
        apigen::diff::Side {
            document: &new_doc,
            api: &new_api,
        },
    ))
}

/// The specs of spec/ at `rev` (extracted into target/, with the files they refer to) paired
/// with those of the working tree, by file name.
fn base_pairs(rev: &str) -> Result<Vec<SpecPair>, String> {
    let root = root();
    let dir = root.join("target/spec-base");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let archive = Command::new("git")
        .current_dir(&root)
        .args(["archive", "--format=tar", rev, "spec"])
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !archive.status.success() {
        return Err(format!(
            "git archive {rev} spec: {}",
            String::from_utf8_lossy(&archive.stderr).trim()
        ));
    }
    let tar_path = dir.join("spec.tar");
    std::fs::write(&tar_path, &archive.stdout).map_err(|e| e.to_string())?;
    let status = Command::new("tar")
        .arg("-xf")
        .arg(&tar_path)
        .arg("-C")
        .arg(&dir)
        .status()
        .map_err(|e| format!("cannot run tar: {e}"))?;
    if !status.success() {
        return Err("tar could not extract the base specs".to_owned());
    }
    let old: Vec<PathBuf> = specs(&dir).unwrap_or_default();
    let new = specs(&root)?;
    let mut names: Vec<std::ffi::OsString> = old
        .iter()
        .chain(&new)
        .filter_map(|p| p.file_name().map(|n| n.to_owned()))
        .collect();
    names.sort();
    names.dedup();
    Ok(names
        .into_iter()
        .map(|name| {
            let find = |list: &[PathBuf]| {
                list.iter()
                    .find(|p| p.file_name() == Some(name.as_os_str()))
                    .cloned()
            };
            (find(&old), find(&new))
        })
        .collect())
}
