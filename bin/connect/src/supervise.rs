//! The waiting itself: start the recorder, wait, pass an ending signal on
//! once, and always come back with how the session ended, so that the `close`
//! event is written whatever happens.

use std::io::Read as _;
use std::os::fd::{AsRawFd as _, OwnedFd};
use std::process::Command;

use nix::fcntl::{FcntlArg, FdFlag, OFlag, fcntl};
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::Pid;
use osh_core::sys;
use serde_json::Value;

/// How a supervised child ended.
#[derive(Debug)]
pub struct Outcome {
    /// Its exit code (128+N if killed by signal N, -1 if it could not be waited for).
    pub code: i32,
    /// The signal that killed the recorder itself, if one did.
    pub recorder_killed: Option<Signal>,
    /// The signal osh itself received meanwhile, if any.
    pub signal: Option<Signal>,
    /// What the recorder reported on its status pipe.
    pub status: Option<Value>,
}

impl Outcome {
    /// The `comment_close` of the session, from the recorder's report and what
    /// osh saw itself: empty for a normal end.
    #[must_use]
    pub fn comment(&self) -> String {
        let reason = self.status.as_ref().and_then(|s| s["reason"].as_str());
        let detail = self
            .status
            .as_ref()
            .and_then(|s| s["detail"].as_str())
            .unwrap_or("");
        match (reason, self.signal) {
            (Some("ttyrec_error"), _) => format!("ttyrec_error {detail}"),
            (Some("idle_kill"), _) => "idle_kill".into(),
            (_, Some(_)) => "got_signal".into(),
            (Some("exit"), None) => String::new(),
            (Some(other), None) => other.into(),
            (None, None) => "ttyrec_error the recorder gave no status".into(),
        }
    }

    /// The signal that ended the session, for `close`: the one osh-connect
    /// received (the client went away), else the one that killed the command
    /// (as the recorder saw it) or the recorder.
    #[must_use]
    pub fn ending_signal(&self) -> Option<String> {
        self.signal
            .map(|s| s.as_str().to_owned())
            .or_else(|| {
                self.status
                    .as_ref()
                    .and_then(|s| s["signal"].as_str())
                    .map(str::to_owned)
            })
            .or_else(|| self.recorder_killed.map(|s| s.as_str().to_owned()))
    }

    /// The first bytes the session showed, as the recorder reported them.
    #[must_use]
    pub fn head(&self) -> &str {
        self.status
            .as_ref()
            .and_then(|s| s["head"].as_str())
            .unwrap_or("")
    }
}

/// A pipe whose write end the recorder inherits (`--status-fd N`).
pub struct StatusPipe {
    read: OwnedFd,
    write: Option<OwnedFd>,
}

impl StatusPipe {
    /// A new pipe; only the write end survives exec.
    pub fn new() -> std::io::Result<Self> {
        let (read, write) = nix::unistd::pipe2(OFlag::O_CLOEXEC)?;
        fcntl(&write, FcntlArg::F_SETFD(FdFlag::empty()))?;
        Ok(Self {
            read,
            write: Some(write),
        })
    }

    /// The descriptor number to pass as `--status-fd`.
    pub fn fd(&self) -> Option<i32> {
        self.write.as_ref().map(|w| w.as_raw_fd())
    }
}

/// Spawn `cmd` and wait for it as described above.
pub fn run(mut cmd: Command, mut status: Option<StatusPipe>) -> std::io::Result<Outcome> {
    let child = cmd.spawn()?;
    // Our copy of the write end must go, or the read below would never see EOF.
    if let Some(s) = status.as_mut() {
        s.write = None;
    }
    let pid = Pid::from_raw(i32::try_from(child.id()).unwrap_or(0));
    let mut forwarded = false;
    let mut recorder_killed = None;
    let code = loop {
        match waitpid(pid, None) {
            Ok(WaitStatus::Exited(_, code)) => break code,
            Ok(WaitStatus::Signaled(_, sig, _)) => {
                recorder_killed = Some(sig);
                break 128 + sig as i32;
            }
            Ok(_) => {}
            Err(nix::errno::Errno::EINTR) => {
                // The client went away or asked us to stop: pass it on, once,
                // then keep waiting so that close carries the real outcome.
                if let Some(sig) = sys::caught()
                    && !forwarded
                {
                    forwarded = true;
                    let _ = kill(
                        pid,
                        if sig == Signal::SIGPIPE {
                            Signal::SIGHUP
                        } else {
                            sig
                        },
                    );
                }
            }
            Err(_) => break -1,
        }
    };
    let status = status.and_then(|s| {
        let mut text = String::new();
        std::fs::File::from(s.read).read_to_string(&mut text).ok()?;
        serde_json::from_str(text.trim()).ok()
    });
    Ok(Outcome {
        code,
        recorder_killed,
        signal: sys::caught(),
        status,
    })
}
