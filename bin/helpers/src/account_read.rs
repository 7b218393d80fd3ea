//! `osh-accountRead` (as keyreader): read what an account keeps in its home and
//! that auditors and admins may see: ingress keys, creation info, TTL, last
//! login, egress ssh settings. keyreader is in every account's group, so it
//! reads group-readable files and never the private egress keys (mode 0400).

use std::os::unix::fs::MetadataExt as _;

use osh_core::account::{self, Account, BASTION_USERS};
use osh_core::helper::Caller;
use osh_core::requests::{AccountRead, Read};
use osh_core::serde_json::{self, Map};
use osh_core::{Reply, Result, Value, json, keys, paths, unix};

fn read(acct: &Account, key: &str) -> Value {
    std::fs::read_to_string(acct.private_config(key)).map_or(Value::Null, |s| json!(s.trim()))
}

fn lastlog(acct: &Account) -> Value {
    std::fs::metadata(acct.home.join("lastlog")).map_or(Value::Null, |m| json!(m.mtime()))
}

fn ssh_config(acct: &Account) -> Value {
    let Ok(text) = std::fs::read_to_string(acct.home.join(".ssh/config")) else {
        return json!({"type": "default", "items": {}});
    };
    let mut items = Map::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        if let Some((k, v)) = line.split_once(char::is_whitespace) {
            items.insert(k.to_ascii_lowercase(), json!(v.trim()));
        }
    }
    json!({"type": "custom", "items": items})
}

fn info(acct: &Account) -> Value {
    json!({
        "account": acct.name,
        "creation_information": std::fs::read_to_string(acct.private_config("creation_info"))
            .ok()
            .and_then(|s| serde_json::from_str::<Value>(&s).ok()),
        "creation_timestamp": read(acct, "creation_timestamp"),
        "account_ttl": read(acct, "account_ttl"),
        "osh_only": read(acct, "osh_only") == json!("yes"),
        "lastlog_timestamp": lastlog(acct),
        "personal_egress_mfa_required": read(acct, "personal_egress_mfa_required"),
        "account_egress_ssh_config": ssh_config(acct),
    })
}

/// The helper's logic (the caller's grant for `req.what` is already checked).
pub fn run(caller: &Caller, req: AccountRead) -> Result<Reply> {
    let acct = || {
        account::bastion_account(
            req.account
                .as_deref()
                .ok_or_else(|| Reply::missing("Missing the account"))?,
        )
    };
    match req.what {
        Read::Ingress => {
            let acct = acct()?;
            let k = keys::read_authorized(&acct.home.join(paths::AUTHORIZED_KEYS));
            Ok(Reply::ok(
                json!({"account": acct.name, "keys": keys::keys_value(&k)}),
            ))
        }
        Read::Egress => {
            let acct = acct()?;
            let from = keys::egress_from(&caller.config);
            Ok(Reply::ok(keys::egress_keys_value(&acct.home, &from)))
        }
        Read::Info | Read::InfoAll if !caller.is_auditor() => Err(Reply::new(
            osh_core::Code::ERR_ACCESS_DENIED,
            "An account's details are for bastion auditors only",
        )),
        Read::Info => Ok(Reply::ok(info(&acct()?))),
        Read::Passwords => {
            let acct = acct()?;
            let all = osh_core::password::list(&osh_core::password::base(&acct.home, &acct.name))
                .map_err(Reply::from)?;
            if all.is_empty() {
                return Ok(Reply::new(
                    osh_core::Code::OK_EMPTY,
                    format!("Account {} has no egress password", acct.name),
                ));
            }
            let (text, value) = osh_core::password::listing(&all)?;
            Ok(Reply::new(osh_core::Code::OK, text).with_value(value))
        }
        Read::List | Read::InfoAll => {
            let members = unix::group(BASTION_USERS)
                .map(|g| g.mem)
                .unwrap_or_default();
            let mut out = Map::new();
            for name in members {
                if let Some(a) = Account::lookup(&name) {
                    out.insert(name, info(&a));
                }
            }
            Ok(Reply::ok(Value::Object(out)))
        }
    }
}

/// One `/etc/shadow` line as The Bastion reports it: the password's state
/// (`set`, `locked`, `empty`), never the hash, and its ageing, with -1 for
/// "no limit" and dates as `YYYY-MM-DD` (null when unset).
fn password_info(line: &str) -> Option<Value> {
    let f: Vec<&str> = line.split(':').collect();
    if f.len() != 9 {
        return None;
    }
    let num = |s: &str| s.parse::<i64>().unwrap_or(0);
    let state = if f[1].starts_with(['*', '!']) {
        "locked"
    } else if f[1].is_empty() {
        "empty"
    } else {
        "set"
    };
    let day = |d: i64| -> (i64, Value) {
        let ts = d.saturating_mul(86_400);
        let shown = u64::try_from(ts)
            .ok()
            .filter(|t| *t > 0)
            .map_or(Value::Null, |t| json!(osh_core::time::local(t, "%Y-%m-%d")));
        (ts, shown)
    };
    let (changed_ts, changed) = day(num(f[2]));
    let (disabled_ts, disabled) = day(num(f[7]));
    let max = num(f[4]);
    Some(json!({
        "user": f[0],
        "password": state,
        "date_changed_timestamp": changed_ts,
        "date_changed": changed,
        "min_days": num(f[3]),
        "max_days": if max >= 9999 { -1 } else { max },
        "warn_days": num(f[5]),
        "inactive_days": if f[6].is_empty() { -1 } else { num(f[6]) },
        "date_disabled_timestamp": disabled_ts,
        "date_disabled": disabled,
    }))
}

/// `osh-accountGetPasswordInfo` (as root): [`password_info`] of an account,
/// for auditors.
pub fn password(caller: &Caller, req: osh_core::requests::AccountPasswordInfo) -> Result<Reply> {
    if !caller.is_auditor() {
        return Err(Reply::new(
            osh_core::Code::ERR_ACCESS_DENIED,
            "This option can only be used by bastion auditors",
        ));
    }
    let acct = account::bastion_account(&req.account)?;
    let shadow = std::fs::read_to_string("/etc/shadow").map_err(|e| {
        Reply::new(
            osh_core::Code::ERR_IO,
            format!("Couldn't read /etc/shadow: {e}"),
        )
    })?;
    let prefix = format!("{}:", acct.name);
    shadow
        .lines()
        .find(|l| l.starts_with(&prefix))
        .and_then(password_info)
        .map(Reply::ok)
        .ok_or_else(|| {
            Reply::new(
                osh_core::Code::ERR_SYSTEM,
                format!("No usable shadow entry for {}", acct.name),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::password_info;

    #[test]
    fn shadow_lines_as_the_bastion_reports_them() {
        let v = password_info("bob:!:20000:0:99999:7:::").unwrap();
        assert_eq!(v["password"], "locked");
        assert_eq!(v["min_days"], 0);
        assert_eq!(v["max_days"], -1);
        assert_eq!(v["inactive_days"], -1);
        assert_eq!(v["date_disabled"], osh_core::Value::Null);
        assert_eq!(v["date_disabled_timestamp"], 0);
        assert_eq!(v["date_changed_timestamp"], 20000 * 86_400);
        assert!(
            v["date_changed"]
                .as_str()
                .is_some_and(|d| d.starts_with("2024-"))
        );
        assert_eq!(
            password_info("x:$6$salt$hash:1:2:30:4:5:6:").unwrap()["password"],
            "set"
        );
        assert_eq!(
            password_info("x::1:2:30:4:5:6:").unwrap()["password"],
            "empty"
        );
        assert!(password_info("x:y").is_none());
        assert!(
            !password_info("x:$6$s$h:1:2:3:4:5:6:")
                .unwrap()
                .to_string()
                .contains("$6$")
        );
    }
}
