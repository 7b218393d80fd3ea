//! The session journal: while a session lives, its osh-connect keeps a file
//! in [`paths::SESSIONS_DIR`] naming itself (pid and start time) and holding
//! its plan. The file goes once `close` is written. If osh-connect dies first
//! (SIGKILL, a crash, the machine), the file stays, and `osh-close-orphaned`
//! writes the `close` that never came, with the reason.

use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use nix::sys::signal::Signal;
use osh_core::{logging, paths, sys};
use serde_json::{Value, json};

use crate::{Plan, close_event};

/// This session's file in the journal; [`Entry::done`] removes it.
#[derive(Debug)]
pub struct Entry(PathBuf);

impl Entry {
    /// Write the entry for `plan`. `None` if the journal can't be written
    /// (no directory yet, full disk): the session still runs and closes as
    /// usual, it only loses this net.
    #[must_use]
    pub fn write(plan: &Plan, started_ms: u64) -> Option<Self> {
        Self::write_in(Path::new(paths::SESSIONS_DIR), plan, started_ms)
    }

    fn write_in(dir: &Path, plan: &Plan, started_ms: u64) -> Option<Self> {
        let uniqid = plan.open.get("uniqid").filter(|u| logging::is_uniqid(u))?;
        let pid = std::process::id();
        let record = json!({
            "pid": pid,
            "start": sys::start_time(pid),
            "started_ms": started_ms,
            "plan": plan.to_json(),
        });
        let path = dir.join(uniqid);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .ok()?;
        f.write_all(record.to_string().as_bytes()).ok()?;
        Some(Self(path))
    }

    /// The session's `close` is written: the entry has done its job.
    pub fn done(self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// What one pass of [`close_orphans`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pass {
    /// Sessions whose osh-connect still runs.
    pub live: usize,
    /// Sessions closed now.
    pub closed: usize,
    /// Entries refused (not written by the account they name, unreadable).
    pub refused: usize,
}

/// The most read of one entry: a plan is a few KiB, a long command line a
/// few hundred; an account must not make root read gigabytes.
const MAX_ENTRY: u64 = 4 << 20;

/// Close the sessions of `dir` whose osh-connect is gone. Runs as root.
/// Nothing in an entry is trusted beyond the account's own word about its
/// own session: the file must belong to the account its open event names;
/// where the logs go comes from the configuration, not from the entry.
pub fn close_orphans(dir: &Path, config: &osh_core::config::Config, dry_run: bool) -> Pass {
    use std::io::Read as _;
    use std::os::unix::fs::MetadataExt as _;
    let mut pass = Pass::default();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return pass;
    };
    for e in entries.flatten() {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        let mut text = String::new();
        let parsed = (meta.is_file() && logging::is_uniqid(&name))
            .then(|| std::fs::File::open(&path).ok())
            .flatten()
            .and_then(|f| f.take(MAX_ENTRY).read_to_string(&mut text).ok())
            .and_then(|_| serde_json::from_str::<Value>(&text).ok())
            .and_then(|v| {
                let plan = Plan::from_json(v["plan"].as_str()?).ok()?;
                Some((v, plan))
            });
        let Some((v, plan)) = parsed.filter(|(_, p)| {
            p.open.get("uniqid") == Some(name.as_str())
                && p.open
                    .get("account")
                    .and_then(osh_core::unix::user)
                    .is_some_and(|u| u.uid.as_raw() == meta.uid())
        }) else {
            pass.refused += 1;
            if !dry_run {
                let mut log = logging::logger(config);
                log.log(
                    &logging::event("security", "-")
                        .field("type", "forged-session-journal")
                        .field(
                            "msg",
                            format!("refused journal entry {name} of uid {}", meta.uid()),
                        )
                        .field("account", ""),
                );
                let _ = std::fs::remove_file(&path);
            }
            continue;
        };
        let pid = v["pid"]
            .as_u64()
            .and_then(|p| u32::try_from(p).ok())
            .unwrap_or(0);
        let alive = pid != 0
            && sys::start_time(pid).is_some()
            && sys::start_time(pid) == v["start"].as_u64();
        if alive {
            pass.live += 1;
            continue;
        }
        pass.closed += 1;
        if dry_run {
            continue;
        }
        let account = plan.open.get("account").unwrap_or_default();
        let home = osh_core::unix::user(account).map(|u| u.dir);
        let files = logging::AccessLogs::of(config, home.as_deref().map(|h| (h, account)));
        let mut log = logging::logger_with(
            config.enableSyslog.then_some((
                config.syslogFacility.as_str(),
                config.syslogDescription.as_str(),
            )),
            &files,
        );
        let started = v["started_ms"].as_u64().unwrap_or(0);
        let took = Duration::from_millis(osh_core::time::epoch_ms().saturating_sub(started));
        log.log(&close_event(&plan.open, None, None, "parent_died", took));
        // Known and handled, yet worth a look: why did osh-connect die?
        let uniqid = plan.open.get("uniqid").unwrap_or("-");
        log.log(&logging::event("warn-info", uniqid).field(
            "msg",
            format!("closed session {uniqid} of {account}: its osh-connect died before writing the close"),
        ));
        let _ = std::fs::remove_file(&path);
    }
    pass
}

/// The signal the recorder gets when its osh-connect dies: it then ends the
/// session, which is not left running with nobody to log its end.
pub const RECORDER_ORPHANED: Signal = Signal::SIGTERM;
