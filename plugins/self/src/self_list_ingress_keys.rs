//! `selfListIngressKeys`: the keys that can log in to the caller's account.

use osh_core::plugin::{Class, Ctx, Plugin};
use osh_core::{Reply, Result, json, keys, paths};

/// The plugin.
pub const PLUGIN: Plugin = Plugin {
    name: "selfListIngressKeys",
    class: Class::Open,
    summary: "list the keys that can connect to your account",
    title: "the public keys to connect to your account",
    help: "Usage: --osh selfListIngressKeys\n  List the public keys that can connect to your account.\n",
    run,
};

fn run(ctx: &mut Ctx) -> Result<Reply> {
    ctx.options(&[])?;
    let k = keys::read_authorized(&ctx.account.home.join(paths::AUTHORIZED_KEYS));
    ctx.out.info(&osh_core::render::ingress_keys(&k));
    Ok(Reply::ok(
        json!({"account": ctx.account.name, "keys": keys::keys_value(&k)}),
    ))
}
