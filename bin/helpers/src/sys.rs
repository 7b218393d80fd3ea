//! System operations the helpers share: running admin commands, writing files
//! with exact ownership and modes, and the lock around user database edits.

use std::fs::File;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::Command;

use nix::fcntl::Flock;
use osh_core::fsx::At as _;
use osh_core::{Reply, Result};

/// Run an admin command (useradd, gpasswd, ...), turning failure into `ERR_SYSTEM_COMMAND`.
pub fn run(program: &str, args: &[&str]) -> Result<()> {
    let out = Command::new(program).args(args).output().map_err(|e| {
        Reply::new(
            osh_core::Code::ERR_SYSTEM_COMMAND,
            format!("Couldn't run {program}: {e}"),
        )
    })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(Reply::new(
            osh_core::Code::ERR_SYSTEM_COMMAND,
            format!(
                "{program} failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        ))
    }
}

/// Write `content` to `path` atomically, owned by `uid:gid` with `mode`
/// before it becomes visible ([`osh_core::fsx::write_atomic`]).
pub fn write_file(path: &Path, content: &[u8], uid: u32, gid: u32, mode: u32) -> Result<()> {
    osh_core::fsx::write_atomic(path, content, Some((uid, gid)), mode)
}

/// Create a directory (if missing) and set its owner and mode.
pub fn make_dir(path: &Path, uid: u32, gid: u32, mode: u32) -> Result<()> {
    match std::fs::create_dir(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e).at(path),
    }
    own(path, uid, gid, mode)
}

/// Put `account` in Unix group `group` or take it out; `Ok(false)` if it
/// already was so. The one place helpers change a membership (grants,
/// account flags, and the group roles to come).
pub fn set_member(account: &str, group: &str, member: bool) -> Result<bool> {
    if osh_core::unix::group(group).is_none() {
        return Err(Reply::internal(format!(
            "The group {group} is missing, run the installer"
        )));
    }
    if osh_core::unix::Memberships::of(account).contains(group) == member {
        return Ok(false);
    }
    run(
        osh_core::paths::tool::GPASSWD,
        &[if member { "-a" } else { "-d" }, account, group],
    )?;
    Ok(true)
}

/// Put `account` in every Unix group of `groups` in one rewrite of the
/// group database (`usermod -a -G`), rather than one `gpasswd` each: with
/// tens of thousands of groups, each rewrite is what a change costs.
pub fn add_to_groups(account: &str, groups: &[String]) -> Result<()> {
    run(
        osh_core::paths::tool::USERMOD,
        &["-a", "-G", &groups.join(","), account],
    )
}

/// Set owner and mode of an existing path.
pub fn own(path: &Path, uid: u32, gid: u32, mode: u32) -> Result<()> {
    std::os::unix::fs::chown(path, Some(uid), Some(gid)).at(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).at(path)
}

/// Serialises edits of the user and group databases between helpers: useradd and
/// friends fail at once, not wait, when another one holds the shadow lock.
pub fn passwd_lock() -> Result<Flock<File>> {
    let dir = Path::new("/run/lock");
    std::fs::create_dir_all(dir).at(dir)?;
    osh_core::fsx::lock(&dir.join("osh.passwd.lock"), true, || {
        Reply::internal("lock busy")
    })
}

/// An ACL file's text with the lines granting exactly `target` commented
/// out, signed by `who` and dated (history is kept); `None` if there was
/// none. Every ACL removal of the helpers goes through here.
pub fn remove_access(text: &str, target: &osh_acl::Entry, who: &str) -> Option<String> {
    let (after, n) = osh_acl::comment_out(
        text,
        target,
        &format!("deleted by {who} on {}", now_human()),
    );
    (n > 0).then_some(after)
}

/// `YYYY-MM-DD HH:MM:SS` in local time.
#[must_use]
pub fn now_human() -> String {
    osh_core::log::now()
        .strftime("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// The pids whose real or effective uid is `uid`.
fn processes_of(uid: u32) -> Vec<i32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/status")).is_ok_and(|st| {
                st.lines()
                    .find_map(|l| l.strip_prefix("Uid:"))
                    .is_some_and(|ids| {
                        ids.split_whitespace()
                            .take(2)
                            .any(|id| id.parse::<u32>().ok() == Some(uid))
                    })
            })
        })
        .collect()
}

/// End every process of `uid`: SIGHUP first, so that each session's parent
/// writes its `close` (the client went away, as far as it can tell), then
/// SIGKILL for what is left. Fails if anything survives, before the caller
/// has changed anything.
pub fn end_processes_of(uid: u32) -> Result<()> {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    if uid == 0 {
        return Err(Reply::internal("refusing to end root's processes"));
    }
    for pid in processes_of(uid) {
        let _ = kill(Pid::from_raw(pid), Signal::SIGHUP);
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let mut escalated = false;
    loop {
        let left = processes_of(uid);
        if left.is_empty() {
            return Ok(());
        }
        let now = std::time::Instant::now();
        if now >= deadline {
            return Err(Reply::new(
                osh_core::Code::ERR_SYSTEM_COMMAND,
                format!("{} process(es) of the account would not end", left.len()),
            ));
        }
        if !escalated && deadline - now < std::time::Duration::from_secs(3) {
            escalated = true;
            for pid in left {
                let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
