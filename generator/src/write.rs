//! Writing a generated crate: only files whose content changed, removing stale generated
//! files, or (check mode) reporting what is stale without writing.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use similar::TextDiff;

use crate::print::{is_generated, GeneratedFile};

/// What writing a crate did (or, checking, would do).
#[derive(Debug, Default)]
pub struct SyncReport {
    /// Files written (new or changed).
    pub written: Vec<String>,
    /// Files already as generated.
    pub unchanged: Vec<String>,
    /// Files removed (no longer generated).
    pub removed: Vec<String>,
    /// Check mode: a unified diff per stale file (missing, changed or to be removed).
    pub stale: Vec<String>,
}

impl SyncReport {
    /// Whether anything differs from what is generated.
    pub fn is_stale(&self) -> bool {
        !self.stale.is_empty()
    }
}

/// Brings `dir` in line with `files`. With `check`, writes nothing and reports diffs.
///
/// Writing is staged: every changed file is first written into a staging directory beside
/// `dir` and only moved into place once all of them are written, so a failure part-way (a
/// full disk, a read-only file) leaves `dir` as it was. Unchanged files are not touched, so
/// their modification times (and cargo's incremental state) survive.
pub fn sync(dir: &Path, files: &[GeneratedFile], check: bool) -> io::Result<SyncReport> {
    let mut report = SyncReport::default();
    let mut changed = Vec::new();
    for file in files {
        let path = dir.join(&file.path);
        let old = match fs::read_to_string(&path) {
            Ok(old) => Some(old),
            Err(error) if error.kind() == io::ErrorKind::NotFound => None,
            Err(error) => return Err(at(&path, error)),
        };
        if old.as_deref() == Some(file.contents.as_str()) {
            report.unchanged.push(file.path.clone());
        } else if check {
            report.stale.push(diff(
                &display(dir, &file.path),
                old.as_deref().unwrap_or(""),
                &file.contents,
            ));
        } else {
            changed.push(file);
        }
    }
    let mut removed = Vec::new();
    for stale in generated_files_in(dir)? {
        if files.iter().any(|f| Path::new(&f.path) == stale) {
            continue;
        }
        let relative = stale.to_string_lossy().replace('\\', "/");
        if check {
            let old = fs::read_to_string(dir.join(&stale)).map_err(|e| at(&dir.join(&stale), e))?;
            report.stale.push(diff(&display(dir, &relative), &old, ""));
        } else {
            removed.push(relative);
        }
    }
    if check {
        return Ok(report);
    }
    if !changed.is_empty() {
        let staging = Staging::new(dir)?;
        staging.write_all(&changed)?;
        if fs::symlink_metadata(dir).is_err() {
            // A first generation: the staged tree becomes the directory in one rename.
            staging.commit_whole(dir)?;
        } else {
            for file in &changed {
                staging.commit(dir, &file.path)?;
            }
        }
        report
            .written
            .extend(changed.iter().map(|file| file.path.clone()));
    }
    for relative in removed {
        let path = dir.join(&relative);
        fs::remove_file(&path).map_err(|e| at(&path, e))?;
        report.removed.push(relative);
    }
    Ok(report)
}

/// A directory beside the output directory (so that moving a file out of it is a rename on
/// the same file system) that holds the new files until all of them are written. Removed
/// when dropped, whatever happened.
struct Staging {
    root: PathBuf,
}

impl Staging {
    fn new(dir: &Path) -> io::Result<Self> {
        let name = dir
            .file_name()
            .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
        let parent = match dir.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(|e| at(&parent, e))?;
        let root = parent.join(format!(".{name}.apigen-staging-{}", std::process::id()));
        // A staging directory left by a process that was killed part-way.
        let _ = fs::remove_dir_all(&root);
        fs::create_dir(&root).map_err(|e| at(&root, e))?;
        Ok(Self { root })
    }

    /// Writes `files` into the staging tree. (On one thread: writing from several made the
    /// file system's kernel time grow more than the wall time shrank.)
    fn write_all(&self, files: &[&GeneratedFile]) -> io::Result<()> {
        let mut directories: Vec<&Path> = files
            .iter()
            .filter_map(|file| Path::new(&file.path).parent())
            .collect();
        directories.sort_unstable();
        directories.dedup();
        for relative in directories {
            let path = self.root.join(relative);
            fs::create_dir_all(&path).map_err(|e| at(&path, e))?;
        }
        files.iter().try_for_each(|file| {
            let path = self.root.join(&file.path);
            fs::write(&path, &file.contents).map_err(|e| at(&path, e))
        })
    }

    /// Moves the whole staged tree to `dir`, which does not exist yet.
    fn commit_whole(&self, dir: &Path) -> io::Result<()> {
        fs::rename(&self.root, dir).map_err(|e| at(dir, e))
    }

    fn commit(&self, dir: &Path, relative: &str) -> io::Result<()> {
        let target = dir.join(relative);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(|e| at(parent, e))?;
        }
        fs::rename(self.root.join(relative), &target).map_err(|e| at(&target, e))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

fn at(path: &Path, error: io::Error) -> io::Error {
    io::Error::new(error.kind(), format!("{}: {error}", path.display()))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, contents: &str) -> GeneratedFile {
        GeneratedFile {
            path: path.to_owned(),
            contents: format!("// @generated\n{contents}\n"),
        }
    }

    fn tempdir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("apigen-write-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn listing(dir: &Path) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut pending = vec![dir.to_owned()];
        while let Some(next) = pending.pop() {
            for entry in fs::read_dir(next).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    pending.push(path);
                } else {
                    let relative = path.strip_prefix(dir).unwrap().display().to_string();
                    out.push((relative, fs::read_to_string(&path).unwrap()));
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn a_failure_part_way_leaves_the_directory_as_it_was() {
        let root = tempdir("partial");
        let out = root.join("crate");
        sync(
            &out,
            &[file("a.rs", "old a"), file("stale.rs", "stale")],
            false,
        )
        .unwrap();
        fs::write(out.join("mine.txt"), "hand-written").unwrap();
        let before = listing(&out);
        // `b` is a file and `b/c.rs` needs it to be a directory: the second write fails after
        // the first succeeded.
        let error = sync(
            &out,
            &[file("a.rs", "new a"), file("b", "x"), file("b/c.rs", "y")],
            false,
        )
        .unwrap_err();
        assert!(error.to_string().contains("apigen-staging"), "{error}");
        assert_eq!(listing(&out), before);
        let leftovers: Vec<_> = fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(leftovers, ["crate"], "the staging directory is removed");
    }

    #[test]
    fn only_changed_files_are_written_and_stale_ones_removed() {
        let out = tempdir("changed").join("crate");
        sync(&out, &[file("a.rs", "a"), file("m/b.rs", "b")], false).unwrap();
        let a_time = fs::metadata(out.join("a.rs")).unwrap().modified().unwrap();
        let report = sync(&out, &[file("a.rs", "a"), file("m/c.rs", "c")], false).unwrap();
        assert_eq!(report.unchanged, ["a.rs"]);
        assert_eq!(report.written, ["m/c.rs"]);
        assert_eq!(report.removed, ["m/b.rs"]);
        let after = fs::metadata(out.join("a.rs")).unwrap().modified().unwrap();
        assert_eq!(
            a_time, after,
            "an unchanged file keeps its modification time"
        );
        let names: Vec<_> = listing(&out).into_iter().map(|(p, _)| p).collect();
        assert_eq!(names, ["a.rs", "m/c.rs"]);
    }
}
