//! File writes with the guarantees the bastion's files need, written once:
//! a file that decides who logs in or where they go is replaced whole or not
//! at all, reaches the disk before it counts, never appears with the wrong
//! owner or mode, and a failure says which path.

use std::fs::File;
use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::Path;

use crate::reply::{Reply, Result};

/// Attach the path to an I/O error: "I/O error" alone never says which file.
pub trait At<T> {
    /// `ERR_IO` naming `path`.
    fn at(self, path: &Path) -> Result<T>;
}

impl<T> At<T> for std::io::Result<T> {
    fn at(self, path: &Path) -> Result<T> {
        self.map_err(|e| Reply::new(crate::Code::ERR_IO, format!("{}: {e}", path.display())))
    }
}

/// Replace `path` with `content` atomically: a temporary file in the same
/// directory, with `mode` (and owner, if given) set before it has content,
/// synced, renamed over `path`, and the directory synced. The temporary file
/// is removed on any failure; `path` is then untouched.
pub fn write_atomic(
    path: &Path,
    content: &[u8],
    owner: Option<(u32, u32)>,
    mode: u32,
) -> Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| Reply::internal(format!("{}: no directory", path.display())))?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Reply::internal(format!("{}: bad file name", path.display())))?;
    let tmp = dir.join(format!(".{name}.tmp.{}", std::process::id()));
    let result = (|| -> Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)
            .at(&tmp)?;
        f.set_permissions(std::fs::Permissions::from_mode(mode))
            .at(&tmp)?;
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::fchown(&f, Some(uid), Some(gid)).at(&tmp)?;
        }
        f.write_all(content).at(&tmp)?;
        f.sync_all().at(&tmp)?;
        std::fs::rename(&tmp, path).at(path)?;
        // The rename itself must survive a crash too.
        File::open(dir).and_then(|d| d.sync_all()).at(dir)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// An exclusive lock on `path` (created 0600 if missing), held until the
/// returned guard is dropped. `wait: false` fails at once with `busy` (the
/// error to report) instead of waiting for the holder.
pub fn lock(
    path: &Path,
    wait: bool,
    busy: impl FnOnce() -> Reply,
) -> Result<nix::fcntl::Flock<File>> {
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(path)
        .at(path)?;
    let how = if wait {
        nix::fcntl::FlockArg::LockExclusive
    } else {
        nix::fcntl::FlockArg::LockExclusiveNonblock
    };
    nix::fcntl::Flock::lock(f, how).map_err(|(_, e)| {
        if e == nix::errno::Errno::EWOULDBLOCK {
            busy()
        } else {
            Reply::new(
                crate::Code::ERR_IO,
                format!("{}: can't lock: {e}", path.display()),
            )
        }
    })
}

/// Append `data` to `path` (created with `mode` if missing) and sync it.
pub fn append_synced(path: &Path, data: &[u8], mode: u32) -> Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(mode)
        .open(path)
        .at(path)?;
    f.write_all(data).at(path)?;
    f.sync_all().at(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_writes_replace_whole_with_the_mode_and_leave_nothing_behind() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("authorized_keys2");
        std::fs::write(&p, "old\n").unwrap();
        write_atomic(&p, b"new\n", None, 0o640).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new\n");
        let mode = std::fs::metadata(&p).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
        // A failure names the path and changes nothing.
        let missing = d.path().join("no/such/dir/file");
        let e = write_atomic(&missing, b"x", None, 0o600).unwrap_err();
        assert_eq!(e.code, "ERR_IO");
        assert!(e.msg.contains("no/such/dir"), "{}", e.msg);
    }

    #[test]
    fn appends_are_synced_and_io_errors_name_the_path() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("allowed.private");
        append_synced(&p, b"a\n", 0o644).unwrap();
        append_synced(&p, b"b\n", 0o644).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "a\nb\n");
        let e = std::fs::read(d.path().join("nope"))
            .at(&d.path().join("nope"))
            .unwrap_err();
        assert!(e.msg.contains("nope"), "{}", e.msg);
    }
}
