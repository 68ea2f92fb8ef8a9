//! `cargo xtask mock`: the reference server for spec/stripe.yaml, or with `--spec PATH` the
//! stateful `Mock` server of any spec (`--strict`, `--fixtures PATH`): the crate is generated under `target/mock/<name>/api`
//! (rewritten only where the spec changed), a small server crate beside it is built on first
//! use and reused after, and it serves until interrupted.

use std::path::{Path, PathBuf};
use std::time::Instant;

use apigen::write::sync;
use apigen::GeneratedFile;

use crate::codegen::{codegen_one, stem, Flags};
use crate::{cargo, root, run};

pub fn mock(
    addr: &str,
    spec: Option<&Path>,
    strict: bool,
    fixtures: Option<&Path>,
) -> Result<(), String> {
    let Some(spec) = spec else {
        return run(
            "stripe-mock",
            cargo().args(["run", "--quiet", "-p", "stripe-mock", "--", "--addr", addr]),
        );
    };
    let spec = spec
        .canonicalize()
        .map_err(|e| format!("{}: {e}", spec.display()))?;
    let binary = build(&spec, None)?;
    let mut command = std::process::Command::new(binary);
    command.args(["--addr", addr]);
    if strict {
        command.arg("--strict");
    }
    if let Some(fixtures) = fixtures {
        command.arg("--fixtures").arg(fixtures);
    }
    run("mock server", command.arg(&spec))
}

/// The mock server crate's package name for `spec`, and the directory of its crates.
fn crate_of(spec: &Path) -> (String, PathBuf) {
    let name = format!("mock_{}", crate_name(&stem(spec)));
    let dir = root().join("target/mock").join(&name);
    (name, dir)
}

/// Removes the build output of `spec`'s mock server and its generated crate from the
/// workspace's target directory (the crates' sources stay).
pub fn clean(spec: &Path) -> Result<(), String> {
    let (name, dir) = crate_of(spec);
    run(
        &format!("remove the build output of {name}'s server"),
        cargo()
            .args(["clean", "--quiet", "--manifest-path"])
            .arg(dir.join("server/Cargo.toml"))
            .args(["-p", "mock-server", "-p", &name])
            .env("CARGO_TARGET_DIR", root().join("target")),
    )
}

/// Generates the crate of `spec` and builds its mock server (both reused when nothing
/// changed); returns the server binary. With `client_bins`, the crate is built with its
/// client too (feature `caller`), and beside the server go `call-every-operation` (every
/// operation through the generated client against the URL it is given, failing if any call
/// does) and the given binaries (name, source file), which use the generated crate as `api`.
pub fn build(spec: &Path, client_bins: Option<&[(&str, &Path)]>) -> Result<PathBuf, String> {
    let bins = client_bins.unwrap_or_default();
    let (name, dir) = crate_of(spec);
    codegen_one(spec, &dir.join("api"), Some(name.clone()), Flags::WRITE)?;
    write_server_crate(&dir, &name, bins)?;
    let started = Instant::now();
    println!(
        "building the server for {} (the first use compiles the generated crate; later uses reuse it)",
        spec.display()
    );
    let manifest = dir.join("server/Cargo.toml");
    // The workspace's target directory: the dependencies the tests built are reused.
    let target = root().join("target");
    crate::step("build the mock server");
    let output = cargo()
        .args(["build", "--quiet", "--manifest-path"])
        .arg(&manifest)
        .args(
            client_bins
                .is_some()
                .then_some(["--features", "caller"])
                .into_iter()
                .flatten(),
        )
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(root())
        .stderr(std::process::Stdio::piped())
        .output()
        .map_err(|e| format!("cannot start cargo: {e}"))?;
    let messages = String::from_utf8_lossy(&output.stderr);
    eprint!("{messages}");
    if !output.status.success() {
        return Err(format!("build the mock server: failed ({})", output.status));
    }
    // Generated code compiles without warnings: the whole crate, every feature, is built
    // here (clippy lints it as consumers build it elsewhere).
    if let Some(line) = messages.lines().find(|l| l.contains(") generated ")) {
        return Err(format!("build the mock server: {line}"));
    }
    println!("built in {:.1} s", started.elapsed().as_secs_f64());
    Ok(target.join("debug/mock-server"))
}

/// A package name from a file stem: lowercase ASCII letters, digits and `_`.
fn crate_name(stem: &str) -> String {
    stem.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

fn write_server_crate(dir: &Path, name: &str, bins: &[(&str, &Path)]) -> Result<(), String> {
    let server = dir.join("server");
    let runtime: PathBuf = root().join("runtime");
    let manifest = format!(
        r#"# Written by `cargo xtask mock --spec`.
[package]
name = "mock-server"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
api = {{ package = "{name}", path = "../api", default-features = false, features = ["server", "mock", "full"] }}
apigen-runtime = {{ path = "{runtime}", default-features = false, features = ["server"] }}
tokio = {{ version = "1", features = ["macros", "rt-multi-thread", "net"] }}

[features]
# The generated client, and `call-every-operation` (for `cargo xtask test`).
caller = ["api/client", "apigen-runtime/client"]

[[bin]]
name = "call-every-operation"
required-features = ["caller"]
{extra_bins}
[workspace]
"#,
        runtime = runtime.display(),
        extra_bins = bins
            .iter()
            .map(|(bin, _)| format!(
                "\n[[bin]]\nname = \"{bin}\"\nrequired-features = [\"caller\"]\n"
            ))
            .collect::<String>()
    );
    let main = r#"//! Written by `cargo xtask mock --spec`: serves the generated `Mock` server.

use apigen_runtime::server::mock::{Fixtures, Options};

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let mut addr = "127.0.0.1:12111".to_owned();
    let mut spec = String::new();
    let mut options = Options::default();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => addr = args.next().unwrap_or(addr),
            "--strict" => options.strict = true,
            "--fixtures" => {
                let path = std::path::PathBuf::from(args.next().unwrap_or_default());
                options.fixtures = Fixtures::load(&path).unwrap_or_else(|error| {
                    eprintln!("cannot read the fixtures: {error}");
                    std::process::exit(1);
                });
            }
            _ => spec = arg,
        }
    }
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("cannot listen on {addr}: {error}");
            std::process::exit(1);
        }
    };
    let local = listener.local_addr().map(|a| a.to_string()).unwrap_or(addr);
    println!(
        "mock server for {spec} listening on http://{local} ({}, {} fixtures)",
        if options.strict { "strict" } else { "lenient" },
        options.fixtures.len()
    );
    let app = api::server::router(api::server::Mock::new(options));
    if let Err(error) = apigen_runtime::server::serve(listener, app).await {
        eprintln!("{error}");
        std::process::exit(1);
    }
}
"#;
    let caller = r#"//! Written by `cargo xtask mock --spec`: calls every operation through the generated
//! client against the server at the URL given, and fails if any call does.

#[tokio::main]
async fn main() {
    let url = std::env::args().nth(1).unwrap_or_else(|| "http://127.0.0.1:12111".to_owned());
    let client = apigen_runtime::Client::builder(url)
        .api_key("sk_test_call_every_operation")
        .max_retries(0)
        .build()
        .unwrap_or_else(|error| {
            eprintln!("{error}");
            std::process::exit(1);
        });
    let outcomes = api::server::Mock::call_every_operation(&client).await;
    let failed: Vec<_> = outcomes.iter().filter(|(_, outcome)| outcome.is_err()).collect();
    for (name, outcome) in &failed {
        if let Err(error) = outcome {
            eprintln!("{name}: {error}");
        }
    }
    println!(
        "{} operations called through the generated client: {} answered and decoded, {} failed",
        outcomes.len(),
        outcomes.len() - failed.len(),
        failed.len()
    );
    if !failed.is_empty() {
        std::process::exit(1);
    }
}
"#;
    // Written only where changed, so cargo's build of it is reused.
    let mut files: Vec<GeneratedFile> = [
        ("Cargo.toml".to_owned(), manifest),
        ("src/main.rs".to_owned(), main.to_owned()),
        (
            "src/bin/call-every-operation.rs".to_owned(),
            caller.to_owned(),
        ),
    ]
    .into_iter()
    .map(|(path, contents)| GeneratedFile { path, contents })
    .collect();
    for (bin, source) in bins {
        let contents =
            std::fs::read_to_string(source).map_err(|e| format!("{}: {e}", source.display()))?;
        files.push(GeneratedFile {
            path: format!("src/bin/{bin}.rs"),
            contents,
        });
    }
    sync(&server, &files, false)
        .map(drop)
        .map_err(|e| format!("writing {}: {e}", server.display()))
}
