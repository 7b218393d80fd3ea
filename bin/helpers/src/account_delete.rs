//! `osh-accountDelete` (as root): delete an account, archiving its evidence first.
//!
//! The home (recordings, logs, keys) and the ACL directory are moved, not copied
//! or removed, into `/home/oldkeeper/accounts/` (root only) before the Unix user
//! goes away. A rename within `/home` is atomic: either the archive holds
//! everything or nothing moved and the account is left as it was.

use std::path::PathBuf;

use osh_core::events;
use osh_core::helper::Caller;
use osh_core::requests::AccountDelete;
use osh_core::{Reply, Result, json, paths, unix};

use crate::sys::{self, make_dir};
use osh_core::paths::tool;

/// The helper's logic.
pub fn run(caller: &Caller, req: AccountDelete) -> Result<Reply> {
    let acct = crate::target_account(caller, &req.account, "delete")?;
    if acct.name == caller.name {
        return Err(Reply::new(
            osh_core::Code::KO_CANNOT_DELETE_SELF,
            "You can't delete your own account",
        ));
    }
    let _lock = sys::passwd_lock()?;
    // A live session would keep files open and make userdel fail half-way:
    // its processes end first (their sessions log their close).
    sys::end_processes_of(acct.uid)?;
    make_dir(&PathBuf::from(paths::OLDKEEPER_HOME), 0, 0, 0o700)?;
    make_dir(&PathBuf::from(paths::OLDKEEPER_ACCOUNTS), 0, 0, 0o700)?;
    let stamp = osh_core::log::now().strftime("%Y%m%d-%H%M%S").to_string();
    let archive = PathBuf::from(paths::OLDKEEPER_ACCOUNTS).join(format!(
        "{}.{stamp}.{}",
        acct.name,
        osh_core::logging::uniqid()
    ));
    make_dir(&archive, 0, 0, 0o700)?;
    // Every step is undone if a later one fails: the account is either
    // deleted and archived, or left as it was.
    let adir = paths::allowkeeper_dir(&acct.name);
    let moves = [
        (acct.home.clone(), archive.join("home")),
        (adir, archive.join("allowkeeper")),
    ];
    let mut moved: Vec<&(PathBuf, PathBuf)> = Vec::new();
    let undo = |moved: &[&(PathBuf, PathBuf)]| {
        for (from, to) in moved.iter().rev() {
            let _ = std::fs::rename(to, from);
        }
        let _ = std::fs::remove_dir_all(&archive);
    };
    for m in &moves {
        if m.0.exists() {
            if let Err(e) = std::fs::rename(&m.0, &m.1) {
                undo(&moved);
                return Err(osh_core::Reply::from(e));
            }
            moved.push(m);
        }
    }
    let done = std::fs::write(
        archive.join("account.json"),
        json!({"account": acct.name, "uid": acct.uid, "gid": acct.gid, "deleted_by": caller.name, "deleted_at": sys::now_human()})
            .to_string(),
    )
    .map_err(osh_core::Reply::from)
    .and_then(|()| sys::run(tool::USERDEL, &[&acct.name]));
    if let Err(e) = done {
        undo(&moved);
        return Err(e);
    }
    if unix::group(&acct.name).is_some() {
        sys::run(tool::GROUPDEL, &[&acct.name])?;
    }
    let tty = format!("{}-tty", acct.name);
    if unix::group(&tty).is_some() {
        sys::run(tool::GROUPDEL, &[&tty])?;
    }
    crate::log(
        &caller.config,
        events::Account {
            action: "delete",
            account: &acct.name,
            account_uid: acct.uid.to_string(),
            extra: vec![
                ("tty_group", tty.clone()),
                ("archive", archive.to_string_lossy().into_owned()),
            ],
            ..Default::default()
        },
    );
    Ok(Reply::new(
        osh_core::Code::OK,
        format!(
            "Account {} deleted, its home is archived in {}",
            acct.name,
            archive.display()
        ),
    )
    .with_value(json!({"account": acct.name, "archive": archive})))
}
