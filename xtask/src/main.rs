//! `cargo xtask`: the project's command line. `flags.rs` declares the commands; each has a
//! module (`codegen`, `diff`, `ci` for `test`, `bench`, `fuzz`); this file dispatches and holds
//! the helpers they share.

mod bench;
mod ci;
mod codegen;
mod corpus;
mod diff;
mod flags;
mod fuzz;
mod mock;
mod peer_codegen;
mod peer_compile;
mod postgres;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::Parser;
use flags::{Cli, Cmd};

// Code generation allocates a token, an AST node and a string per identifier it parses and
// prints; glibc's allocator spent over a third of the run on them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Cmd::Codegen {
            check,
            spec,
            out,
            name,
            deny_warnings,
        } => {
            let flags = codegen::Flags {
                check,
                deny_warnings,
                shown_warnings: usize::MAX,
            };
            match (spec, out) {
                (Some(spec), Some(out)) => codegen::codegen_one(&spec, &out, name, flags),
                _ => codegen::codegen_all(flags),
            }
        }
        Cmd::Diff {
            old,
            new,
            base,
            format,
            fail_on,
        } => diff::diff(old, new, base, format, fail_on),
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
        Cmd::BenchCodegenPeer { runs, json } => bench::codegen_peer(runs, json),
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
        Cmd::Test => ci::test(),
        Cmd::BenchCompilePeer => {
            let root = root();
            codegen::codegen_one(
                &root.join("../shared/specs/stripe/spec3-2023-09-12.yaml"),
                &root.join("target/stripe-full"),
                Some("stripe_full".to_owned()),
                codegen::Flags::WRITE,
            )
            .map(|()| {
                let figures = peer_compile::figures(&root);
                println!("{}", peer_compile::table(&figures));
            })
        }
        Cmd::Corpus { full } => corpus::corpus_with(&root(), full),
        Cmd::Postgres => postgres::ensure().map(|url| println!("{url}")),
        Cmd::Mock {
            addr,
            spec,
            strict,
            fixtures,
        } => mock::mock(&addr, spec.as_deref(), strict, fixtures.as_deref()),
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
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// A progress line (`==> ...`), on stderr: stdout carries only what a command reports
/// (`bench --json`'s JSON, tables), so that it can be piped.
fn step(text: impl std::fmt::Display) {
    eprintln!("==> {text}");
}

fn run(description: &str, command: &mut Command) -> Result<(), String> {
    step(description);
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

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
}
