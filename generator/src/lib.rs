//! `apigen`: generates typed Rust crates from OpenAPI 3.0 and 3.1 descriptions of Stripe-style REST
//! APIs.
//!
//! The pipeline: [`load`] (YAML or JSON → `openapiv3`) → [`lower`] (→ the [`model`]) →
//! [`emit`] (model → tokens) → [`print`](mod@print) (tokens → formatted files) → [`write`](mod@write).
#![warn(missing_docs)]

pub mod bundle;
pub mod diff;
pub mod emit;
pub mod error;
pub mod load;
pub mod lower;
pub mod model;
pub mod naming;
pub mod normalize;
pub mod print;
mod spec_json;
pub mod three_one;
pub mod write;

use std::path::Path;
use std::time::{Duration, Instant};

pub use emit::CrateOptions;
pub use error::{Diagnostic, Errors};
pub use print::GeneratedFile;

/// A generated crate, in memory.
pub struct Generated {
    /// Every file of the crate, in order.
    pub files: Vec<GeneratedFile>,
    /// Figures of the run.
    pub stats: Stats,
    /// What was read not as written, located; generation went on.
    pub warnings: Vec<Diagnostic>,
}

/// Figures of one generation.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Component schemas in the spec.
    pub schemas: usize,
    /// Types generated.
    pub types: usize,
    /// Id newtypes generated.
    pub ids: usize,
    /// Operations generated.
    pub operations: usize,
    /// Lines of all generated files.
    pub lines: usize,
    /// The crate's resource features (`full` turns them all on).
    pub features: Vec<String>,
    /// Wall time per phase, in order.
    pub phases: Vec<(&'static str, Duration)>,
}

/// Generates the crate for the spec at `spec`. Nothing is written.
pub fn generate(spec: &Path, options: &CrateOptions) -> Result<Generated, Errors> {
    generate_with(spec, options, &|_| {})
}

/// [`generate`], handing each file to `on_file` as soon as it is printed (from the thread
/// that printed it), so that it can be written while the rest print
/// ([`write::StagedSync::stage`]).
pub fn generate_with(
    spec: &Path,
    options: &CrateOptions,
    on_file: &(dyn Fn(&GeneratedFile) + Sync),
) -> Result<Generated, Errors> {
    let start = Instant::now();
    let document = load::load_file(spec)?;
    let loaded = start.elapsed();
    generate_from(document, options, loaded, on_file)
}

/// Generates from an already loaded document (`on_file` as for [`generate_with`]).
pub fn generate_from(
    document: load::Document,
    options: &CrateOptions,
    load_time: Duration,
    on_file: &(dyn Fn(&GeneratedFile) + Sync),
) -> Result<Generated, Errors> {
    let schemas = document
        .api
        .components
        .as_ref()
        .map_or(0, |c| c.schemas.len());
    let start = Instant::now();
    let lower::Lowered { api, warnings } = lower::lower_with_warnings(&document)?;
    let lowered = start.elapsed();
    let file = document.file.clone();
    // Freeing a big document takes a while: alongside the emitting, not before it.
    let dropped = std::thread::spawn(move || drop(document));
    let start = Instant::now();
    let emitted_files = emit::emit(&api, options, on_file);
    let _ = dropped.join();
    let (files, features) = emitted_files.map_err(|message| Diagnostic::at(&file, "", message))?;
    let emitted = start.elapsed();
    let stats = Stats {
        schemas,
        types: api.types.len(),
        ids: api.ids.len(),
        operations: api.operations.len(),
        lines: files.iter().map(|f| f.contents.lines().count()).sum(),
        features,
        phases: vec![
            ("load", load_time),
            ("model", lowered),
            // Emitting tokens and printing them interleave, file by file, on every core.
            ("emit+print", emitted),
        ],
    };
    // The model is freed off the caller's path (writing the files comes next).
    std::thread::spawn(move || drop(api));
    Ok(Generated {
        files,
        stats,
        warnings,
    })
}
