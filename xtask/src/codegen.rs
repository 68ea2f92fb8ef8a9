//! `cargo xtask codegen`: every spec of spec/ into generated/, or one spec into a standalone
//! crate; `--check` writes nothing and fails on stale output.

use std::path::{Path, PathBuf};
use std::time::Instant;

use apigen::write::{sync, StagedSync, SyncReport};
use apigen::{CrateOptions, Generated};

use crate::root;

/// Every spec file in spec/, sorted.
pub fn specs(root: &Path) -> Result<Vec<PathBuf>, String> {
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

pub fn stem(spec: &Path) -> String {
    apigen::naming::field_name(&spec.file_stem().unwrap_or_default().to_string_lossy())
}

/// How a codegen run treats stale output and warnings.
#[derive(Clone, Copy, Debug)]
pub struct Flags {
    /// Write nothing; fail if any file is stale.
    pub check: bool,
    /// Warnings are errors: nothing is written when there are any.
    pub deny_warnings: bool,
    /// How many warnings to print per spec (the rest are counted).
    pub shown_warnings: usize,
}

impl Flags {
    /// Writes, warnings allowed and all printed.
    pub const WRITE: Flags = Flags {
        check: false,
        deny_warnings: false,
        shown_warnings: usize::MAX,
    };
}

/// Prints the warnings of one spec (as errors are printed); with `deny_warnings`, fails.
fn report_warnings(
    warnings: &[apigen::Diagnostic],
    flags: Flags,
    root: &Path,
) -> Result<(), String> {
    let prefix = format!("{}/", root.display());
    for warning in warnings.iter().take(flags.shown_warnings) {
        eprintln!("warning: {}", warning.to_string().replace(&prefix, ""));
    }
    if warnings.len() > flags.shown_warnings {
        eprintln!(
            "warning: ... and {} more",
            warnings.len() - flags.shown_warnings
        );
    }
    if flags.deny_warnings && !warnings.is_empty() {
        return Err(format!(
            "{} warnings, denied by --deny-warnings; nothing was written",
            warnings.len()
        ));
    }
    Ok(())
}

pub fn codegen_all(flags: Flags) -> Result<(), String> {
    let check = flags.check;
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
            Ok(output) => {
                if let Err(denied) = report_warnings(&output.warnings, flags, &root) {
                    failures.push(format!("{}: {denied}", relative.display()));
                }
                generated.push((relative, name, output));
            }
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

pub fn codegen_one(
    spec: &Path,
    out: &Path,
    name: Option<String>,
    flags: Flags,
) -> Result<(), String> {
    let check = flags.check;
    let name = name.unwrap_or_else(|| stem(spec));
    let runtime = root().join("runtime");
    let options = CrateOptions {
        name,
        runtime_path: runtime.display().to_string(),
        standalone: true,
    };
    let writing = |e: std::io::Error| format!("writing {}: {e}", out.display());
    // Files are staged as they are printed (writing overlaps printing) and land in `out`
    // only when all of them are printed and the warnings pass.
    let staged = if check {
        None
    } else {
        Some(StagedSync::new(out).map_err(writing)?)
    };
    let stage = |file: &apigen::GeneratedFile| {
        if let Some(staged) = &staged {
            staged.stage(file);
        }
    };
    let output = apigen::generate_with(spec, &options, &stage)
        .map_err(|errors| format!("{errors}\ncodegen failed; nothing was written"))?;
    report_warnings(&output.warnings, flags, &root())?;
    let report = match staged {
        Some(staged) => staged.finish(&output.files),
        None => sync(out, &output.files, true),
    }
    .map_err(writing)?;
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
        "{spec} -> {out}: {} schemas, {} types, {} ids, {} operations, {} warnings; {} files ({} lines): {} written, {} unchanged, {} removed{}; {}",
        s.schemas,
        s.types,
        s.ids,
        s.operations,
        output.warnings.len(),
        output.files.len(),
        s.lines,
        report.written.len(),
        report.unchanged.len(),
        report.removed.len(),
        if report.stale.is_empty() { String::new() } else { format!(", {} stale", report.stale.len()) },
        phases.join(", "),
    );
}
