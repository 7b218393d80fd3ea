//! `osh-accountDelete` (as root): delete an account, archiving its evidence first.
//!
//! The home (recordings, logs, keys) and the ACL directory are moved, not copied
//! or removed, into `/home/oldkeeper/accounts/` (root only) before the Unix user
//! goes away. A rename within `/home` is atomic: either the archive holds
//! everything or nothing moved and the account is left as it was.

use std::path::PathBuf;

use osh_core::getopt::{Kind, Opt, opt};
use osh_core::helper::Caller;
use osh_core::{Reply, Result, json, paths, unix};

use crate::sys::{self, make_dir};

const SPEC: &[Opt] = &[opt("account", Kind::Str)];

/// The helper's logic.
pub fn run(caller: &Caller, args: &[String]) -> Result<Reply> {
    caller.require("accountDelete")?;
    let p = crate::options(SPEC, args)?;
    let acct = crate::target_account(caller, &p, "delete")?;
    if acct.name == caller.name {
        return Err(Reply::new(
            "KO_CANNOT_DELETE_SELF",
            "You can't delete your own account",
        ));
    }
    let _lock = sys::passwd_lock()?;
    make_dir(&PathBuf::from("/home/oldkeeper"), 0, 0, 0o700)?;
    make_dir(&PathBuf::from(paths::OLDKEEPER_ACCOUNTS), 0, 0, 0o700)?;
    let stamp = jiff::Zoned::now().strftime("%Y%m%d-%H%M%S").to_string();
    let archive = PathBuf::from(paths::OLDKEEPER_ACCOUNTS).join(format!(
        "{}.{stamp}.{}",
        acct.name,
        osh_core::logging::uniqid()
    ));
    make_dir(&archive, 0, 0, 0o700)?;
    if acct.home.exists() {
        std::fs::rename(&acct.home, archive.join("home"))?;
    }
    let adir = paths::allowkeeper_dir(&acct.name);
    if adir.exists() {
        std::fs::rename(&adir, archive.join("allowkeeper"))?;
    }
    std::fs::write(
        archive.join("account.json"),
        json!({"account": acct.name, "uid": acct.uid, "gid": acct.gid, "deleted_by": caller.name, "deleted_at": sys::now_human()})
            .to_string(),
    )?;
    sys::run("userdel", &[&acct.name])?;
    if unix::group(&acct.name).is_some() {
        sys::run("groupdel", &[&acct.name])?;
    }
    let tty = format!("{}-tty", acct.name);
    if unix::group(&tty).is_some() {
        sys::run("groupdel", &[&tty])?;
    }
    crate::log(
        &caller.config,
        crate::event("account")
            .field("action", "delete")
            .field("account", &acct.name)
            .field("account_uid", acct.uid.to_string())
            .field("tty_group", &tty)
            .field("archive", archive.to_string_lossy()),
    );
    Ok(Reply::new(
        "OK",
        format!(
            "Account {} deleted, its home is archived in {}",
            acct.name,
            archive.display()
        ),
    )
    .with_value(json!({"account": acct.name, "archive": archive})))
}
