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
        Read::Info => Ok(Reply::ok(info(&acct()?))),
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
