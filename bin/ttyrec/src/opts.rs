//! The command line: the options of ovh-ttyrec that The Bastion passes, plus
//! osh's own (`--rotate-size`, `--rotate-age`, `--status-file`, `--status-fd`,
//! `--pipe-stdout`).

use osh_core::getopt::{self, Kind, Opt, opt};

const SPEC: &[Opt] = &[
    opt("f", Kind::Str),
    opt("F", Kind::Str),
    opt("T", Kind::Str),
    opt("t", Kind::Int),
    opt("k", Kind::Int),
    opt("s|msg", Kind::Str),
    opt("warn-before-lock", Kind::Int),
    opt("warn-before-kill", Kind::Int),
    opt("stealth-stdout", Kind::Flag),
    opt("stealth-stderr", Kind::Flag),
    opt("pipe-stdout", Kind::Flag),
    opt("Z", Kind::Flag),
    opt("zstd", Kind::Flag),
    opt("l|level", Kind::Int),
    opt("max-flush-time", Kind::Int),
    opt("rotate-size", Kind::Int),
    opt("rotate-age", Kind::Int),
    opt("status-file", Kind::Str),
    opt("status-fd", Kind::Int),
    opt("seal", Kind::Str),
    opt("uniqid", Kind::Str),
    opt("target", Kind::Str),
    opt("checkpoint-seconds", Kind::Int),
    opt("checkpoint-bytes", Kind::Int),
    opt("v|verbose", Kind::Count),
];

/// Whether to run the command on a pseudo-terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TtyMode {
    /// A pty whatever our stdin is.
    Always,
    /// Pipes.
    Never,
    /// A pty if our stdin is a terminal.
    Auto,
}

/// Parsed options.
#[derive(Debug, Clone)]
pub struct Options {
    /// The first recording file.
    pub file: String,
    /// The name template for the next files (strftime + `#usec#`).
    pub template: Option<String>,
    /// Pty or pipes.
    pub tty: TtyMode,
    /// Idle seconds before locking (0: never).
    pub lock_after: u64,
    /// Idle seconds before ending the session (0: never).
    pub kill_after: u64,
    /// Shown while locked.
    pub lock_message: String,
    /// Warn this many seconds before locking.
    pub warn_lock: u64,
    /// Warn this many seconds before killing.
    pub warn_kill: u64,
    /// Do not record the command's stdout (pipe mode).
    pub stealth_stdout: bool,
    /// Do not record the command's stderr (pipe mode).
    pub stealth_stderr: bool,
    /// Pty mode: the command's stdout is a pipe; its stdin and stderr stay on
    /// the terminal. For commands such as ssh that take the terminal's mode and
    /// size from stdin and write bulk data to stdout, which then crosses one
    /// pseudo-terminal fewer.
    pub pipe_stdout: bool,
    /// Compress the recording as one zstd stream.
    pub zstd: bool,
    /// zstd level.
    pub level: i32,
    /// zstd mode: flush at least this often (seconds).
    pub max_flush: u64,
    /// Start a new file past this many bytes (0: never).
    pub rotate_size: u64,
    /// Start a new file past this many seconds (0: never).
    pub rotate_age: u64,
    /// Where to write how the session ended (JSON), for osh.
    pub status_file: Option<String>,
    /// An inherited descriptor (a pipe from osh) to write the same JSON to.
    pub status_fd: Option<i32>,
    /// Seal the recording with this program (`osh-seal`), if set.
    pub seal: Option<String>,
    /// The session's id, for the seals.
    pub uniqid: String,
    /// The session's target, for the seals.
    pub target: String,
    /// Seal a checkpoint at least this often while output flows (0: never).
    pub checkpoint_seconds: u64,
    /// Seal a checkpoint past this many recorded bytes (0: never).
    pub checkpoint_bytes: u64,
    /// The command and its arguments.
    pub command: Vec<String>,
}

/// Default checkpoint interval while output flows.
pub const DEFAULT_CHECKPOINT_SECONDS: u64 = 60;
/// Default checkpoint size.
pub const DEFAULT_CHECKPOINT_BYTES: u64 = 64 * 1024 * 1024;

/// Default size rotation: the threshold The Bastion's rotation cron uses.
pub const DEFAULT_ROTATE_SIZE: u64 = 100 * 1000 * 1000;

fn secs(p: &getopt::Parsed, name: &str, default: u64) -> Result<u64, String> {
    match p.int(name) {
        None => Ok(default),
        Some(n) => u64::try_from(n).map_err(|_| format!("-{name} takes a non-negative number")),
    }
}

/// Parse the arguments (without the program name).
pub fn parse(args: &[String]) -> Result<Options, String> {
    let p = getopt::parse(SPEC, args);
    let command = match p.rest.iter().position(|a| a == "--") {
        Some(i) if p.rest[..i].is_empty() => p.rest[i + 1..].to_vec(),
        _ => {
            return Err(format!(
                "usage: ttyrec -f FILE [options] -- COMMAND [ARGS] (unexpected: {:?})",
                p.rest
            ));
        }
    };
    if command.is_empty() {
        return Err("no command given after --".into());
    }
    if p.str("seal").is_some() && p.str("uniqid").is_none_or(str::is_empty) {
        return Err("--seal needs --uniqid".into());
    }
    let file = p.str("f").ok_or("-f FILE is required")?.to_owned();
    let tty = match p.str("T") {
        None | Some("auto") => TtyMode::Auto,
        Some("always") => TtyMode::Always,
        Some("never") => TtyMode::Never,
        Some(other) => return Err(format!("-T takes always, never or auto, not {other}")),
    };
    let zstd = p.flag("zstd") || p.flag("Z");
    let level = i32::try_from(p.int("level").unwrap_or(3)).map_err(|_| "bad -l")?;
    if !(1..=19).contains(&level) {
        return Err("-l/--level takes 1 to 19".into());
    }
    Ok(Options {
        file,
        template: p.str("F").map(str::to_owned),
        tty,
        lock_after: secs(&p, "t", 0)?,
        kill_after: secs(&p, "k", 0)?,
        lock_message: p.str("s").unwrap_or("Session locked.").to_owned(),
        warn_lock: secs(&p, "warn-before-lock", 0)?,
        warn_kill: secs(&p, "warn-before-kill", 0)?,
        stealth_stdout: p.flag("stealth-stdout"),
        stealth_stderr: p.flag("stealth-stderr"),
        pipe_stdout: p.flag("pipe-stdout"),
        zstd,
        level,
        max_flush: secs(&p, "max-flush-time", 15)?.max(1),
        rotate_size: secs(&p, "rotate-size", DEFAULT_ROTATE_SIZE)?,
        rotate_age: secs(&p, "rotate-age", 0)?,
        status_file: p.str("status-file").map(str::to_owned),
        status_fd: p
            .int("status-fd")
            .map(|n| i32::try_from(n).map_err(|_| "bad --status-fd"))
            .transpose()?,
        seal: p.str("seal").map(str::to_owned),
        uniqid: p.str("uniqid").unwrap_or_default().to_owned(),
        target: p.str("target").unwrap_or_default().to_owned(),
        checkpoint_seconds: secs(&p, "checkpoint-seconds", DEFAULT_CHECKPOINT_SECONDS)?,
        checkpoint_bytes: secs(&p, "checkpoint-bytes", DEFAULT_CHECKPOINT_BYTES)?,
        command,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_owned).collect()
    }

    #[test]
    fn bastion_command_line() {
        let o = parse(&w("-f /x/a.ttyrec -F /x/%Y.#usec#.ttyrec -T never -t 60 -s locked -k 120 --warn-before-kill 10 --stealth-stdout --zstd -- /usr/bin/ssh -l u 127.0.0.1 -- echo hi")).unwrap();
        assert_eq!(o.file, "/x/a.ttyrec");
        assert_eq!(o.template.as_deref(), Some("/x/%Y.#usec#.ttyrec"));
        assert_eq!(
            (o.tty, o.lock_after, o.kill_after, o.warn_kill),
            (TtyMode::Never, 60, 120, 10)
        );
        assert!(o.stealth_stdout && o.zstd && !o.stealth_stderr);
        assert_eq!(o.command, w("/usr/bin/ssh -l u 127.0.0.1 -- echo hi"));
        assert_eq!(o.rotate_size, DEFAULT_ROTATE_SIZE);
    }

    #[test]
    fn refusals() {
        assert!(parse(&w("-f x")).is_err());
        assert!(parse(&w("-- ls")).is_err());
        assert!(parse(&w("-f x -T sometimes -- ls")).is_err());
        assert!(parse(&w("-f x junk -- ls")).is_err());
        assert!(parse(&w("-f x -t -5 -- ls")).is_err());
    }
}
