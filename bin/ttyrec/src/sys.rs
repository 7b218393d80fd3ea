//! What needs `unsafe`: the child's set-up between fork and exec, and the
//! terminal size ioctls. Kept here, small, so the rest of the recorder is safe.
#![allow(unsafe_code)]

use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::process::CommandExt as _;
use std::process::{Child, Command, Stdio};

use nix::libc;
use nix::sys::signal::{
    SaFlags, SigAction, SigHandler, SigSet, SigmaskHow, Signal, sigaction, sigprocmask,
};

/// Start `argv` in a new session, with default signal handling. With a pty
/// `slave`, it becomes the child's stdin/stdout/stderr and controlling terminal
/// (stdout a pipe instead with `pipe_stdout`).
pub fn spawn(
    argv: &[String],
    slave: Option<&OwnedFd>,
    pipe_stdout: bool,
) -> std::io::Result<Child> {
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..]);
    match slave {
        Some(fd) => {
            cmd.stdin(Stdio::from(fd.try_clone()?))
                .stdout(if pipe_stdout {
                    Stdio::piped()
                } else {
                    Stdio::from(fd.try_clone()?)
                })
                .stderr(Stdio::from(fd.try_clone()?));
        }
        None => {
            cmd.stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
        }
    }
    let with_tty = slave.is_some();
    let recorder = nix::unistd::getpid();
    // SAFETY: runs in the forked child before exec and only makes
    // async-signal-safe calls (sigaction, sigprocmask, prctl, getppid, setsid, ioctl).
    unsafe {
        cmd.pre_exec(move || {
            // Whatever we inherited (`nohup` ignores SIGHUP, a service manager
            // may ignore more) and whatever we block for our signalfd, the
            // command starts with every signal at its default.
            let dfl = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
            for sig in
                Signal::iterator().filter(|s| !matches!(s, Signal::SIGKILL | Signal::SIGSTOP))
            {
                sigaction(sig, &dfl)?;
            }
            sigprocmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None)?;
            // If the recorder dies (even by SIGKILL), the command must not go on
            // unrecorded: the kernel kills it, with a signal it cannot ignore.
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The recorder may have died before the line above: then nobody
            // would ever send that signal.
            if nix::unistd::getppid() != recorder {
                return Err(std::io::Error::other("the recorder is gone"));
            }
            nix::unistd::setsid()?;
            if with_tty && libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.spawn()
}

/// The size of the terminal on `fd`, as (cols, rows).
pub fn winsize(fd: BorrowedFd<'_>) -> Option<(u16, u16)> {
    let mut ws = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes one winsize into the struct we own.
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCGWINSZ, &raw mut ws) };
    (rc == 0 && ws.ws_col > 0).then_some((ws.ws_col, ws.ws_row))
}

/// Set the terminal size of `fd` (the pty master).
pub fn set_winsize(fd: BorrowedFd<'_>, cols: u16, rows: u16) {
    let ws = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCSWINSZ reads one winsize from the struct we own.
    let _ = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCSWINSZ, &raw const ws) };
}
