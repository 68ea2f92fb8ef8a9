//! `cargo xtask corpus`: real specs nobody here wrote, as a new user would try them: every
//! OpenAPI 3.0 and 3.1 spec under `../shared/specs/other/` and `tests/corpus/`, and both
//! official Stripe specs generate (warnings allowed, counted) and the crates pass clippy with
//! warnings denied, in one shared target directory; OpenAI's crate then streams a chat
//! completion through its generated client and server (`tests/openai`). Prints a line of
//! figures per spec.

use std::path::{Path, PathBuf};
use std::time::Instant;

use apigen::write::sync;
use apigen::CrateOptions;

use crate::codegen::stem;
use crate::{cargo, run};

/// How a corpus crate is linted.
#[derive(Clone, Copy)]
enum Lint {
    /// The whole crate.
    Full,
    /// As a consumer of a few groups builds it (the biggest crates, to bound CI time).
    Features(&'static str),
    /// Not here: another step lints it.
    Elsewhere,
}

/// One spec of the corpus.
struct Entry {
    spec: PathBuf,
    lint: Lint,
    /// A test crate (its manifest, from the repo's root) run against the generated crate.
    test: Option<&'static str>,
}

/// How the OpenAI crate is linted: as a consumer of its chat group builds it (the whole
/// crate is 1,500 files; `cargo xtask corpus --full` lints every crate whole).
const OPENAI_FEATURES: &str = "client,server,chat";

/// Files that start an OpenAPI document (`openapi:` at the top level), up to three
/// directories deep, sorted; split into 3.0 or 3.1 and others.
fn discover(dir: &Path) -> (Vec<PathBuf>, Vec<(PathBuf, String)>) {
    fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            if path.is_dir() && depth < 3 {
                walk(&path, depth + 1, out);
            } else if path
                .extension()
                .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
            {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, 0, &mut files);
    let mut specs = Vec::new();
    let mut skipped = Vec::new();
    for file in files {
        let Some(version) = openapi_version(&file) else {
            continue;
        };
        if version.starts_with("3.0") || version.starts_with("3.1") {
            specs.push(file);
        } else {
            skipped.push((file, version));
        }
    }
    (specs, skipped)
}

/// The `openapi` version a file declares at its top level (read as the generator reads it).
fn openapi_version(file: &Path) -> Option<String> {
    let value = apigen::load::read_value(file).ok()?;
    value.get("openapi")?.as_str().map(str::to_owned)
}

pub fn corpus(root: &Path) -> Result<(), String> {
    corpus_with(root, false)
}

/// The corpus; with `full`, every crate is linted whole.
pub fn corpus_with(root: &Path, full: bool) -> Result<(), String> {
    let shared = root.join("../shared/specs");
    let (mut vendors, mut skipped) = discover(&shared.join("other"));
    let (ours, ours_skipped) = discover(&root.join("tests/corpus"));
    vendors.extend(ours);
    skipped.extend(ours_skipped);
    for (file, version) in &skipped {
        println!(
            "corpus: skipped {} (OpenAPI {version}, not 3.0 or 3.1)",
            file.display()
        );
    }
    let mut entries: Vec<Entry> = vendors
        .into_iter()
        .map(|spec| {
            let openai = stem(&spec) == "openai_openapi";
            Entry {
                lint: match openai && !full {
                    true => Lint::Features(OPENAI_FEATURES),
                    false => Lint::Full,
                },
                test: openai.then_some("tests/openai/Cargo.toml"),
                spec,
            }
        })
        .collect();
    entries.push(Entry {
        spec: shared.join("stripe/spec3-2022-04-12.json"),
        lint: match full {
            true => Lint::Full,
            false => Lint::Features("client,server,charges,customers,refunds"),
        },
        test: None,
    });
    entries.push(Entry {
        spec: shared.join("stripe/spec3-2023-09-12.yaml"),
        lint: Lint::Elsewhere,
        test: None,
    });
    let out_root = root.join("target/corpus");
    let mut lines = Vec::new();
    let mut failures = Vec::new();
    for entry in &entries {
        let name = format!("corpus_{}", stem(&entry.spec));
        let out = out_root.join(&name);
        let options = CrateOptions {
            name: name.clone(),
            runtime_path: root.join("runtime").display().to_string(),
            standalone: true,
        };
        let started = Instant::now();
        let generated = match apigen::generate(&entry.spec, &options) {
            Ok(generated) => generated,
            Err(errors) => {
                failures.push(format!("{}: refused:\n{errors}", entry.spec.display()));
                continue;
            }
        };
        let codegen = started.elapsed();
        sync(&out, &generated.files, false).map_err(|e| format!("{}: {e}", out.display()))?;
        let started = Instant::now();
        let lint = match entry.lint {
            Lint::Elsewhere => "linted by its own step".to_owned(),
            Lint::Full | Lint::Features(_) => {
                let mut command = cargo();
                command.args(["clippy", "--quiet", "--manifest-path"]);
                command.arg(out.join("Cargo.toml"));
                if let Lint::Features(features) = entry.lint {
                    command.args(["--no-default-features", "--features", features]);
                }
                command
                    .args(["--", "-D", "warnings"])
                    .env("CARGO_TARGET_DIR", root.join("target"));
                let what = match entry.lint {
                    Lint::Features(features) => format!("clippy --features {features}"),
                    _ => "clippy".to_owned(),
                };
                match run(
                    &format!("{what} on the crate of {}", entry.spec.display()),
                    &mut command,
                ) {
                    Ok(()) => format!("{what} clean in {:.0?}", started.elapsed()),
                    Err(error) => {
                        failures.push(error);
                        format!("{what} FAILED")
                    }
                }
            }
        };
        let tested = entry.test.map(|manifest| {
            let started = Instant::now();
            let outcome = run(
                &format!("{manifest} against the crate of {}", entry.spec.display()),
                cargo()
                    .args(["test", "--quiet", "--manifest-path"])
                    .arg(root.join(manifest))
                    .env("CARGO_TARGET_DIR", root.join("target")),
            );
            match outcome {
                Ok(()) => format!("; {manifest} passed in {:.0?}", started.elapsed()),
                Err(error) => {
                    failures.push(error);
                    format!("; {manifest} FAILED")
                }
            }
        });
        let lint = lint + tested.as_deref().unwrap_or_default();
        let s = &generated.stats;
        lines.push(format!(
            "{}: {} operations, {} schemas, {} types, {} lines; codegen {:.2?}; {} warnings; {lint}",
            entry
                .spec
                .strip_prefix(&shared)
                .or_else(|_| entry.spec.strip_prefix(root))
                .unwrap_or(&entry.spec)
                .display(),
            s.operations,
            s.schemas,
            s.types,
            s.lines,
            codegen,
            generated.warnings.len(),
        ));
    }
    println!("corpus:");
    for line in &lines {
        println!("  {line}");
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_from_the_top_level_only() {
        let dir = std::env::temp_dir().join(format!("xtask-corpus-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let write = |name: &str, text: &str| {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        let yaml = write("a.yaml", "# comment\nopenapi: 3.0.3\ninfo: {}\n");
        let json = write("b.json", "{\"components\": {}, \"openapi\": \"3.1.0\"}");
        let part = write(
            "c.yml",
            "type: object\nproperties:\n  openapi: {type: string}\n",
        );
        assert_eq!(openapi_version(&yaml).as_deref(), Some("3.0.3"));
        assert_eq!(openapi_version(&json).as_deref(), Some("3.1.0"));
        assert_eq!(openapi_version(&part), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
