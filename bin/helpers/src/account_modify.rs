//! `osh-accountModify` (as root): change one setting of an account.
//!
//! One option per call, named as the plugin's flag; the plugin calls once per
//! flag given and reports each result under the option's name.

use osh_core::account::Account;
use osh_core::events;
use osh_core::fsx::At as _;
use osh_core::helper::Caller;
use osh_core::requests::AccountModify;
use osh_core::{Reply, Result, unix};

use crate::sys::{self, write_file};

fn yes_no(v: &str) -> Result<bool> {
    match v {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err(Reply::invalid(format!(
            "Expected yes or no, got '{}'",
            osh_core::ui::clean(v)
        ))),
    }
}

fn no_change() -> Reply {
    Reply::new(osh_core::Code::OK_NO_CHANGE, "Nothing to change")
}

/// Write or remove a flag file; `OK_NO_CHANGE` if it already was so.
fn flag_file(
    path: &std::path::Path,
    on: bool,
    content: &[u8],
    uid: u32,
    gid: u32,
    mode: u32,
) -> Result<Reply> {
    let current = std::fs::read(path).ok();
    if on {
        if current.as_deref() == Some(content) {
            return Ok(no_change());
        }
        write_file(path, content, uid, gid, mode)?;
    } else {
        if current.is_none() {
            return Ok(no_change());
        }
        std::fs::remove_file(path).at(path)?;
    }
    Ok(Reply::new(osh_core::Code::OK, "Done"))
}

fn group_flag(acct: &Account, group: &str, on: bool) -> Result<Reply> {
    if sys::set_member(&acct.name, group, on)? {
        Ok(Reply::new(osh_core::Code::OK, "Done"))
    } else {
        Ok(no_change())
    }
}

/// The egress ssh settings of `--egress-strict-host-key-checking MODE`.
fn ssh_config_items(mode: &str) -> Result<Vec<(&'static str, &'static str)>> {
    Ok(match mode {
        "default" => vec![],
        "yes" => vec![("StrictHostKeyChecking", "yes")],
        "no" => vec![("StrictHostKeyChecking", "no")],
        "ask" => vec![("StrictHostKeyChecking", "ask")],
        "accept-new" => vec![("StrictHostKeyChecking", "accept-new")],
        "bypass" => vec![
            ("StrictHostKeyChecking", "no"),
            ("UserKnownHostsFile", "/dev/null"),
        ],
        _ => {
            return Err(Reply::invalid(
                "Expected one of yes, no, ask, accept-new, bypass, default",
            ));
        }
    })
}

fn ssh_config(acct: &Account, mode: &str) -> Result<Reply> {
    let items = ssh_config_items(mode)?;
    let path = acct.home.join(".ssh/config");
    if items.is_empty() {
        return flag_file(&path, false, b"", acct.uid, acct.gid, 0o640);
    }
    let mut text =
        String::from("# Managed by osh accountModify --egress-strict-host-key-checking\n");
    for (k, v) in &items {
        text.push_str(&format!("{k} {v}\n"));
    }
    flag_file(&path, true, text.as_bytes(), acct.uid, acct.gid, 0o640)
}

/// The helper's logic.
pub fn run(caller: &Caller, req: AccountModify) -> Result<Reply> {
    let acct = crate::target_account(caller, &req.account, "modify")?;
    let (option, value) = (req.option.as_str(), req.value.as_str());
    let ak = unix::user("allowkeeper")
        .ok_or_else(|| Reply::internal("the allowkeeper user is missing"))?;
    let (akuid, akgid) = (ak.uid.as_raw(), ak.gid.as_raw());
    // Public flags live in allowkeeper's directory, readable by all (osh reads them at login).
    let public_yes =
        |key: &str, on: bool| flag_file(&acct.public_config(key), on, b"yes", akuid, akgid, 0o644);
    let r = match option {
        "always-active" => public_yes("always_active", yes_no(value)?)?,
        "idle-ignore" => public_yes("idle_ignore", yes_no(value)?)?,
        "osh-only" => flag_file(
            &acct.private_config("osh_only"),
            yes_no(value)?,
            b"yes",
            acct.uid,
            acct.gid,
            0o640,
        )?,
        "max-inactive-days" => {
            let days: i64 = value
                .parse()
                .map_err(|_| Reply::invalid("Expected a number of days, or -1 for the default"))?;
            if !(-1..=365 * 5).contains(&days) {
                return Err(Reply::invalid(
                    "Expected a number of days between 0 and 1825, or -1 for the default",
                ));
            }
            let content = days.to_string();
            flag_file(
                &acct.public_config("max_inactive_days"),
                days >= 0,
                content.as_bytes(),
                akuid,
                akgid,
                0o644,
            )?
        }
        "pam-auth-bypass" => group_flag(&acct, "bastion-nopam", yes_no(value)?)?,
        "pubkey-auth-optional" => group_flag(&acct, "osh-pubkey-auth-optional", yes_no(value)?)?,
        "egress-strict-host-key-checking" => ssh_config(&acct, value)?,
        other => {
            return Err(Reply::invalid(format!(
                "Unknown or unsupported option '{}'",
                osh_core::ui::clean(other)
            )));
        }
    };
    if r.code == "OK" {
        crate::log(
            &caller.config,
            events::Account {
                action: "modify",
                account: &acct.name,
                extra: vec![("option", option.to_owned()), ("value", value.to_owned())],
                ..Default::default()
            },
        );
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::{ssh_config_items, yes_no};

    #[test]
    fn option_values_map_as_documented() {
        assert_eq!(yes_no("yes").ok(), Some(true));
        assert_eq!(yes_no("no").ok(), Some(false));
        for bad in ["", "1", "true", "YES", "yes\n"] {
            assert!(yes_no(bad).is_err(), "{bad:?}");
        }
        assert!(ssh_config_items("default").unwrap().is_empty());
        assert_eq!(
            ssh_config_items("accept-new").unwrap(),
            [("StrictHostKeyChecking", "accept-new")]
        );
        assert_eq!(
            ssh_config_items("bypass").unwrap(),
            [
                ("StrictHostKeyChecking", "no"),
                ("UserKnownHostsFile", "/dev/null")
            ]
        );
        // Nothing else reaches the account's ssh config file.
        for bad in ["", "bypass\nProxyCommand x", "No", "ProxyCommand=x"] {
            assert!(ssh_config_items(bad).is_err(), "{bad:?}");
        }
    }
}
