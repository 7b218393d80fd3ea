//! `selfListAccesses` and `selfListEgressKeys` (and the listings the account*
//! versions share).

use osh_core::plugin::{Class, Ctx, Plugin};
use osh_core::{Reply, Result, keys};

/// `selfListAccesses`.
pub const ACCESSES: Plugin = Plugin {
    name: "selfListAccesses",
    class: Class::Open,
    summary: "list the servers you can reach",
    title: "your access list",
    help: "Usage: --osh selfListAccesses\n  The servers you can connect to through this bastion.\n",
    run: self_accesses,
};

/// `selfListEgressKeys`.
pub const EGRESS_KEYS: Plugin = Plugin {
    name: "selfListEgressKeys",
    class: Class::Open,
    summary: "show the keys the bastion uses for you, to install on servers",
    title: "the public part of your personal bastion egress key",
    help: "Usage: --osh selfListEgressKeys\n  The keys the bastion uses to connect for you, with the line to install on servers.\n",
    run: self_egress_keys,
};

fn self_accesses(ctx: &mut Ctx) -> Result<Reply> {
    ctx.options(&[])?;
    let (text, reply) = osh_core::render::accesses(&ctx.account.name, &ctx.groups);
    ctx.out.info(&text);
    Ok(reply)
}

fn self_egress_keys(ctx: &mut Ctx) -> Result<Reply> {
    ctx.options(&[])?;
    let value = keys::egress_keys_value(&ctx.account.home, &keys::egress_from(&ctx.config));
    ctx.out.info(&osh_core::render::egress_keys(&value));
    Ok(Reply::ok(value))
}
