//! `cargo xtask diff`: what a spec change means for HTTP clients and for Rust code, between
//! two files or between spec/ at a git revision and the working tree.

use std::path::{Path, PathBuf};
use std::process::Command;

use apigen::diff::FailOn;

use crate::codegen::specs;
use crate::flags::Format;
use crate::root;

pub fn diff(
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
