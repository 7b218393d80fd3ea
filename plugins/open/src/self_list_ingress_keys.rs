//! `selfListIngressKeys`: the keys that can log in to the caller's account.

use osh_core::plugin::{Ctx, Plugin};
use osh_core::{Reply, Result, json, keys, paths};

/// The plugin.
pub const PLUGIN: Plugin = Plugin {
    name: "selfListIngressKeys",
    title: "the public keys to connect to your account",
    help: "Usage: --osh selfListIngressKeys\n  List the public keys that can connect to your account.\n",
    run,
};

/// Human listing of keys, shared with accountListIngressKeys.
#[must_use]
pub fn describe(keys: &[osh_core::sshkey::PublicKey]) -> String {
    let mut text = String::new();
    for (i, k) in keys.iter().enumerate() {
        text.push_str(&format!(
            "{:>2}: {} {} {} {}\n    {}\n",
            i + 1,
            k.family,
            k.size,
            k.fingerprint,
            osh_core::ui::clean(k.comment.as_deref().unwrap_or("")),
            osh_core::ui::clean(&k.line)
        ));
    }
    text
}

fn run(ctx: &mut Ctx) -> Result<Reply> {
    ctx.options(&[])?;
    let k = keys::read_authorized(&ctx.account.home.join(paths::AUTHORIZED_KEYS));
    ctx.out.info(&describe(&k));
    Ok(Reply::ok(
        json!({"account": ctx.account.name, "keys": keys::keys_value(&k)}),
    ))
}
