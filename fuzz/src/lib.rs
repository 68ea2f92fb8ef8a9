//! The pipeline the fuzz targets drive, and the spec shapes `spec_shapes` builds.
//!
//! Load, lower and emit must never panic or overflow the stack: a spec either becomes files
//! or becomes located errors, and the same spec always gives the same bytes. An emitter
//! failure on a spec that lowered cleanly is a bug (the generator made tokens that do not
//! parse), so it panics here for the fuzzer to report.

use apigen::load::load_bytes;
use apigen::lower::lower;
use apigen::CrateOptions;

pub mod requests;
pub mod shapes;

/// Runs the whole in-memory pipeline on one spec text.
pub fn run(bytes: &[u8]) {
    // To see the spec behind a crash: `APIGEN_FUZZ_DUMP=1 cargo fuzz run <target> <artifact>`.
    if std::env::var_os("APIGEN_FUZZ_DUMP").is_some() {
        eprintln!("{}", String::from_utf8_lossy(bytes));
    }
    // `cargo xtask fuzz --compile`: the specs of a corpus, as files, to compile what they
    // generate.
    if let Some(dir) = std::env::var_os("APIGEN_FUZZ_EXPORT") {
        use std::hash::{DefaultHasher, Hasher};
        let mut hasher = DefaultHasher::new();
        hasher.write(bytes);
        let path = std::path::Path::new(&dir).join(format!("{:016x}.json", hasher.finish()));
        let _ = std::fs::write(path, bytes);
    }
    // A stack overflow kills the process before libFuzzer can save the input (no sanitizer
    // runtime): with this set, every spec is written here first.
    if let Some(path) = std::env::var_os("APIGEN_FUZZ_LAST") {
        let _ = std::fs::write(path, bytes);
    }
    let is_json = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{');
    let file = if is_json { "fuzz.json" } else { "fuzz.yaml" };
    let Ok(document) = load_bytes(file, bytes, is_json) else {
        return;
    };
    let Ok(api) = lower(&document) else {
        return;
    };
    let options = CrateOptions {
        name: "fuzzed".to_owned(),
        runtime_path: "../runtime".to_owned(),
        standalone: true,
    };
    let first = match apigen::emit::emit(&api, &options, &|_| {}) {
        Ok((files, _)) => files,
        Err(message) => panic!("a spec that lowered cleanly failed to emit: {message}"),
    };
    // Determinism: a second run (fresh hash maps, fresh random hash keys) gives the same
    // bytes.
    let api = lower(&document).expect("lowered once");
    let (second, _) = apigen::emit::emit(&api, &options, &|_| {}).expect("emitted once");
    assert!(
        first.len() == second.len()
            && first
                .iter()
                .zip(&second)
                .all(|(a, b)| a.path == b.path && a.contents == b.contents),
        "two runs over the same spec gave different files"
    );
}
