//! `accountList`: the bastion accounts and their state.

use osh_core::account::Account;
use osh_core::getopt::{Kind, Opt, opt};
use osh_core::plugin::{Class, Ctx, Plugin};
use osh_core::requests::{AccountRead, Read};
use osh_core::serde_json::Map;
use osh_core::{Reply, Result, Value, account};

/// The plugin.
pub const PLUGIN: Plugin = Plugin {
    name: "accountList",
    class: Class::Restricted,
    summary: "list the bastion accounts",
    title: "list bastion accounts",
    help: "Usage: --osh accountList [--account NAME]\n  List the bastion accounts (or one of them) with their state.\n",
    run,
};

const SPEC: &[Opt] = &[opt("account", Kind::Str)];

fn run(ctx: &mut Ctx) -> Result<Reply> {
    let p = ctx.options(SPEC)?;
    if let Some(a) = p.str("account") {
        account::validate_name(a)?;
    }
    let all = ctx
        .helper(&AccountRead {
            account: None,
            what: Read::List,
        })?
        .value;
    let mut out = Map::new();
    let mut text = String::new();
    for (name, private) in all.as_object().into_iter().flatten() {
        if p.str("account").is_some_and(|a| a != name) {
            continue;
        }
        let Some(acct) = Account::lookup(name) else {
            continue;
        };
        let state = crate::account_info::state(&acct, ctx, private);
        text.push_str(&format!(
            "{name:<28} uid {:<7} {}{}\n",
            acct.uid,
            if state["is_frozen"] == 1 {
                "FROZEN "
            } else {
                ""
            },
            if state["is_ttl_expired"] == 1 {
                "TTL-EXPIRED"
            } else {
                ""
            }
        ));
        out.insert(name.clone(), state);
    }
    text.push_str(&format!("{} account(s)", out.len()));
    ctx.out.info(&text);
    Ok(Reply::ok(Value::Object(out)))
}
