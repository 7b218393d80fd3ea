//! `osh-accountGrantCommand` (as root): grant or revoke a restricted command,
//! that is, add or remove the account from the `osh-COMMAND` Unix group.

use osh_core::events;
use osh_core::helper::Caller;
use osh_core::requests::AccountGrant;
use osh_core::{Reply, Result, json, paths};

use crate::sys;

/// Whether `cmd` can be granted: an installed restricted plugin, or `auditor`.
fn grantable(cmd: &str) -> bool {
    grantable_in(cmd, |c| {
        paths::plugin_dir().join("restricted").join(c).is_file()
    })
}

/// [`grantable`], with `installed` telling whether a restricted plugin of
/// that (well-formed) name is installed: a name is looked up only once it
/// cannot reach outside the restricted directory.
fn grantable_in(cmd: &str, installed: impl Fn(&str) -> bool) -> bool {
    cmd == "auditor"
        || (!cmd.is_empty()
            && cmd
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && !cmd.starts_with('-')
            && installed(cmd))
}

/// The helper's logic.
pub fn run(caller: &Caller, req: AccountGrant) -> Result<Reply> {
    let grant = req.grant;
    let acct = crate::target_account(caller, &req.account, "change the grants of")?;
    let cmd = req.command.as_str();
    if !grantable(cmd) {
        return Err(Reply::invalid(format!(
            "'{}' is not a restricted command that can be granted",
            osh_core::ui::clean(cmd)
        )));
    }
    // Handing out the power to hand out powers is for admins only.
    if (cmd == "accountGrantCommand" || cmd == "accountRevokeCommand") && !caller.is_admin() {
        return Err(Reply::new(
            osh_core::Code::ERR_SECURITY_VIOLATION,
            format!("Only an admin can grant or revoke {cmd}"),
        ));
    }
    let group = osh_core::group::command_group(cmd);
    if !sys::set_member(&acct.name, &group, grant)? {
        let state = if grant { "already has" } else { "doesn't have" };
        return Ok(Reply::new(
            osh_core::Code::OK_NO_CHANGE,
            format!("Account {} {state} the right to use {cmd}", acct.name),
        ));
    }
    crate::log(
        &caller.config,
        events::Security {
            kind: if grant {
                "grant-command"
            } else {
                "revoke-command"
            },
            account: &acct.name,
            plugin: cmd,
            ..Default::default()
        },
    );
    let msg = if grant {
        format!(
            "Successfully granted use of restricted command {cmd} to {}",
            acct.name
        )
    } else {
        format!(
            "Successfully revoked use of restricted command {cmd} from {}",
            acct.name
        )
    };
    Ok(Reply::new(osh_core::Code::OK, msg)
        .with_value(json!({"account": acct.name, "command": cmd, "action": if grant { "grant" } else { "revoke" }})))
}

#[cfg(test)]
mod tests {
    use super::grantable_in;

    #[test]
    fn only_installed_restricted_commands_and_auditor_are_grantable() {
        let installed = |c: &str| ["accountList", "accountInfo"].contains(&c);
        for ok in ["auditor", "accountList", "accountInfo"] {
            assert!(grantable_in(ok, installed), "{ok}");
        }
        for bad in [
            "",
            "-y",
            "--all",
            "../open/help",
            "accountList/..",
            "account List",
            "adminMaintenance",
            "help",
            "accountList\n",
        ] {
            assert!(!grantable_in(bad, installed), "{bad:?}");
        }
        // Never even looked up when it could name another path.
        assert!(!grantable_in("../x", |_| panic!("looked up")));
    }
}
