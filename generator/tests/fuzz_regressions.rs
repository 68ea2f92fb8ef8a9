//! Every spec the fuzz targets (fuzz/) found a crash with, kept as a regression test: each
//! must now generate (or be refused with located errors) without a panic, and what it
//! generates must be valid Rust (the emitter's own parse check).

use std::fs;
use std::path::Path;

use apigen::load::load_bytes;
use apigen::lower::lower;
use apigen::CrateOptions;

#[test]
fn specs_that_once_crashed_the_generator_now_generate() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let mut paths: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json" || e == "yaml"))
        .collect();
    paths.sort();
    assert!(
        !paths.is_empty(),
        "no regression specs in {}",
        dir.display()
    );
    let options = CrateOptions {
        name: "fuzzed".to_owned(),
        runtime_path: "../runtime".to_owned(),
        standalone: true,
    };
    for path in paths {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = fs::read(&path).unwrap();
        let is_json = name.ends_with(".json");
        let expect_errors = name.starts_with("refused-");
        let document = match load_bytes(&name, &bytes, is_json) {
            Ok(document) => document,
            Err(error) => {
                assert!(expect_errors, "{name}: {error}");
                continue;
            }
        };
        match lower(&document) {
            Ok(api) => {
                assert!(
                    !expect_errors,
                    "{name}: expected located errors, it lowered"
                );
                let (files, _) = apigen::emit::emit(&api, &options, &|_| {})
                    .unwrap_or_else(|message| panic!("{name}: {message}"));
                assert!(files.iter().any(|f| f.path == "src/lib.rs"), "{name}");
            }
            Err(errors) => {
                assert!(expect_errors, "{name}: {errors}");
                assert!(errors.0.iter().all(|d| d.file == name), "{name}: {errors}");
            }
        }
    }
}
