//! `accountListAccesses` and `accountListEgressKeys`.

use osh_core::getopt::{Kind, Opt, opt};
use osh_core::plugin::{self, Class, Ctx, Plugin};
use osh_core::requests::{AccountRead, Read};
use osh_core::{Reply, Result};

/// `accountListAccesses`.
pub const ACCESSES: Plugin = Plugin {
    name: "accountListAccesses",
    class: Class::Restricted,
    summary: "list the servers an account can reach",
    title: "accesses of an account",
    help: "Usage: --osh accountListAccesses --account ACCOUNT\n",
    run: accesses,
};

/// `accountListEgressKeys`.
pub const EGRESS_KEYS: Plugin = Plugin {
    name: "accountListEgressKeys",
    class: Class::Restricted,
    summary: "show an account's egress keys",
    title: "the public part of an account's egress keys",
    help: "Usage: --osh accountListEgressKeys --account ACCOUNT\n",
    run: egress_keys,
};

const SPEC: &[Opt] = &[opt("account", Kind::Str)];

fn accesses(ctx: &mut Ctx) -> Result<Reply> {
    let p = ctx.options(SPEC)?;
    let acct = plugin::target_account(&p, "account")?;
    let (text, reply) =
        osh_core::render::accesses(&acct.name, &osh_core::unix::Memberships::of(&acct.name));
    ctx.out.info(&text);
    Ok(reply)
}

fn egress_keys(ctx: &mut Ctx) -> Result<Reply> {
    let p = ctx.options(SPEC)?;
    let acct = plugin::target_account(&p, "account")?;
    let r = ctx.helper(&AccountRead {
        account: Some(acct.name.clone()),
        what: Read::Egress,
    })?;
    ctx.out.info(&osh_core::render::egress_keys(&r.value));
    Ok(Reply::ok(r.value))
}
