//! The reapers: what sessions and deleted accounts leave behind.
//!
//! - [`lingering`]: processes of sessions nobody is attached to any more;
//! - [`orphaned_homes`]: home directories whose account and group are gone;
//! - [`empty_folders`]: the per-host recording directories left empty;
//! - [`guest_keys`]: guests whose last access expired, still able to read
//!   the group's keys.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::tool::{Error, Reporter, Result};

/// What `/proc/PID/stat` and friends say of one process.
#[derive(Debug, Clone)]
pub struct Proc {
    pub pid: i32,
    pub ppid: i32,
    pub uid: u32,
    /// Seconds since it started.
    pub age: u64,
    /// It has a controlling terminal.
    pub tty: bool,
    pub comm: String,
    pub exe: PathBuf,
}

fn clock_ticks() -> u64 {
    nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .and_then(|t| u64::try_from(t).ok())
        .unwrap_or(100)
}

/// Every process, as far as `/proc` says.
#[must_use]
pub fn processes() -> Vec<Proc> {
    use std::os::unix::fs::MetadataExt as _;
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")
        .ok()
        .and_then(|u| u.split_whitespace().next().and_then(|s| s.parse().ok()))
        .unwrap_or(0.0);
    let hz = clock_ticks();
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        let (Some(open), Some((_, after))) = (stat.find('('), stat.rsplit_once(')')) else {
            continue;
        };
        let comm = stat[open + 1..stat.len() - after.len() - 1].to_owned();
        // Fields from 3 on: state ppid pgrp session tty_nr ... starttime (22).
        let f: Vec<&str> = after.split_whitespace().collect();
        let (Some(ppid), Some(tty), Some(start)) = (
            f.get(1).and_then(|s| s.parse().ok()),
            f.get(4).and_then(|s| s.parse::<i64>().ok()),
            f.get(19).and_then(|s| s.parse::<u64>().ok()),
        ) else {
            continue;
        };
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let age = (uptime as u64).saturating_sub(start / hz);
        out.push(Proc {
            pid,
            ppid,
            uid: e.metadata().map_or(u32::MAX, |m| m.uid()),
            age,
            tty: tty != 0,
            comm,
            exe: std::fs::read_link(e.path().join("exe")).unwrap_or_default(),
        });
    }
    out
}

fn ours(exe: &Path, prefix: &Path) -> bool {
    let s = exe.to_string_lossy();
    Path::new(s.strip_suffix(" (deleted)").unwrap_or(&s)).starts_with(prefix)
}

/// Why each process would be ended.
#[derive(Debug, Clone)]
pub struct Lingering {
    pub pid: i32,
    pub what: &'static str,
    pub age: u64,
}

/// Sessions nobody is attached to: older than `max_age` seconds, without a
/// terminal, and orphaned (their parent gone: re-parented to init). A live
/// transfer without a terminal that runs for days still has its parent and
/// is kept; The Bastion's script would end it.
#[must_use]
pub fn lingering(procs: &[Proc], prefix: &Path, max_age: u64) -> Vec<Lingering> {
    let recorder = prefix.join("bin/ttyrec");
    let plugins = prefix.join("bin/plugin");
    let has_children = |pid: i32| procs.iter().any(|p| p.ppid == pid);
    let mut out = Vec::new();
    for p in procs.iter().filter(|p| !p.tty && p.age > max_age) {
        let exe = p.exe.to_string_lossy();
        let exe = Path::new(exe.strip_suffix(" (deleted)").unwrap_or(&exe));
        let what = if exe == recorder && p.ppid == 1 {
            "recorder"
        } else if ours(exe, &plugins) && p.ppid == 1 {
            "plugin"
        } else if p.comm == "sshd" && p.uid != 0 && !has_children(p.pid) && p.ppid == 1 {
            "sshd"
        } else {
            continue;
        };
        out.push(Lingering {
            pid: p.pid,
            what,
            age: p.age,
        });
    }
    out
}

/// End them (SIGTERM: a recorder seals and closes its recording).
pub fn end(list: &[Lingering], log: &mut Reporter) -> usize {
    let mut n = 0;
    for l in list {
        match kill(Pid::from_raw(l.pid), Signal::SIGTERM) {
            Ok(()) => {
                log.info(&format!(
                    "ended lingering {} pid {} (running for {} s, no terminal, no parent)",
                    l.what, l.pid, l.age
                ));
                n += 1;
            }
            Err(e) => log.warn(&format!("could not end pid {}: {e}", l.pid)),
        }
    }
    n
}

fn older(p: &Path, secs: u64) -> bool {
    std::fs::symlink_metadata(p)
        .is_ok_and(|m| crate::tool::unchanged_for(&m, secs, SystemTime::now()))
}

/// Empty per-host directories of `HOME/*/ttyrec/`, unchanged for `days`
/// days (a directory is made again at the next connection to that host).
pub fn empty_folders(home: &Path, days: u64, dry_run: bool, log: &mut Reporter) -> usize {
    let mut n = 0;
    let mut homes: Vec<PathBuf> = std::fs::read_dir(home)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("ttyrec"))
        .collect();
    homes.sort();
    for t in homes {
        for d in std::fs::read_dir(&t).into_iter().flatten().flatten() {
            let p = d.path();
            let is_dir = std::fs::symlink_metadata(&p).is_ok_and(|m| m.is_dir());
            let empty = std::fs::read_dir(&p).is_ok_and(|mut r| r.next().is_none());
            if !(is_dir && empty && older(&p, days * 86_400)) {
                continue;
            }
            // rmdir only: if a session made a file there since, it fails and the folder stays.
            if dry_run || std::fs::remove_dir(&p).is_ok() {
                log.detail(
                    1,
                    &format!(
                        "{} empty folder {}",
                        if dry_run { "would remove" } else { "removed" },
                        p.display()
                    ),
                );
                n += 1;
            }
        }
    }
    n
}

/// A home left by a deleted account: neither its owner nor its group exist.
fn orphaned(p: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    let Ok(md) = std::fs::symlink_metadata(p) else {
        return false;
    };
    md.is_dir()
        && nix::unistd::User::from_uid(md.uid().into())
            .ok()
            .flatten()
            .is_none()
        && nix::unistd::Group::from_gid(md.gid().into())
            .ok()
            .flatten()
            .is_none()
}

/// Orphaned homes: on a master, only a lone `lastlog` is removed (the
/// account deletion archived the rest); on a read-only secondary, which
/// learns of deletions by sync, the home is archived to
/// `/home/oldkeeper/orphaned/` and removed (recordings stay where they are,
/// owned by root, for osh-encrypt-rsync).
pub fn orphaned_homes(
    home: &Path,
    secondary: bool,
    dry_run: bool,
    log: &mut Reporter,
) -> Result<usize> {
    let archive_dir = Path::new(osh_core::paths::OLDKEEPER_HOME).join("orphaned");
    let mut n = 0;
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(home)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    dirs.sort();
    for d in dirs.into_iter().filter(|d| orphaned(d) && older(d, 180)) {
        let entries: Vec<PathBuf> = std::fs::read_dir(&d)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect();
        if !secondary {
            if entries.len() == 1 && entries[0].file_name().is_some_and(|n| n == "lastlog") {
                if !dry_run {
                    std::fs::remove_file(&entries[0])
                        .map_err(|e| Error::new(format!("{}: {e}", entries[0].display())))?;
                    let _ = std::fs::remove_dir(&d);
                }
                log.info(&format!("removed the orphaned lastlog of {}", d.display()));
                n += 1;
            }
            continue;
        }
        let name = d
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let epoch = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |t| t.as_secs());
        let archive = archive_dir.join(format!(
            "{name}.at-{epoch}.by-orphaned-homedir-script.tar.gz"
        ));
        if dry_run {
            log.info(&format!(
                "would archive orphaned {} to {}",
                d.display(),
                archive.display()
            ));
            n += 1;
            continue;
        }
        std::fs::create_dir_all(&archive_dir)
            .map_err(|e| Error::new(format!("{}: {e}", archive_dir.display())))?;
        let o = Command::new("tar")
            .args([
                "--create",
                "--gzip",
                "--preserve-permissions",
                "--acls",
                "--one-file-system",
                "--remove-files",
                "--exclude=ttyrec",
                "--file",
            ])
            .arg(&archive)
            .arg("--directory")
            .arg(home)
            .arg("--")
            .arg(&name)
            .output()
            .map_err(|e| Error::new(format!("can't run tar: {e}")))?;
        if !o.status.success() {
            log.error(&format!(
                "could not archive {}: {}",
                d.display(),
                String::from_utf8_lossy(&o.stderr).trim()
            ));
            continue;
        }
        let _ = std::fs::set_permissions(
            &archive,
            std::os::unix::fs::PermissionsExt::from_mode(0o400),
        );
        // What tar left (the recordings) is root's now, until it is archived.
        let _ = Command::new("chown")
            .args(["-R", "root:root", "--"])
            .arg(&d)
            .status();
        log.info(&format!(
            "archived orphaned {} to {}",
            d.display(),
            archive.display()
        ));
        n += 1;
    }
    Ok(n)
}

/// Guests of a group with no access left that has not expired: they leave
/// `keyGROUP`, so they can no longer read the group's keys.
pub fn guest_keys(dry_run: bool, log: &mut Reporter) -> usize {
    use osh_core::group;
    let db = osh_core::unix::GroupDb::load();
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |t| t.as_secs());
    let mut n = 0;
    for g in group::all(&db) {
        for guest in group::Roles::of(&g, &db).guests {
            if group::guest_accesses(&guest, &g)
                .iter()
                .any(|e| !e.expired(now))
            {
                continue;
            }
            if dry_run {
                log.info(&format!(
                    "would take group {g}'s key access from guest {guest} (no access left)"
                ));
                n += 1;
                continue;
            }
            let ok = Command::new(osh_core::paths::tool::GPASSWD)
                .args(["-d", &guest, &group::unix_name(&g)])
                .stdout(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                let _ = std::fs::remove_file(group::guest_file(&guest, &g));
                log.info(&format!(
                    "guest {guest} of group {g} has no access left: removed its group key access"
                ));
                n += 1;
            } else {
                log.warn(&format!(
                    "could not remove guest {guest} from {}",
                    group::unix_name(&g)
                ));
            }
        }
    }
    n
}
