//! Writing a generated crate: only files whose content changed, removing stale generated
//! files, or (check mode) reporting what is stale without writing.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;

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
    if check {
        return check_only(dir, files);
    }
    let staged = StagedSync::new(dir)?;
    for file in files {
        staged.stage(file);
    }
    staged.finish(files)
}

/// Check mode: a diff per file that differs from what is generated, nothing written.
fn check_only(dir: &Path, files: &[GeneratedFile]) -> io::Result<SyncReport> {
    let mut report = SyncReport::default();
    for file in files {
        let old = read_existing(&dir.join(&file.path))?;
        if old.as_deref() == Some(file.contents.as_bytes()) {
            report.unchanged.push(file.path.clone());
        } else {
            let old = old.map(|old| String::from_utf8_lossy(&old).into_owned());
            report.stale.push(diff(
                &display(dir, &file.path),
                old.as_deref().unwrap_or(""),
                &file.contents,
            ));
        }
    }
    for relative in stale_generated_files(dir, files)? {
        let path = dir.join(&relative);
        let old = fs::read_to_string(&path).map_err(|e| at(&path, e))?;
        report.stale.push(diff(&display(dir, &relative), &old, ""));
    }
    Ok(report)
}

/// [`sync`] in two steps, so that writing overlaps generating: [`stage`](Self::stage) each
/// file as soon as it is printed (from any thread), then [`finish`](Self::finish) with all
/// of them. One writer thread compares each staged file with the one on disk and, if it
/// changed, writes it into the staging directory (one thread: writing from several made the
/// file system's kernel time grow more than the wall time shrank). Until `finish` succeeds
/// `dir` is untouched; dropped without it, nothing is.
pub struct StagedSync {
    dir: PathBuf,
    staging: Staging,
    sender: Option<mpsc::Sender<GeneratedFile>>,
    writer: Option<thread::JoinHandle<Staged>>,
}

#[derive(Default)]
struct Staged {
    /// Paths compared so far, and whether each was written into staging (changed).
    seen: BTreeMap<String, bool>,
    /// Directories made inside the staging tree.
    directories: BTreeSet<PathBuf>,
    /// The first failure, reported by `finish`.
    error: Option<io::Error>,
}

impl Staged {
    fn stage(&mut self, dir: &Path, staging: &Path, file: &GeneratedFile) {
        match self.stage_file(dir, staging, file) {
            Ok(changed) => {
                self.seen.insert(file.path.clone(), changed);
            }
            Err(error) => {
                self.error.get_or_insert(error);
            }
        }
    }

    fn stage_file(&mut self, dir: &Path, staging: &Path, file: &GeneratedFile) -> io::Result<bool> {
        let old = read_existing(&dir.join(&file.path))?;
        if old.as_deref() == Some(file.contents.as_bytes()) {
            return Ok(false);
        }
        if let Some(parent) = Path::new(&file.path).parent() {
            if !self.directories.contains(parent) {
                let full = staging.join(parent);
                fs::create_dir_all(&full).map_err(|e| at(&full, e))?;
                self.directories.insert(parent.to_owned());
            }
        }
        let path = staging.join(&file.path);
        fs::write(&path, &file.contents).map_err(|e| at(&path, e))?;
        Ok(true)
    }
}

impl StagedSync {
    /// Prepares to write `dir` (which need not exist) and starts the writer thread.
    pub fn new(dir: &Path) -> io::Result<Self> {
        let staging = Staging::new(dir)?;
        let (sender, receiver) = mpsc::channel::<GeneratedFile>();
        let (dir, root) = (dir.to_owned(), staging.root.clone());
        let writer = {
            let dir = dir.clone();
            thread::Builder::new()
                .name("apigen-writer".to_owned())
                .spawn(move || {
                    let mut staged = Staged::default();
                    for file in receiver {
                        staged.stage(&dir, &root, &file);
                    }
                    staged
                })
                .map_err(|e| at(&staging.root, e))?
        };
        Ok(Self {
            dir,
            staging,
            sender: Some(sender),
            writer: Some(writer),
        })
    }

    /// Hands `file` to the writer thread. A failure to write it is reported by
    /// [`finish`](Self::finish).
    pub fn stage(&self, file: &GeneratedFile) {
        if let Some(sender) = &self.sender {
            // The writer only stops once the sender is gone, so this cannot fail.
            let _ = sender.send(file.clone());
        }
    }

    /// Waits for the writer thread and returns what it staged.
    fn join_writer(&mut self) -> Staged {
        self.sender = None;
        match self.writer.take().map(thread::JoinHandle::join) {
            Some(Ok(staged)) => staged,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => Staged::default(),
        }
    }

    /// Stages what was not staged yet, removes generated files no longer in `files` and
    /// moves the staged ones into place.
    pub fn finish(mut self, files: &[GeneratedFile]) -> io::Result<SyncReport> {
        let mut state = self.join_writer();
        for file in files {
            if !state.seen.contains_key(&file.path) {
                state.stage(&self.dir, &self.staging.root, file);
            }
        }
        if let Some(error) = state.error {
            return Err(error);
        }
        let removed = stale_generated_files(&self.dir, files)?;
        let mut report = SyncReport::default();
        for file in files {
            if state.seen.get(&file.path) == Some(&true) {
                report.written.push(file.path.clone());
            } else {
                report.unchanged.push(file.path.clone());
            }
        }
        if !report.written.is_empty() {
            if fs::symlink_metadata(&self.dir).is_err() {
                // A first generation: the staged tree becomes the directory in one rename.
                self.staging.commit_whole(&self.dir)?;
            } else {
                for relative in &report.written {
                    self.staging.commit(&self.dir, relative)?;
                }
            }
        }
        for relative in removed {
            let path = self.dir.join(&relative);
            fs::remove_file(&path).map_err(|e| at(&path, e))?;
            report.removed.push(relative);
        }
        Ok(report)
    }
}

impl Drop for StagedSync {
    fn drop(&mut self) {
        // The writer must be done before the staging directory is removed.
        self.sender = None;
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

/// A file's bytes, or `None` if there is none.
fn read_existing(path: &Path) -> io::Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(old) => Ok(Some(old)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(at(path, error)),
    }
}

/// Generated files in `dir` that `files` no longer has (relative, `/`-separated).
fn stale_generated_files(dir: &Path, files: &[GeneratedFile]) -> io::Result<Vec<String>> {
    let wanted: BTreeSet<&Path> = files.iter().map(|f| Path::new(&f.path)).collect();
    Ok(generated_files_in(dir)?
        .into_iter()
        .filter(|stale| !wanted.contains(stale.as_path()))
        .map(|stale| stale.to_string_lossy().replace('\\', "/"))
        .collect())
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
    fn files_staged_from_threads_land_only_on_finish() {
        let root = tempdir("staged");
        let out = root.join("crate");
        sync(&out, &[file("a.rs", "a"), file("m/old.rs", "old")], false).unwrap();
        let before = listing(&out);
        let files = [file("a.rs", "a"), file("m/b.rs", "b"), file("c.rs", "c")];
        {
            // Dropped without `finish` (generation failed): nothing changes, nothing is left.
            let staged = StagedSync::new(&out).unwrap();
            std::thread::scope(|scope| {
                scope.spawn(|| staged.stage(&files[1]));
                scope.spawn(|| staged.stage(&files[2]));
            });
        }
        assert_eq!(listing(&out), before);
        let staged = StagedSync::new(&out).unwrap();
        std::thread::scope(|scope| {
            scope.spawn(|| staged.stage(&files[1]));
            scope.spawn(|| staged.stage(&files[0]));
        });
        assert_eq!(listing(&out), before, "nothing lands before finish");
        // `c.rs` was never staged: `finish` writes it too.
        let report = staged.finish(&files).unwrap();
        assert_eq!(report.written, ["m/b.rs", "c.rs"]);
        assert_eq!(report.unchanged, ["a.rs"]);
        assert_eq!(report.removed, ["m/old.rs"]);
        let names: Vec<_> = listing(&out).into_iter().map(|(p, _)| p).collect();
        assert_eq!(names, ["a.rs", "c.rs", "m/b.rs"]);
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
