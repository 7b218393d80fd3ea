//! `accountListAccesses` and `accountListEgressKeys`.

use osh_core::getopt::{Kind, Opt, opt};
use osh_core::plugin::{self, Ctx, Plugin};
use osh_core::requests::{AccountRead, Read};
use osh_core::{Reply, Result};

/// `accountListAccesses`.
pub const ACCESSES: Plugin = Plugin {
    name: "accountListAccesses",
    title: "accesses of an account",
    help: "Usage: --osh accountListAccesses --account ACCOUNT\n",
    run: accesses,
};

/// `accountListEgressKeys`.
pub const EGRESS_KEYS: Plugin = Plugin {
    name: "accountListEgressKeys",
    title: "the public part of an account's egress keys",
    help: "Usage: --osh accountListEgressKeys --account ACCOUNT\n",
    run: egress_keys,
};

const SPEC: &[Opt] = &[opt("account", Kind::Str)];

fn accesses(ctx: &mut Ctx) -> Result<Reply> {
    let p = ctx.options(SPEC)?;
    let acct = plugin::target_account(&p, "account")?;
    let (text, value) = osh_plugins_open::self_lists::accesses_of(&acct.name);
    ctx.out.info(&text);
    Ok(Reply::ok(value))
}

fn egress_keys(ctx: &mut Ctx) -> Result<Reply> {
    let p = ctx.options(SPEC)?;
    let acct = plugin::target_account(&p, "account")?;
    let r = ctx.helper(&AccountRead {
        account: Some(acct.name.clone()),
        what: Read::Egress,
    })?;
    ctx.out
        .info(&osh_plugins_open::self_lists::describe_egress(&r.value));
    Ok(Reply::ok(r.value))
}
