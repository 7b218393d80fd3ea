//! `osh-accountUnexpire` (as root) and `osh-accountUnlock` (as root): give
//! an account its logins back, after inactivity (its `lastlog` is touched)
//! or after failed authentications (its faillock record is reset).

use std::os::fd::AsFd as _;
use std::path::Path;

use nix::fcntl::{OFlag, open};
use nix::sys::stat::{Mode, SFlag, fstat, futimens};
use nix::sys::time::TimeSpec;
use osh_core::account::{Facts, status};
use osh_core::helper::Caller;
use osh_core::requests::{AccountUnexpire, AccountUnlock};
use osh_core::{Code, Reply, Result, events, json};

/// Touch `path` (creating it for the account if missing) without following
/// a link the account may have put there: root only ever changes the
/// account's own regular file.
fn touch(path: &Path, uid: u32, gid: u32) -> Result<()> {
    let io = |e: nix::Error| {
        Reply::new(
            Code::ERR_IO,
            format!("Couldn't touch {}: {e}", path.display()),
        )
    };
    let existed = path.symlink_metadata().is_ok();
    let fd = open(
        path,
        OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC | OFlag::O_NONBLOCK,
        Mode::from_bits_truncate(0o640),
    )
    .map_err(io)?;
    let st = fstat(fd.as_fd()).map_err(io)?;
    if SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT != SFlag::S_IFREG {
        return Err(Reply::new(
            Code::ERR_SECURITY_VIOLATION,
            format!("{} is not a regular file, not touching it", path.display()),
        ));
    }
    if !existed {
        nix::unistd::fchown(
            fd.as_fd(),
            Some(nix::unistd::Uid::from_raw(uid)),
            Some(nix::unistd::Gid::from_raw(gid)),
        )
        .map_err(io)?;
    }
    futimens(fd.as_fd(), &TimeSpec::UTIME_NOW, &TimeSpec::UTIME_NOW).map_err(io)
}

/// The helper's logic for `accountUnexpire`.
pub fn unexpire(caller: &Caller, req: AccountUnexpire) -> Result<Reply> {
    let acct = crate::target_account(caller, &req.account, "unexpire")?;
    let facts = Facts::read_own(&acct);
    let st = status(&facts, &caller.config, std::time::SystemTime::now());
    touch(&acct.home.join("lastlog"), acct.uid, acct.gid)?;
    let name = &acct.name;
    let reply = if st.max_inactive_days <= 0 {
        Reply::new(
            Code::OK_EXPIRATION_NOT_CONFIGURED,
            format!(
                "Account {name} is not expired and expiration is not configured on this bastion, \
                 but its last activity date has been refreshed nevertheless."
            ),
        )
        .with_value(json!({"account": name}))
    } else if !st.inactivity_expired {
        Reply::new(
            Code::OK_NOT_EXPIRED,
            format!(
                "Account {name} is not expired, but its last activity date has been refreshed nevertheless."
            ),
        )
        .with_value(json!({"account": name, "days": st.idle_days}))
    } else {
        let days = st.idle_days.unwrap_or_default();
        Reply::new(
            Code::OK,
            format!(
                "Account {name} was expired ({days} days without connection), it is now active again."
            ),
        )
        .with_value(json!({"account": name, "days": days}))
    };
    if reply.code == Code::OK.as_str() {
        crate::log(
            &caller.config,
            events::Account {
                action: "unexpire",
                account: name,
                ..Default::default()
            },
        );
    }
    Ok(reply)
}

/// The helper's logic for `accountUnlock`: pam_faillock's record of failed
/// authentications is reset.
pub fn unlock(caller: &Caller, req: AccountUnlock) -> Result<Reply> {
    let acct = crate::target_account(caller, &req.account, "unlock")?;
    let faillock = osh_core::paths::tool::FAILLOCK;
    if !Path::new(faillock).is_file() {
        return Err(Reply::new(
            Code::ERR_NOT_SUPPORTED,
            "Found no unlock tool on this system (faillock, from libpam-modules-bin). Please contact your sysadmin!",
        ));
    }
    crate::sys::run(faillock, &["--user", &acct.name, "--reset"])?;
    crate::log(
        &caller.config,
        events::Account {
            action: "unlock",
            account: &acct.name,
            ..Default::default()
        },
    );
    Ok(Reply::new(
        Code::OK,
        format!("Account '{}' has been successfully unlocked.", acct.name),
    )
    .with_value(json!({"account": acct.name})))
}
