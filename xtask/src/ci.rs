//! `cargo xtask test`: every check and test, the one command CI runs, as a list of named
//! steps run in order; the first failure stops the run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use apigen::CrateOptions;

use crate::codegen::{codegen_all, codegen_one, specs, stem, Flags};
use crate::{cargo, fuzz, root, run};

/// One step of the pipeline.
struct Step {
    name: &'static str,
    run: fn(&Path) -> Result<(), String>,
}

/// The pipeline, in order: cheap checks first; pytest last, so that CI ends on its summary.
const STEPS: &[Step] = &[
    Step {
        name: "cargo fmt --check",
        run: fmt,
    },
    Step {
        name: "cargo xtask codegen --check",
        run: |_| {
            codegen_all(Flags {
                check: true,
                deny_warnings: true,
                shown_warnings: usize::MAX,
            })
        },
    },
    Step {
        name: "cargo clippy",
        run: clippy,
    },
    Step {
        name: "cargo test",
        run: |_| {
            // The Postgres tests need a real database: never skipped.
            let url = crate::postgres::ensure()?;
            run(
                "cargo test",
                cargo()
                    .args(["test", "--workspace"])
                    .env("APIGEN_TEST_DATABASE_URL", url),
            )
        },
    },
    Step {
        name: "clippy per resource feature",
        run: check_resource_features,
    },
    Step {
        name: "fuzz the generator and the reference server (20 s per target)",
        run: fuzz_all,
    },
    // The fuzz targets check that emitted tokens parse; this checks that they compile.
    Step {
        name: "compile 60 crates of the generator's fuzz corpus",
        run: |_| fuzz::compile_corpus(60),
    },
    Step {
        name: "compile the focused spec crates",
        run: compile_spec_crates,
    },
    Step {
        name: "compile the official Stripe crate",
        run: compile_official_spec,
    },
    Step {
        name: "the official Stripe spec's Mock server: every operation, and the SDKs statefully",
        run: official_mock,
    },
    Step {
        name: "vendor corpus: generate and lint real specs (cargo xtask corpus)",
        run: crate::corpus::corpus,
    },
    Step {
        name: "client against Prism",
        run: prism,
    },
    Step {
        name: "official SDKs and schemathesis against the reference server",
        run: sdks,
    },
    Step {
        name: "spec tests and official Python SDK (pytest)",
        run: pytest,
    },
];

pub fn test() -> Result<(), String> {
    let root = root();
    let started = Instant::now();
    let mut took = Vec::new();
    // A full disk fails whichever step it meets with a compiler error: say how much room the
    // run has, and had after each step (a clean run writes about 6 GB).
    crate::step(format_args!("disk: {}", free_space(&root)));
    for step in STEPS {
        crate::step(format_args!("step: {}", step.name));
        let start = Instant::now();
        (step.run)(&root).map_err(|e| format!("step `{}` failed: {e}", step.name))?;
        let elapsed = start.elapsed().as_secs();
        crate::step(format_args!(
            "step done in {elapsed} s ({}): {}",
            free_space(&root),
            step.name
        ));
        took.push((step.name, elapsed));
    }
    // The budget is per run, so say where the time went.
    println!("steps:");
    for (name, secs) in took {
        println!("  {secs:>5} s  {name}");
    }
    println!("all checks passed in {} s", started.elapsed().as_secs());
    Ok(())
}

/// Gigabytes free on the disk of `dir`, from `df` (`None` where it cannot tell).
fn free_gb(dir: &Path) -> Option<f64> {
    let output = Command::new("df").args(["-Pk"]).arg(dir).output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let available_kb: f64 = text
        .lines()
        .nth(1)?
        .split_whitespace()
        .nth(3)?
        .parse()
        .ok()?;
    Some(available_kb / (1024.0 * 1024.0))
}

fn free_space(dir: &Path) -> String {
    free_gb(dir).map_or_else(
        || "free space unknown".to_owned(),
        |gb| format!("{gb:.1} GB free"),
    )
}

/// Below this much free space, build output no later step uses is removed when its step is
/// done (it is rebuilt by the next run that needs it).
const TIGHT_DISK_GB: f64 = 10.0;

fn fmt(_: &Path) -> Result<(), String> {
    run(
        "cargo fmt --check",
        cargo().args(["fmt", "--all", "--check"]),
    )?;
    // Not a workspace member, and its dependency is generated later: rustfmt by file.
    run(
        "rustfmt --check (tests/openai/)",
        Command::new("rustfmt").args([
            "--check",
            "--edition",
            "2021",
            "tests/openai/tests/stream.rs",
            "tests/openai/src/lib.rs",
        ]),
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
    )
}

fn clippy(root: &Path) -> Result<(), String> {
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
    )
}

fn fuzz_all(_: &Path) -> Result<(), String> {
    let targets: Vec<String> = fuzz::TARGETS.iter().map(|t| (*t).to_owned()).collect();
    fuzz::fuzz(&targets, 20)
}

fn prism(_: &Path) -> Result<(), String> {
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
    )
}

/// The Python environment of the spec tests and the Python SDK, made once.
fn venv(root: &Path) -> Result<PathBuf, String> {
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
    Ok(venv)
}

fn sdks(root: &Path) -> Result<(), String> {
    let venv = venv(root)?;
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
    schemathesis(root, &venv)
}

/// The Python SDK tests start the reference server from target/debug/stripe-mock, built by
/// the step before.
fn pytest(root: &Path) -> Result<(), String> {
    let python = venv(root)?.join("bin/python");
    run(
        "spec tests and official Python SDK (pytest)",
        Command::new(&python).args(["-m", "pytest", "-q", "tests/spec", "tests/sdk/python"]),
    )
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

/// schemathesis against the reference server with spec/stripe.yaml: a bounded number of
/// generated requests (fixed seed), no 5xx, every response body and content type as the spec
/// says.
/// Builds the `Mock` server of the official Stripe spec (`cargo xtask mock --spec`'s crate),
/// serves it with Stripe's fixtures, calls each of its operations with required parameters
/// synthesised from the spec (`tests/examples/probe.py`: every JSON operation must answer
/// 2xx, which means its answer decoded into the generated response type), then calls them
/// all through the generated client (`call-every-operation`), runs the official crate's
/// Connect example, and the official Python and Node SDKs' CRUD sequences (`tests/examples`).
fn official_mock(root: &Path) -> Result<(), String> {
    use std::io::{BufRead, BufReader};
    let spec = root.join("../shared/specs/stripe/spec3-2023-09-12.yaml");
    let fixtures = root.join("../shared/specs/stripe/fixtures3-v524.json");
    let example = root.join("tests/examples/connect_charge.rs");
    let binary = crate::mock::build(&spec, Some(&[("connect-charge", &example)]))?;
    let venv = venv(root)?;
    npm_ci("tests/sdk/node")?;
    let mut server = Command::new(&binary)
        .args(["--addr", "127.0.0.1:0", "--fixtures"])
        .arg(&fixtures)
        .arg(&spec)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the mock server: {e}"))?;
    let mut line = String::new();
    let stdout = server.stdout.take().ok_or("no stdout")?;
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .map(str::to_owned);
    let result = match url {
        Some(url) => run(
            "every operation of the official spec against its Mock server",
            Command::new(venv.join("bin/python"))
                .arg("tests/examples/probe.py")
                .arg(&spec)
                .arg(&url),
        )
        .and_then(|()| {
            run(
                "every operation of the official spec through the generated client",
                Command::new(binary.with_file_name("call-every-operation")).arg(&url),
            )
        })
        .and_then(|()| {
            run(
                "the official crate's Connect example (tests/examples/connect_charge.rs)",
                Command::new(binary.with_file_name("connect-charge")).arg(&url),
            )
        })
        .and_then(|()| {
            run(
                "official Python SDK against the official spec's Mock server",
                Command::new(venv.join("bin/python"))
                    .args([
                        "-m",
                        "pytest",
                        "-q",
                        "tests/examples/test_official_python.py",
                    ])
                    .env("MOCK_URL", &url),
            )
        })
        .and_then(|()| {
            run(
                "official Node SDK against the official spec's Mock server",
                Command::new("node")
                    .args(["--test", "tests/examples/official.test.mjs"])
                    .env("MOCK_URL", &url),
            )
        }),
        None => Err(format!(
            "the mock server did not say where it listens: {line}"
        )),
    };
    let _ = server.kill();
    let _ = server.wait();
    result?;
    // The official spec's mock server and its generated crate are the run's largest build
    // output (1.2-1.6 GB) and no later step uses them.
    if free_gb(root).is_some_and(|gb| gb < TIGHT_DISK_GB) {
        crate::mock::clean(&spec)?;
    }
    Ok(())
}

fn schemathesis(root: &Path, venv: &Path) -> Result<(), String> {
    use std::io::{BufRead, BufReader};
    crate::step("schemathesis against the reference server");
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
/// a client of charges, customers and refunds only would build it, then whole.
fn compile_official_spec(root: &Path) -> Result<(), String> {
    let spec = root.join("../shared/specs/stripe/spec3-2023-09-12.yaml");
    let out = root.join("target/stripe-full");
    codegen_one(&spec, &out, Some("stripe_full".to_owned()), Flags::WRITE)?;
    run(
        "clippy on the official Stripe crate as a client of charges, customers, refunds and events",
        cargo()
            .args(["clippy", "--quiet", "--no-default-features", "--features"])
            // With `events`: the event's object enum compiles only the variants these enable.
            .arg(format!("{CLIENT_CONSUMER_FEATURES},events"))
            .arg("--manifest-path")
            .arg(out.join("Cargo.toml"))
            .args(["--", "-D", "warnings"])
            .env("CARGO_TARGET_DIR", root.join("target")),
    )
    // The whole crate, every feature, is built without warnings by the official Mock step;
    // `cargo xtask corpus --full` lints it whole.
}

/// The features of a consumer that uses charges, customers and refunds only.
pub const CONSUMER_FEATURES: &str = "client,server,charges,customers,refunds";

/// The features of a client (no server) of charges, customers and refunds: the compile-time
/// comparison's consumer.
const CLIENT_CONSUMER_FEATURES: &str = "client,charges,customers,refunds";

/// Every generated crate of the workspace compiles warning-free with no resource feature, with
/// each one alone, and as a client or a server only: the reachability behind the `cfg`s misses
/// nothing.
fn check_resource_features(root: &Path) -> Result<(), String> {
    for spec in specs(root)? {
        let name = stem(&spec);
        let options = CrateOptions {
            name: name.clone(),
            runtime_path: "../../runtime".to_owned(),
            standalone: false,
        };
        let generated = apigen::generate(&spec, &options).map_err(|e| e.to_string())?;
        // Client alone and server alone: each compiles only the serde impls its direction
        // needs (`Traffic`), so each must stand on its own.
        let mut sets = vec![
            "client,server".to_owned(),
            "client,full".to_owned(),
            "server,full".to_owned(),
            "client,serialize,deserialize,full".to_owned(),
        ];
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
        codegen_one(&spec, &out, Some(format!("spec_{name}")), Flags::WRITE)?;
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
