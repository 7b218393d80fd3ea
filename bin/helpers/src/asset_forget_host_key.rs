//! `osh-assetForgetHostKey` (as root): after a server's host key changed
//! for a good reason, comment its lines out of every account's
//! `~/.ssh/known_hosts`, so that the next connection learns the new key.
//!
//! The lines are commented, not deleted (`# removed by WHO at TIME in
//! session with uniqid U: LINE`): the file keeps what was trusted, and who
//! said to forget it. Accounts the caller may not act on (an admin's, for a
//! delegate) are left alone and named: forgetting a host key opens the next
//! connection to whatever key answers, which is the caller's to decide for
//! others, not for those above it.

use std::io::{Read as _, Write as _};
use std::net::IpAddr;
use std::os::fd::{AsFd, OwnedFd};

use nix::fcntl::{OFlag, openat, renameat};
use nix::sys::stat::{FileStat, Mode, SFlag, fstat};
use nix::unistd::{Gid, Uid, UnlinkatFlags, fchown, unlinkat};
use osh_core::account::{Account, BASTION_USERS};
use osh_core::helper::Caller;
use osh_core::requests::AssetForgetHostKey;
use osh_core::{Code, Reply, Result, json, logging, unix};

/// The `known_hosts` host field that names `ip` on `port`, as ssh writes it.
fn host_field(ip: &IpAddr, port: u16) -> String {
    if port == 22 {
        ip.to_string()
    } else {
        format!("[{ip}]:{port}")
    }
}

/// `text` with every line for `host` commented out (`note` before it), and
/// how many. A line is for `host` when one of its comma-separated host
/// names is exactly `host`, whatever its key type; marker lines
/// (`@cert-authority`, `@revoked`) and comments are kept as they are.
#[must_use]
pub fn forget(text: &str, host: &str, note: &str) -> (String, usize) {
    let mut out = String::with_capacity(text.len());
    let mut n = 0;
    for line in text.split_inclusive('\n') {
        let names = line.split_whitespace().next().unwrap_or("");
        let is_for_host =
            !names.starts_with(['#', '@']) && names.split(',').any(|name| name == host);
        if is_for_host {
            out.push_str(note);
            n += 1;
        }
        out.push_str(line);
    }
    (out, n)
}

/// Whether `st` is of type `kind` (`S_IFDIR`, `S_IFREG`) and owned by `uid`.
fn is_own(st: &FileStat, kind: SFlag, uid: u32) -> bool {
    SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT == kind && st.st_uid == uid
}

/// Open `name` under `dir` without following a link, as what `check` wants.
fn open_checked(
    dir: impl AsFd,
    name: &str,
    flags: OFlag,
    check: impl Fn(&FileStat) -> bool,
) -> std::result::Result<Option<OwnedFd>, String> {
    match openat(
        dir,
        name,
        flags | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC | OFlag::O_NONBLOCK,
        Mode::empty(),
    ) {
        Ok(fd) => {
            let st = fstat(&fd).map_err(|e| format!("{name}: {e}"))?;
            if check(&st) {
                Ok(Some(fd))
            } else {
                Err(format!(
                    "{name} is not the account's own (a link, or not its owner's)"
                ))
            }
        }
        Err(nix::Error::ENOENT) => Ok(None),
        Err(nix::Error::ELOOP) => Err(format!("{name} is a symbolic link, not followed")),
        Err(e) => Err(format!("{name}: {e}")),
    }
}

/// Comment `host` out of `acct`'s known_hosts; how many lines. The file is
/// reached through directory descriptors, each checked to be the account's
/// own and never a link, and replaced by a file made beside it, with its
/// owner and mode: root never writes where the account's links point.
fn forget_in(acct: &Account, host: &str, note: &str) -> std::result::Result<usize, String> {
    let uid = acct.uid;
    let home = std::fs::File::open(&acct.home).map_err(|e| format!("home: {e}"))?;
    let Some(ssh) = open_checked(&home, ".ssh", OFlag::O_RDONLY | OFlag::O_DIRECTORY, |st| {
        is_own(st, SFlag::S_IFDIR, uid)
    })?
    else {
        return Ok(0);
    };
    let Some(known) = open_checked(&ssh, "known_hosts", OFlag::O_RDONLY, |st| {
        is_own(st, SFlag::S_IFREG, uid)
    })?
    else {
        return Ok(0);
    };
    let st = fstat(&known).map_err(|e| e.to_string())?;
    let mut text = String::new();
    std::fs::File::from(known)
        .read_to_string(&mut text)
        .map_err(|e| format!("known_hosts: {e}"))?;
    let (new, n) = forget(&text, host, note);
    if n == 0 {
        return Ok(0);
    }
    let tmp = format!(".known_hosts.osh.{}", std::process::id());
    let fd = openat(
        &ssh,
        tmp.as_str(),
        OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        Mode::from_bits_truncate(st.st_mode & 0o600),
    )
    .map_err(|e| format!("{tmp}: {e}"))?;
    let written = (|| -> std::result::Result<(), String> {
        fchown(
            &fd,
            Some(Uid::from_raw(uid)),
            Some(Gid::from_raw(st.st_gid)),
        )
        .map_err(|e| e.to_string())?;
        let mut f = std::fs::File::from(fd);
        f.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(
            st.st_mode & 0o777,
        ))
        .map_err(|e| e.to_string())?;
        f.write_all(new.as_bytes()).map_err(|e| e.to_string())?;
        f.sync_all().map_err(|e| e.to_string())?;
        renameat(&ssh, tmp.as_str(), &ssh, "known_hosts").map_err(|e| e.to_string())
    })();
    if let Err(e) = written {
        let _ = unlinkat(&ssh, tmp.as_str(), UnlinkatFlags::NoRemoveDir);
        return Err(format!("known_hosts: {e}"));
    }
    Ok(n)
}

/// The helper's logic for `assetForgetHostKey`.
pub fn run(caller: &Caller, req: AssetForgetHostKey) -> Result<Reply> {
    let ip: IpAddr = req.ip.parse().map_err(|_| {
        Reply::new(
            Code::ERR_INVALID_PARAMETER,
            "Specified host must be an IP address, not a name or a network",
        )
    })?;
    if req.port == 0 {
        return Err(Reply::new(Code::ERR_INVALID_PARAMETER, "Invalid port 0"));
    }
    let host = host_field(&ip, req.port);
    let now = jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ");
    let note = format!(
        "# removed by {} at {now} in session with uniqid {}: ",
        caller.name,
        logging::uniqid()
    );
    let mut members = unix::group(BASTION_USERS)
        .map(|g| g.mem)
        .unwrap_or_default();
    members.sort();
    let (mut changed, mut skipped, mut failed) = (Vec::new(), Vec::new(), Vec::new());
    let mut text = String::new();
    for name in members {
        let Some(acct) = Account::lookup(&name) else {
            continue;
        };
        if caller.may_act_on(&acct, "forget host keys for").is_err() {
            skipped.push(name);
            continue;
        }
        match forget_in(&acct, &host, &note) {
            Ok(0) => {}
            Ok(n) => {
                text.push_str(&format!(
                    "Removing {n} lines from {name}'s known_hosts file\n"
                ));
                changed.push(name);
            }
            Err(e) => {
                text.push_str(&format!("Couldn't adjust {name}'s known_hosts file: {e}\n"));
                failed.push(name);
            }
        }
    }
    if !skipped.is_empty() {
        text.push_str(&format!(
            "Left alone, as only admins act on them: {}\n",
            skipped.join(", ")
        ));
    }
    text.push_str(&format!(
        "Finally modified {} known_hosts accounts' files",
        changed.len()
    ));
    let code = if changed.is_empty() {
        Code::OK_NO_CHANGE
    } else {
        Code::OK
    };
    Ok(Reply::new(code, text).with_value(json!({
        "host": host,
        "changed_files": changed.len(),
        "changed": changed,
        "skipped": skipped,
        "failed": failed,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_host_lines_are_commented() {
        let text = "[192.0.2.1]:2222 ssh-ed25519 AAAA1\n\
                    192.0.2.1 ecdsa-sha2-nistp256 AAAA2\n\
                    srv,[192.0.2.1]:2222 ssh-rsa AAAA3\n\
                    [192.0.2.10]:2222 ssh-ed25519 AAAA4\n\
                    @cert-authority [192.0.2.1]:2222 ssh-ed25519 AAAA5\n\
                    # [192.0.2.1]:2222 ssh-ed25519 AAAA6\n\
                    \n\
                    [192.0.2.1]:2222 ssh-ed25519 AAAA7";
        let (out, n) = forget(text, "[192.0.2.1]:2222", "#X: ");
        assert_eq!(n, 3);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "#X: [192.0.2.1]:2222 ssh-ed25519 AAAA1");
        assert_eq!(lines[1], "192.0.2.1 ecdsa-sha2-nistp256 AAAA2");
        assert_eq!(lines[2], "#X: srv,[192.0.2.1]:2222 ssh-rsa AAAA3");
        assert_eq!(lines[3], "[192.0.2.10]:2222 ssh-ed25519 AAAA4");
        assert!(lines[4].starts_with("@cert-authority"));
        assert!(lines[5].starts_with("# [192.0.2.1]"));
        assert_eq!(lines[7], "#X: [192.0.2.1]:2222 ssh-ed25519 AAAA7");
        assert!(!out.ends_with('\n'), "no newline is added at the end");
        let (again, none) = forget(&out, "[192.0.2.1]:2222", "#X: ");
        assert_eq!((again.as_str(), none), (out.as_str(), 0));
        assert_eq!(forget(text, "192.0.2.1", "#X: ").1, 1);
    }

    #[test]
    fn the_host_field_is_as_ssh_writes_it() {
        let v4: IpAddr = "192.0.2.1".parse().unwrap();
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(host_field(&v4, 22), "192.0.2.1");
        assert_eq!(host_field(&v4, 2222), "[192.0.2.1]:2222");
        assert_eq!(host_field(&v6, 22), "2001:db8::1");
        assert_eq!(host_field(&v6, 2222), "[2001:db8::1]:2222");
    }
}
