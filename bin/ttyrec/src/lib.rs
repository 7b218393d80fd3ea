//! `ttyrec`: osh's session recorder.
//!
//! It runs a command on a pseudo-terminal (or on pipes, without a terminal) and
//! records everything the command outputs as ttyrec frames. One process, one
//! poll loop, no threads: signals arrive through a signalfd, so nothing runs
//! between a fork and an exec but the child's own set-up.
//!
//! Recording fails closed: each frame is written to the file before it is
//! forwarded (zstd mode: into the compressor, flushed at least every
//! `--max-flush-time`), and if a frame cannot be written -- disk full, I/O
//! error, the file deleted under us -- the session ends with a message, and
//! the reason is written to `--status-file` for osh's `close` event.

mod opts;
mod seal;
mod sys;

use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::PathBuf;
use std::process::{Child, ExitCode};
use std::time::{Duration, Instant};

use nix::fcntl::{FcntlArg, OFlag, fcntl};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{SigSet, SigmaskHow, Signal, kill, sigprocmask};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::termios::{self, SetArg};
use nix::unistd::Pid;

pub use opts::{Options, TtyMode, parse};
pub use osh_ttyrec::writer::{Recording, Settings, expand};

/// Exit code when the command could not be started with a recording.
pub const EXIT_NO_RECORDING: u8 = 126;

/// Output is gathered up to this much per frame: a pty hands out at most a few
/// KiB per read, and one frame plus one forward per read would triple the
/// syscalls on bulk output. As large as the pipes we enlarge (1 MiB), so one
/// wake-up empties them: measured 3% faster than 256 KiB on bulk output. The
/// pages are only touched (resident) once a session's output is that bulky.
const BUF: usize = 1024 * 1024;

/// Read what `fd` has right now, up to `buf`'s size. `Ok(0)` is end of file.
fn drain(fd: BorrowedFd<'_>, buf: &mut [u8]) -> nix::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match nix::unistd::read(fd, &mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(nix::errno::Errno::EAGAIN) if n > 0 => break,
            Err(nix::errno::Errno::EIO) if n > 0 => break,
            Err(nix::errno::Errno::EINTR) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// How the session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum End {
    /// The command exited with this code (128+N for a signal).
    Exited(i32),
    /// The client went away (our stdout's reader is gone): the command was ended.
    ClientGone,
    /// Recording failed: the session was ended.
    RecordFailed(String),
    /// Idle for too long.
    IdleKill,
    /// We were asked to stop (HUP, TERM, INT, QUIT) or our output went away.
    Stopped(String),
}

fn set_nonblocking(fd: BorrowedFd<'_>) {
    if let Ok(flags) = fcntl(fd, FcntlArg::F_GETFL) {
        let _ = fcntl(
            fd,
            FcntlArg::F_SETFL(OFlag::from_bits_truncate(flags) | OFlag::O_NONBLOCK),
        );
    }
}

fn write_all_fd(fd: BorrowedFd<'_>, mut data: &[u8]) -> io::Result<()> {
    while !data.is_empty() {
        match nix::unistd::write(fd, data) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => data = &data[n..],
            Err(nix::errno::Errno::EINTR) => {}
            Err(nix::errno::Errno::EAGAIN) => {
                // A non-blocking peer is full: wait until it drains.
                let mut pfd = [PollFd::new(fd, PollFlags::POLLOUT)];
                let _ = poll(&mut pfd, PollTimeout::NONE);
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Move what the command printed on `from` to `to`, recorded first unless
/// `record` is false. `Ok(false)` once `from` is at its end.
fn pump(
    s: &mut Session<'_>,
    from: BorrowedFd<'_>,
    buf: &mut [u8],
    record: bool,
    to: BorrowedFd<'_>,
) -> Result<bool, End> {
    match drain(from, buf) {
        Ok(0) | Err(nix::errno::Errno::EIO) => Ok(false),
        Ok(n) => s.output(&buf[..n], record, to).map(|()| true),
        Err(nix::errno::Errno::EAGAIN | nix::errno::Errno::EINTR) => Ok(true),
        Err(e) => Err(End::Stopped(format!("read: {e}"))),
    }
}

fn status_of(code: Option<i32>, signal: Option<i32>) -> i32 {
    code.unwrap_or_else(|| 128 + signal.unwrap_or(0))
}

/// Everything the loop juggles.
struct Session<'a> {
    opts: &'a Options,
    rec: Recording,
    child: Child,
    pgid: Pid,
    tty: bool,
    locked: bool,
    last_input: Instant,
    warned_lock: bool,
    warned_kill: bool,
    /// The first bytes shown, for the status: what the command said first
    /// tells osh-connect why an ssh failed, without decoding the recording.
    head: Vec<u8>,
}

/// How much of the start of the output the status carries.
const HEAD: usize = 2000;

impl Session<'_> {
    fn say(&self, msg: &str) {
        let text = if self.tty {
            format!("\r\n{}\r\n", msg.replace('\n', "\r\n"))
        } else {
            format!("{msg}\n")
        };
        let _ = io::stderr().write_all(text.as_bytes());
    }

    /// End the command's whole process group (SIGHUP, then SIGKILL after two
    /// seconds); returns the signal it died of, if it did of one.
    fn kill_command(&mut self) -> Option<Signal> {
        let _ = kill(Pid::from_raw(-self.pgid.as_raw()), Signal::SIGHUP);
        let deadline = Instant::now() + Duration::from_secs(2);
        let mut status = None;
        while Instant::now() < deadline {
            if let Ok(Some(st)) = self.child.try_wait() {
                status = Some(st);
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = kill(Pid::from_raw(-self.pgid.as_raw()), Signal::SIGKILL);
        if status.is_none() {
            let _ = self.child.kill();
            status = self.child.wait().ok();
        }
        status
            .and_then(|st| std::os::unix::process::ExitStatusExt::signal(&st))
            .and_then(|n| Signal::try_from(n).ok())
    }

    /// Record then forward one chunk of output; an error ends the session.
    fn output(&mut self, data: &[u8], record: bool, to: BorrowedFd<'_>) -> Result<(), End> {
        if self.locked {
            return Ok(());
        }
        if record {
            self.rec
                .frame(data)
                .map_err(|e| End::RecordFailed(e.to_string()))?;
        }
        if self.head.len() < HEAD {
            let n = data.len().min(HEAD - self.head.len());
            self.head.extend_from_slice(&data[..n]);
        }
        write_all_fd(to, data).map_err(|e| End::Stopped(format!("output closed: {e}")))
    }

    /// Idle lock and kill, with their warnings. Returns how long until the next deadline.
    fn idle(&mut self) -> Result<Option<Duration>, End> {
        let idle = self.last_input.elapsed();
        let o = self.opts;
        let mut next: Option<Duration> = None;
        let mut consider = |at: u64, done: bool| {
            if at > 0 && !done {
                let d = Duration::from_secs(at).saturating_sub(idle);
                next = Some(next.map_or(d, |n| n.min(d)));
            }
        };
        if o.kill_after > 0 {
            if idle >= Duration::from_secs(o.kill_after) {
                self.say(&format!(
                    "*** Idle for {} seconds: this session is ended. ***",
                    o.kill_after
                ));
                return Err(End::IdleKill);
            }
            let warn_at = o.kill_after.saturating_sub(o.warn_kill);
            if o.warn_kill > 0 && idle >= Duration::from_secs(warn_at) && !self.warned_kill {
                self.warned_kill = true;
                self.say(&format!(
                    "*** This session will be ended in {} seconds if idle. ***",
                    o.warn_kill
                ));
            }
            consider(if o.warn_kill > 0 { warn_at } else { 0 }, self.warned_kill);
            consider(o.kill_after, false);
        }
        // Locking needs a terminal to lock; without one it is ignored, as ovh-ttyrec does.
        if self.tty && o.lock_after > 0 && !self.locked {
            if idle >= Duration::from_secs(o.lock_after) {
                self.lock();
            } else {
                let warn_at = o.lock_after.saturating_sub(o.warn_lock);
                if o.warn_lock > 0 && idle >= Duration::from_secs(warn_at) && !self.warned_lock {
                    self.warned_lock = true;
                    self.say(&format!(
                        "*** This session will be locked in {} seconds if idle. ***",
                        o.warn_lock
                    ));
                }
                consider(if o.warn_lock > 0 { warn_at } else { 0 }, self.warned_lock);
                consider(o.lock_after, false);
            }
        }
        Ok(next)
    }

    fn lock(&mut self) {
        if !self.tty || self.locked {
            return;
        }
        self.locked = true;
        let _ = io::stdout()
            .write_all(format!("\x1b[H\x1b[2J{}\r\n", self.opts.lock_message).as_bytes());
        let _ = io::stdout().flush();
    }

    fn unlock(&mut self) {
        if !self.locked {
            return;
        }
        self.locked = false;
        self.last_input = Instant::now();
        self.warned_lock = false;
        self.say("*** Session unlocked. ***");
        // Let full-screen programs redraw.
        let _ = kill(Pid::from_raw(-self.pgid.as_raw()), Signal::SIGWINCH);
    }
}

/// What the status reports besides the end: the files, the recorded size,
/// the first bytes shown.
#[derive(Default)]
struct Report<'a> {
    files: &'a [PathBuf],
    bytes: u64,
    head: &'a [u8],
    /// The signal that killed the command, if one did.
    signal: Option<Signal>,
}

fn write_status(opts: &Options, end: &End, r: &Report<'_>, status_fd: Option<&OwnedFd>) {
    let (reason, detail, exit) = match end {
        End::Exited(c) => ("exit", String::new(), *c),
        End::RecordFailed(d) => ("ttyrec_error", d.clone(), -1),
        End::IdleKill => ("idle_kill", String::new(), -1),
        End::ClientGone => ("client_gone", String::new(), -1),
        End::Stopped(d) => ("stopped", d.clone(), -1),
    };
    // Our own CPU, without the command's: what recording costs.
    let (user_ms, sys_ms) = nix::sys::resource::getrusage(
        nix::sys::resource::UsageWho::RUSAGE_SELF,
    )
    .map_or((0, 0), |u| {
        let ms = |t: nix::sys::time::TimeVal| t.tv_sec() * 1000 + t.tv_usec() / 1000;
        (ms(u.user_time()), ms(u.system_time()))
    });
    let v = serde_json::json!({
        "reason": reason, "detail": detail, "exit": exit, "files": r.files, "bytes": r.bytes,
        "cpu_user_ms": user_ms, "cpu_sys_ms": sys_ms, "head": String::from_utf8_lossy(r.head),
        "signal": r.signal.map(Signal::as_str),
    });
    if let Some(path) = &opts.status_file {
        let _ = std::fs::write(path, format!("{v}\n"));
    }
    if let Some(fd) = status_fd {
        let _ = write_all_fd(fd.as_fd(), format!("{v}\n").as_bytes());
    }
}

/// The recorder's `main`.
#[must_use]
pub fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opts = match opts::parse(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("ttyrec: {e}");
            return ExitCode::from(EXIT_NO_RECORDING);
        }
    };
    let code = run(&opts);
    ExitCode::from(u8::try_from(code.clamp(0, 255)).unwrap_or(255))
}

/// A started session: the recording open, the command running, and what
/// the loop reads and writes.
struct Running<'a> {
    s: Session<'a>,
    status: Option<OwnedFd>,
    sigfd: SignalFd,
    master: Option<OwnedFd>,
    child_in: Option<OwnedFd>,
    child_out: Option<OwnedFd>,
    child_err: Option<OwnedFd>,
    /// Our terminal's settings before raw mode, put back by [`finish`].
    saved: Option<termios::Termios>,
    /// Per source (stdout pipe, stderr pipe, terminal), whether it can still be read.
    open: Vec<bool>,
    stdin_open: bool,
    exited: Option<i32>,
    killed_by: Option<Signal>,
    buf: Vec<u8>,
}

/// Start a session: status descriptor, signals, the recording (no
/// recording, no session: the command is not even started), the terminal,
/// the command. `Err` is the exit code when it could not start.
fn start(opts: &Options) -> Result<Running<'_>, i32> {
    // Taken first, and close-on-exec, so the recorded command never inherits it.
    let status = opts.status_fd.and_then(osh_core::sys::adopt_fd);
    let stdin = io::stdin();
    let stdin_fd = stdin.as_fd();
    let stdin_tty = nix::unistd::isatty(stdin_fd).unwrap_or(false);
    let tty = match opts.tty {
        TtyMode::Always => true,
        TtyMode::Never => false,
        TtyMode::Auto => stdin_tty,
    };
    let mut mask = SigSet::empty();
    for s in [
        Signal::SIGCHLD,
        Signal::SIGWINCH,
        Signal::SIGUSR1,
        Signal::SIGUSR2,
        Signal::SIGURG,
        Signal::SIGHUP,
        Signal::SIGTERM,
        Signal::SIGINT,
        Signal::SIGQUIT,
        Signal::SIGPIPE,
    ] {
        mask.add(s);
    }
    if let Err(e) = sigprocmask(SigmaskHow::SIG_BLOCK, Some(&mask), None) {
        eprintln!("ttyrec: can't block signals: {e}");
        return Err(i32::from(EXIT_NO_RECORDING));
    }
    let Ok(sigfd) = SignalFd::with_flags(&mask, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)
    else {
        eprintln!("ttyrec: can't create a signalfd");
        return Err(i32::from(EXIT_NO_RECORDING));
    };
    // A terminal without a size (or none at all, with -T always) gets the classic 80x24.
    let size = if stdin_tty {
        sys::winsize(stdin_fd)
    } else {
        None
    }
    .or(tty.then_some((80, 24)));
    let settings = Settings {
        zstd: opts.zstd.then_some(opts.level),
        max_flush: Duration::from_secs(opts.max_flush),
        rotate_size: opts.rotate_size,
        rotate_age: Duration::from_secs(opts.rotate_age),
        template: opts.template.clone(),
        checkpoint_every: Duration::from_secs(opts.checkpoint_seconds),
        checkpoint_bytes: opts.checkpoint_bytes,
    };
    let sealer = opts.seal.as_ref().map(|program| {
        Box::new(seal::Keeper::new(program, &opts.uniqid, &opts.target))
            as Box<dyn osh_ttyrec::writer::Sealer>
    });
    // No recording, no session: the command is not even started.
    let rec = match Recording::open_sealed(PathBuf::from(&opts.file), settings, size, sealer) {
        Ok(r) => r,
        Err(e) => {
            eprintln!(
                "ttyrec: can't record to {}: {e}; the session is not started",
                opts.file
            );
            write_status(
                opts,
                &End::RecordFailed(e.to_string()),
                &Report::default(),
                status.as_ref(),
            );
            return Err(i32::from(EXIT_NO_RECORDING));
        }
    };
    let (master, spawned) = if tty {
        let ws = size.map(|(c, r)| nix::pty::Winsize {
            ws_col: c,
            ws_row: r,
            ws_xpixel: 0,
            ws_ypixel: 0,
        });
        let pty = match nix::pty::openpty(ws.as_ref(), None) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("ttyrec: can't open a pty: {e}");
                return Err(i32::from(EXIT_NO_RECORDING));
            }
        };
        let child = sys::spawn(&opts.command, Some(&pty.slave), opts.pipe_stdout);
        drop(pty.slave);
        (Some(pty.master), child)
    } else {
        (None, sys::spawn(&opts.command, None, false))
    };
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ttyrec: can't run {}: {e}", opts.command[0]);
            let files = rec.finish().unwrap_or_default();
            let r = Report {
                files: &files,
                ..Report::default()
            };
            write_status(opts, &End::Exited(127), &r, status.as_ref());
            return Err(127);
        }
    };
    let pgid = Pid::from_raw(i32::try_from(child.id()).unwrap_or(0));
    // Raw mode on our terminal, restored whatever happens below.
    let saved = if tty && stdin_tty {
        termios::tcgetattr(stdin_fd).ok()
    } else {
        None
    };
    if let Some(t) = &saved {
        let mut raw = t.clone();
        termios::cfmakeraw(&mut raw);
        let _ = termios::tcsetattr(stdin_fd, SetArg::TCSANOW, &raw);
    }
    let child_in: Option<OwnedFd> = child.stdin.take().map(OwnedFd::from);
    let child_out: Option<OwnedFd> = child.stdout.take().map(OwnedFd::from);
    let child_err: Option<OwnedFd> = child.stderr.take().map(OwnedFd::from);
    for fd in [&master, &child_out, &child_err].into_iter().flatten() {
        set_nonblocking(fd.as_fd());
    }
    // Larger pipes: fewer wake-ups on bulk transfers, and our own output
    // (sshd's pipe, 64 KiB by default) takes a whole chunk without making us
    // wait for sshd to drain it (best effort; a terminal or socket is left).
    for fd in [&child_out, &child_err].into_iter().flatten() {
        let _ = fcntl(fd.as_fd(), FcntlArg::F_SETPIPE_SZ(1 << 20));
    }
    for fd in [io::stdout().as_fd(), io::stderr().as_fd()] {
        let _ = fcntl(fd, FcntlArg::F_SETPIPE_SZ(1 << 20));
    }
    let s = Session {
        opts,
        rec,
        child,
        pgid,
        tty,
        locked: false,
        last_input: Instant::now(),
        warned_lock: false,
        warned_kill: false,
        head: Vec::new(),
    };
    let open = vec![child_out.is_some(), child_err.is_some(), master.is_some()];
    Ok(Running {
        s,
        status,
        sigfd,
        master,
        child_in,
        child_out,
        child_err,
        saved,
        open,
        stdin_open: true,
        exited: None,
        killed_by: None,
        buf: vec![0u8; BUF],
    })
}

/// Run a session to its end: the exit code.
fn run(opts: &Options) -> i32 {
    let mut r = match start(opts) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let end = loop {
        if let Some(end) = step(&mut r) {
            break end;
        }
    };
    finish(r, end)
}

/// One wake-up of the session: read what is ready, record it, show it;
/// `Some` once the session is over.
#[allow(clippy::too_many_lines)]
fn step(r: &mut Running<'_>) -> Option<End> {
    let stdin = io::stdin();
    let stdin_fd = stdin.as_fd();
    let stdout = io::stdout();
    let stderr = io::stderr();
    // Split borrows: the sources are read while the session is written.
    let Running {
        s,
        sigfd,
        master,
        child_in,
        child_out,
        child_err,
        open,
        stdin_open,
        exited,
        killed_by,
        buf,
        ..
    } = r;
    let opts = s.opts;
    // What the command prints: its stdout pipe (pipe mode, or
    // --pipe-stdout), its stderr pipe (pipe mode), the terminal; each with
    // whether it is recorded and whether it goes to our stderr. In tty mode
    // everything is one stream, recorded. The pipes come before the terminal:
    // with --pipe-stdout, ssh's last output is on its stdout pipe when its
    // closing words ("Connection to ... closed.") reach the terminal, and
    // both are ready in the same wake-up; read in this order, they are shown
    // and recorded in the order they were written. Always three entries
    // (as `open`), `None` for what this session does not have.
    let sources: [Option<(BorrowedFd<'_>, bool, bool)>; 3] = [
        child_out
            .as_ref()
            .map(|o| (o.as_fd(), s.tty || !opts.stealth_stdout, false)),
        child_err
            .as_ref()
            .map(|e| (e.as_fd(), !opts.stealth_stderr, true)),
        master.as_ref().map(|m| (m.as_fd(), true, false)),
    ];
    if exited.is_some() && !open.contains(&true) {
        return Some(End::Exited(exited.unwrap_or(0)));
    }
    let idle_next = match s.idle() {
        Ok(n) => n,
        Err(e) => return Some(e),
    };
    let flush_next = s.rec.next_flush();
    let wait = match (idle_next, flush_next, *exited) {
        // The command is gone: read what is left, but don't wait for writers that may never close.
        (_, _, Some(_)) => Some(Duration::from_millis(50)),
        (a, b, None) => match (a, b) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        },
    };
    let timeout = wait.map_or(PollTimeout::NONE, |d| {
        PollTimeout::try_from(d.max(Duration::from_millis(1))).unwrap_or(PollTimeout::MAX)
    });
    let mut fds = vec![PollFd::new(sigfd.as_fd(), PollFlags::POLLIN)];
    let stdin_idx = (*stdin_open && exited.is_none()).then(|| {
        fds.push(PollFd::new(stdin_fd, PollFlags::POLLIN));
        fds.len() - 1
    });
    // No events asked: poll still reports POLLERR/POLLHUP once the
    // reader of our output (sshd, for the client) is gone, which is the
    // only sign a client that vanished during a silent command leaves.
    let out_idx = {
        fds.push(PollFd::new(stdout.as_fd(), PollFlags::empty()));
        fds.len() - 1
    };
    let source_idx: Vec<Option<usize>> = sources
        .iter()
        .zip(open.iter())
        .map(|(src, &is_open)| {
            src.filter(|_| is_open).map(|(fd, _, _)| {
                fds.push(PollFd::new(fd, PollFlags::POLLIN));
                fds.len() - 1
            })
        })
        .collect();
    match poll(&mut fds, timeout) {
        Ok(0) if exited.is_some() => {
            // Nothing more within the grace period: done.
            open.fill(false);
            return None;
        }
        Ok(_) | Err(nix::errno::Errno::EINTR) => {}
        Err(e) => return Some(End::Stopped(format!("poll: {e}"))),
    }
    let ready = |i: Option<usize>| {
        i.and_then(|i| fds[i].revents()).is_some_and(|r| {
            r.intersects(PollFlags::POLLIN | PollFlags::POLLHUP | PollFlags::POLLERR)
        })
    };
    let (sig_ready, in_ready) = (ready(Some(0)), ready(stdin_idx));
    let client_gone = fds[out_idx]
        .revents()
        .is_some_and(|r| r.intersects(PollFlags::POLLHUP | PollFlags::POLLERR));
    let sources_ready: Vec<bool> = source_idx.iter().map(|&i| ready(i)).collect();
    drop(fds);
    if client_gone && exited.is_none() {
        return Some(End::ClientGone);
    }
    for (i, src) in sources.iter().enumerate() {
        let Some((fd, record, to_stderr)) = *src else {
            continue;
        };
        if !sources_ready[i] {
            continue;
        }
        let to = if to_stderr {
            stderr.as_fd()
        } else {
            stdout.as_fd()
        };
        match pump(s, fd, buf, record, to) {
            Ok(still) => open[i] = still,
            Err(e) => return Some(e),
        }
    }
    if in_ready {
        match stdin.lock().read(buf) {
            Ok(0) | Err(_) => {
                *stdin_open = false;
                // No more input: the command sees end of file (pipes) or keeps its terminal.
                *child_in = None;
            }
            Ok(n) => {
                s.last_input = Instant::now();
                s.warned_kill = false;
                s.warned_lock = false;
                if !s.locked {
                    let target = master.as_ref().or(child_in.as_ref()).map(AsFd::as_fd);
                    if let Some(fd) = target
                        && write_all_fd(fd, &buf[..n]).is_err()
                    {
                        *child_in = None;
                    }
                }
            }
        }
    }
    if sig_ready {
        while let Ok(Some(info)) = sigfd.read_signal() {
            let Ok(sig) = Signal::try_from(i32::try_from(info.ssi_signo).unwrap_or(0)) else {
                continue;
            };
            match sig {
                Signal::SIGCHLD => {
                    if let Ok(Some(st)) = s.child.try_wait() {
                        let sig = std::os::unix::process::ExitStatusExt::signal(&st);
                        *killed_by = sig.and_then(|n| Signal::try_from(n).ok());
                        *exited = Some(status_of(st.code(), sig));
                    }
                }
                Signal::SIGWINCH => {
                    if let (Some(m), Some((c, r))) = (master.as_ref(), sys::winsize(stdin_fd)) {
                        sys::set_winsize(m.as_fd(), c, r);
                        if let Err(e) = s.rec.resize(c, r) {
                            return Some(End::RecordFailed(e.to_string()));
                        }
                    }
                }
                Signal::SIGUSR1 => {
                    if let Err(e) = s.rec.rotate() {
                        return Some(End::RecordFailed(format!("rotation failed: {e}")));
                    }
                }
                Signal::SIGURG => s.lock(),
                Signal::SIGUSR2 => s.unlock(),
                Signal::SIGPIPE => {}
                other => return Some(End::Stopped(format!("got {}", other.as_str()))),
            }
        }
    }
    if let Err(e) = s.rec.tick() {
        return Some(End::RecordFailed(e.to_string()));
    }
    None
}

/// End a session: the terminal restored, the command ended if it still
/// runs, the recording closed, the status written; the exit code.
fn finish(r: Running<'_>, end: End) -> i32 {
    let Running {
        mut s,
        status,
        saved,
        mut killed_by,
        child_in,
        ..
    } = r;
    drop(child_in);
    if let Some(t) = &saved {
        let _ = termios::tcsetattr(io::stdin().as_fd(), SetArg::TCSANOW, t);
    }
    let code = match &end {
        End::Exited(c) => *c,
        End::RecordFailed(why) => {
            s.say(&format!(
                "*** osh: the session could not be recorded ({why}); it is ended. ***"
            ));
            killed_by = s.kill_command().or(killed_by);
            255
        }
        End::IdleKill | End::Stopped(_) | End::ClientGone => {
            killed_by = s.kill_command().or(killed_by);
            255
        }
    };
    let total = s.rec.total;
    let (end, files) = match s.rec.finish() {
        Ok(f) => (end, f),
        Err(e) => (
            End::RecordFailed(format!("closing the recording: {e}")),
            Vec::new(),
        ),
    };
    let report = Report {
        files: &files,
        bytes: total,
        head: &s.head,
        signal: killed_by,
    };
    write_status(s.opts, &end, &report, status.as_ref());
    code
}
