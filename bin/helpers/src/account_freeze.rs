//! `osh-accountFreeze` (as allowkeeper): freeze or unfreeze an account.
//!
//! The flag is `/home/allowkeeper/ACCOUNT/config.frozen`, a file only allowkeeper
//! can write, read by osh at every login.

use osh_core::events;
use osh_core::fsx::At as _;
use osh_core::helper::Caller;
use osh_core::requests::AccountFreeze;
use osh_core::{Reply, Result, json};

use crate::sys::write_file;

/// The helper's logic.
pub fn run(caller: &Caller, req: AccountFreeze) -> Result<Reply> {
    let freeze = req.freeze;
    let acct = crate::target_account(caller, &req.account, "freeze or unfreeze")?;
    let file = acct.public_config("frozen");
    if freeze {
        if acct.name == caller.name {
            return Err(Reply::new(
                osh_core::Code::KO_CANNOT_FREEZE_SELF,
                "You can't freeze your own account",
            ));
        }
        if file.exists() {
            return Ok(Reply::new(
                osh_core::Code::OK_NO_CHANGE,
                format!("Account {} was already frozen", acct.name),
            ));
        }
        let info = json!({"reason": req.reason.as_deref(), "by": caller.name, "timestamp": osh_core::time::epoch()});
        let me = nix::unistd::geteuid().as_raw();
        write_file(
            &file,
            info.to_string().as_bytes(),
            me,
            nix::unistd::getegid().as_raw(),
            0o644,
        )?;
    } else {
        if !file.exists() {
            return Ok(Reply::new(
                osh_core::Code::OK_NO_CHANGE,
                format!("Account {} was not frozen", acct.name),
            ));
        }
        std::fs::remove_file(&file).at(&file)?;
    }
    crate::log(
        &caller.config,
        events::Account {
            action: if freeze { "freeze" } else { "unfreeze" },
            account: &acct.name,
            comment: req.reason.as_deref().unwrap_or(""),
            ..Default::default()
        },
    );
    let verb = if freeze { "frozen" } else { "unfrozen" };
    Ok(Reply::new(
        osh_core::Code::OK,
        format!("Account {} is now {verb}", acct.name),
    )
    .with_value(json!({"account": acct.name, "frozen": freeze, "reason": req.reason})))
}
