//! Writing a generated crate: only files whose content changed, removing stale generated
//! files, or (check mode) reporting what is stale without writing.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use similar::TextDiff;

use crate::print::{is_generated, GeneratedFile};

#[derive(Debug, Default)]
pub struct SyncReport {
    pub written: Vec<String>,
    pub unchanged: Vec<String>,
    pub removed: Vec<String>,
    /// Check mode: a unified diff per stale file (missing, changed or to be removed).
    pub stale: Vec<String>,
}

impl SyncReport {
    pub fn is_stale(&self) -> bool {
        !self.stale.is_empty()
    }
}

/// Brings `dir` in line with `files`. With `check`, writes nothing and reports diffs.
pub fn sync(dir: &Path, files: &[GeneratedFile], check: bool) -> io::Result<SyncReport> {
    let mut report = SyncReport::default();
    for file in files {
        let path = dir.join(&file.path);
        let old = match fs::read_to_string(&path) {
            Ok(old) => Some(old),
            Err(error) if error.kind() == io::ErrorKind::NotFound => None,
            Err(error) => {
                return Err(io::Error::new(
                    error.kind(),
                    format!("{}: {error}", path.display()),
                ))
            }
        };
        if old.as_deref() == Some(file.contents.as_str()) {
            report.unchanged.push(file.path.clone());
            continue;
        }
        if check {
            report.stale.push(diff(
                &display(dir, &file.path),
                old.as_deref().unwrap_or(""),
                &file.contents,
            ));
            continue;
        }
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&path, &file.contents)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        report.written.push(file.path.clone());
    }
    for stale in generated_files_in(dir)? {
        if files.iter().any(|f| Path::new(&f.path) == stale) {
            continue;
        }
        let relative = stale.to_string_lossy().replace('\\', "/");
        if check {
            let old = fs::read_to_string(dir.join(&stale))?;
            report.stale.push(diff(&display(dir, &relative), &old, ""));
        } else {
            fs::remove_file(dir.join(&stale))?;
            report.removed.push(relative);
        }
    }
    Ok(report)
}

fn display(dir: &Path, relative: &str) -> String {
    dir.join(relative).display().to_string()
}

fn diff(name: &str, old: &str, new: &str) -> String {
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}

/// Files under `dir` (relative paths, sorted) whose first line carries the generated marker.
fn generated_files_in(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let entries = match fs::read_dir(dir.join(&relative)) {
            Ok(entries) => entries,
            Err(error) if error.kind() == io::ErrorKind::NotFound => continue,
            Err(error) => return Err(error),
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            let path = relative.join(&name);
            let kind = entry.file_type()?;
            if kind.is_dir() {
                if name != "target" {
                    pending.push(path);
                }
            } else if kind.is_file() {
                let is_source = path.extension().is_some_and(|e| e == "rs" || e == "toml");
                if is_source && fs::read_to_string(entry.path()).is_ok_and(|c| is_generated(&c)) {
                    out.push(path);
                }
            }
        }
    }
    out.sort();
    Ok(out)
}
