//! The live recorders and the files they write, read from `/proc`.
//!
//! The Bastion asks `lsof` (and gives up after 5 s on a busy host). Our
//! recorder keeps its current segment open for writing, and root can read
//! any process's descriptors, so the kernel already says which recording
//! each recorder writes and how large it is: no lsof, no timeout, and a
//! recorder that rotated a second ago is seen with its new file.

use std::path::{Path, PathBuf};

/// One running recorder.
#[derive(Debug, Clone)]
pub struct Recorder {
    pub pid: i32,
    /// The recordings it holds open for writing (its current segment, and
    /// that segment's `.winsize`).
    pub files: Vec<PathBuf>,
}

impl Recorder {
    /// The segment it writes now, and its size on disk.
    #[must_use]
    pub fn current(&self) -> Option<(&Path, u64)> {
        self.files
            .iter()
            .find(|f| !is_sidecar(f))
            .map(|f| (f.as_path(), std::fs::metadata(f).map_or(0, |m| m.len())))
    }
}

/// A file that goes with a segment rather than being one.
#[must_use]
pub fn is_sidecar(p: &Path) -> bool {
    let n = p.to_string_lossy();
    [".winsize", ".seal", ".seal.sig"]
        .iter()
        .any(|s| n.ends_with(s))
}

/// Whether `/proc/PID` is one of our recorders: its program is `ttyrec` in
/// `prefix/bin` (still so after an upgrade replaced the file: the kernel then
/// says "(deleted)"). Debian's own ttyrec, elsewhere, is not ours to signal.
fn is_recorder(proc_dir: &Path, recorder: &Path) -> bool {
    let Ok(exe) = std::fs::read_link(proc_dir.join("exe")) else {
        return false;
    };
    let exe = exe.to_string_lossy();
    let exe = exe.strip_suffix(" (deleted)").unwrap_or(&exe);
    Path::new(exe) == recorder
}

/// Files under `/home` open for writing by the process.
fn written_files(proc_dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(fds) = std::fs::read_dir(proc_dir.join("fd")) else {
        return out;
    };
    for fd in fds.flatten() {
        let Ok(target) = std::fs::read_link(fd.path()) else {
            continue;
        };
        if !target.starts_with("/home/") {
            continue;
        }
        // fdinfo's flags are octal; O_ACCMODE is the low two bits.
        let info = std::fs::read_to_string(proc_dir.join("fdinfo").join(fd.file_name()))
            .unwrap_or_default();
        let writing = info
            .lines()
            .find_map(|l| l.strip_prefix("flags:"))
            .and_then(|f| u32::from_str_radix(f.trim(), 8).ok())
            .is_some_and(|f| f & 0o3 != 0);
        if writing {
            out.push(target);
        }
    }
    out.sort();
    out
}

/// Every live recorder running `recorder` (normally `PREFIX/bin/ttyrec`).
#[must_use]
pub fn recorders(recorder: &Path) -> Vec<Recorder> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in rd.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        let dir = e.path();
        if !is_recorder(&dir, recorder) {
            continue;
        }
        out.push(Recorder {
            pid,
            files: written_files(&dir),
        });
    }
    out.sort_by_key(|r| r.pid);
    out
}

/// The installed recorder.
#[must_use]
pub fn default_recorder() -> PathBuf {
    Path::new(osh_core::paths::PREFIX).join("bin/ttyrec")
}

/// Every file some live recorder writes.
#[must_use]
pub fn open_files(recorder: &Path) -> std::collections::BTreeSet<PathBuf> {
    recorders(recorder)
        .into_iter()
        .flat_map(|r| r.files)
        .collect()
}
