//! `osh-rotate-ttyrec`: ask live recorders to start a new segment.
//!
//! The recorder rotates on SIGUSR1 before its next frame: the old segment is
//! closed (and sealed) whole, the new one starts with the next byte, so a
//! rotation never loses or repeats output. Several signals before it gets
//! to them are one rotation.

use std::path::PathBuf;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::live;

/// The Bastion's threshold for `--big-only`: 100,000,000 bytes.
pub const BIG_BYTES: u64 = 100_000_000;

#[derive(Debug, Clone)]
pub struct Options {
    /// Only recorders whose current segment is larger than `threshold`.
    pub big_only: bool,
    pub threshold: u64,
    pub dry_run: bool,
    /// The recorder binary whose processes are ours.
    pub recorder: PathBuf,
}

/// What one pass did.
#[derive(Debug, Default, Clone)]
pub struct Pass {
    pub live: usize,
    pub rotated: Vec<(i32, PathBuf, u64)>,
    pub failed: Vec<(i32, String)>,
}

/// Signal every live recorder (or with `big_only` only the big ones).
#[must_use]
pub fn run(opts: &Options) -> Pass {
    let mut pass = Pass::default();
    for r in live::recorders(&opts.recorder) {
        pass.live += 1;
        let (file, size) = match r.current() {
            Some((f, s)) => (f.to_path_buf(), s),
            None => (PathBuf::new(), 0),
        };
        if opts.big_only && size <= opts.threshold {
            continue;
        }
        if !opts.dry_run
            && let Err(e) = kill(Pid::from_raw(r.pid), Signal::SIGUSR1)
        {
            // It may have ended between the listing and the signal.
            pass.failed.push((r.pid, e.to_string()));
            continue;
        }
        pass.rotated.push((r.pid, file, size));
    }
    pass
}
