//! The command line: every command and its flags, parsed by clap.

use std::path::PathBuf;

use apigen::diff::FailOn;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Generate and check the API crates")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Cmd,
}

#[derive(Subcommand)]
pub enum Cmd {
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
        /// Treat warnings (what was read not as written) as errors: write nothing if any.
        #[arg(long)]
        deny_warnings: bool,
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
        #[arg(long, value_parser = parse_fail_on)]
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
    /// Compile time of a client-only consumer next to async-stripe (part of `bench`).
    BenchCompilePeer,
    /// Codegen of the official spec next to openapi-generator's `rust` generator, whole
    /// processes side by side (part of `bench`; needs a release xtask and Java).
    BenchCodegenPeer {
        /// Timed runs of each generator, after a warm-up.
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
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
    /// Generate and lint the crates of real vendors' specs (../shared/specs), with figures.
    Corpus {
        /// Lint every crate whole (CI lints the biggest as a consumer of a few groups).
        #[arg(long)]
        full: bool,
    },
    /// Start the test Postgres (Debian's package, in target/postgres, on 127.0.0.1:55432)
    /// unless it runs, and print its URL.
    Postgres,
    /// Serve the reference server (in-memory Stripe) until interrupted; with `--spec`, the
    /// stateful `Mock` server of any spec (built under target/mock on first use).
    Mock {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:12111")]
        addr: String,
        /// An OpenAPI file to serve, instead of the reference server.
        #[arg(long, value_name = "PATH")]
        spec: Option<std::path::PathBuf>,
        /// Ids never created answer 404 (else the fixture carrying the id, like stripe-mock).
        #[arg(long, requires = "spec")]
        strict: bool,
        /// Objects by schema name to answer with (stripe-mock's `fixtures3.json` format).
        #[arg(long, value_name = "PATH", requires = "spec")]
        fixtures: Option<std::path::PathBuf>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Markdown,
    Json,
}

fn parse_fail_on(text: &str) -> Result<FailOn, String> {
    text.parse()
}
