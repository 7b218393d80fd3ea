//! The few places where osh's processes hand things to each other below the
//! level of the standard library: descriptors inherited across `exec`, and
//! signals caught without dying so that a `close` event is always written.
#![allow(unsafe_code)]

use std::io::{Seek as _, Write as _};
use std::os::fd::{AsRawFd as _, BorrowedFd, FromRawFd as _, OwnedFd};
use std::sync::atomic::{AtomicI32, Ordering};

use nix::fcntl::{FcntlArg, FdFlag, fcntl};
use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, SigmaskHow, Signal};

/// Take a descriptor our parent left open for us (`--status-fd N`, N >= 3)
/// as a close-on-exec copy, closing the original, so that whatever we run
/// next does not inherit it.
#[must_use]
pub fn adopt_fd(raw: i32) -> Option<OwnedFd> {
    if raw < 3 {
        return None;
    }
    // SAFETY: our parent opened `raw` for us and nothing else in this process
    // owns it; it is only borrowed for the duplication below.
    let borrowed = unsafe { BorrowedFd::borrow_raw(raw) };
    let copy = fcntl(borrowed, FcntlArg::F_DUPFD_CLOEXEC(3)).ok()?;
    // SAFETY: as above; the original is ours to close and is not used again.
    drop(unsafe { OwnedFd::from_raw_fd(raw) });
    // SAFETY: F_DUPFD_CLOEXEC returned a new descriptor that nothing else owns.
    Some(unsafe { OwnedFd::from_raw_fd(copy) })
}

/// An anonymous in-memory file holding `contents`, rewound, that survives
/// `exec`: how osh hands a plan to the next program without putting it in
/// the command line (which every user can read in `ps`) or the environment
/// (limited to 128 KiB a variable).
pub fn inheritable_memfd(name: &str, contents: &[u8]) -> std::io::Result<OwnedFd> {
    let fd = nix::sys::memfd::memfd_create(name, nix::sys::memfd::MFdFlags::empty())?;
    let mut file = std::fs::File::from(fd);
    file.write_all(contents)?;
    file.rewind()?;
    let fd = OwnedFd::from(file);
    fcntl(&fd, FcntlArg::F_SETFD(FdFlag::empty()))?;
    Ok(fd)
}

/// The number of an [`OwnedFd`], to pass on a command line.
#[must_use]
pub fn raw(fd: &OwnedFd) -> i32 {
    fd.as_raw_fd()
}

static GOT: AtomicI32 = AtomicI32::new(0);

extern "C" fn record(sig: i32) {
    // Async-signal-safe: one atomic store, nothing else.
    GOT.store(sig, Ordering::SeqCst);
}

/// The signals that mean "the client went away or wants us to stop".
const ENDING: [Signal; 4] = [
    Signal::SIGHUP,
    Signal::SIGINT,
    Signal::SIGTERM,
    Signal::SIGPIPE,
];

fn ending_set() -> SigSet {
    let mut set = SigSet::empty();
    for s in ENDING {
        set.add(s);
    }
    set
}

/// Catch HUP, INT, TERM and PIPE so that a `close` event is still written when
/// the client goes away. No `SA_RESTART`: a blocked `waitpid` must return.
/// Children start with default dispositions, since exec resets caught signals,
/// and then unblocks them (see [`block_ending`]).
pub fn catch_ending() {
    let action = SigAction::new(
        SigHandler::Handler(record),
        SaFlags::empty(),
        SigSet::empty(),
    );
    for s in ENDING {
        // SAFETY: the handler only performs an atomic store.
        let _ = unsafe { nix::sys::signal::sigaction(s, &action) };
    }
    let _ = nix::sys::signal::sigprocmask(SigmaskHow::SIG_UNBLOCK, Some(&ending_set()), None);
}

/// Hold the ending signals back across an `exec`: the handlers are reset by
/// it, and a signal arriving before the next program catches them again
/// would kill it before it could write `close`. The mask survives `exec`;
/// [`catch_ending`] lifts it, and a signal that came meanwhile is delivered then.
pub fn block_ending() {
    let _ = nix::sys::signal::sigprocmask(SigmaskHow::SIG_BLOCK, Some(&ending_set()), None);
}

/// The last ending signal caught, if any.
#[must_use]
pub fn caught() -> Option<Signal> {
    Signal::try_from(GOT.load(Ordering::SeqCst)).ok()
}

/// Make `cmd`'s process get `sig` when this process dies, however it dies
/// (SIGKILL included): a session never goes on without the parent that will
/// log its end.
pub fn end_with_parent(cmd: &mut std::process::Command, sig: Signal) {
    use std::os::unix::process::CommandExt as _;
    let parent = nix::unistd::getpid();
    // SAFETY: runs in the forked child before exec and only makes
    // async-signal-safe calls (prctl, getppid).
    unsafe {
        cmd.pre_exec(move || {
            if nix::libc::prctl(nix::libc::PR_SET_PDEATHSIG, sig as nix::libc::c_ulong) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            // Our parent may have died before the prctl: nobody would signal us.
            if nix::unistd::getppid() != parent {
                return Err(std::io::Error::other("the parent is gone"));
            }
            Ok(())
        });
    }
}

/// The start time of process `pid` (clock ticks since boot, field 22 of
/// `/proc/PID/stat`): with the pid, it names one process, not whichever
/// reuses the number later.
#[must_use]
pub fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces.
    let after = stat.rsplit_once(')')?.1;
    after.split_whitespace().nth(19)?.parse().ok()
}
