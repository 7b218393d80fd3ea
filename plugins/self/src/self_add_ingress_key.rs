//! `selfAddIngressKey`: add a public key that may log in to the caller's account.
//!
//! The account owns its `authorized_keys2`, so no helper is needed: the OS
//! already limits this plugin to the caller's own file.

use osh_core::getopt::{Kind, Opt, opt};
use osh_core::plugin::{Class, Ctx, Plugin};
use osh_core::{Reply, Result, json, keys, paths};

/// The plugin.
pub const PLUGIN: Plugin = Plugin {
    name: "selfAddIngressKey",
    class: Class::Open,
    summary: "add a public key to your account, to connect to the bastion",
    title: "add a new public key to your account",
    help: "Usage: --osh selfAddIngressKey [--public-key '\"ssh-ed25519 AAAA... comment\"']\n  \
           Add an ingress key. Without --public-key, paste the key on standard input.\n",
    run,
};

const SPEC: &[Opt] = &[opt("public-key|pubKey", Kind::Str)];

fn run(ctx: &mut Ctx) -> Result<Reply> {
    let (_, given) = ctx.options_with_key(SPEC);
    let line = match given {
        Some(k) => k,
        None => {
            ctx.out
                .info("Please paste the SSH public key you want to add. It usually ends in .pub:");
            let input = ctx.stdin(keys::MAX_PASTE)?;
            input
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .to_owned()
        }
    };
    let key = keys::ingress_policy(&line, &ctx.config)?;
    let path = ctx.account.home.join(paths::AUTHORIZED_KEYS);
    let _lock = keys::lock_authorized(&ctx.account.home)?;
    if keys::read_authorized(&path)
        .iter()
        .any(|k| k.base64 == key.base64)
    {
        return Err(Reply::new(
            osh_core::Code::KO_DUPLICATE_KEY,
            "This public key already exists on your account!",
        )
        .with_value(json!({"key": key})));
    }
    osh_core::fsx::append_synced(&path, format!("{}\n", key.line).as_bytes(), 0o640)?;
    ctx.out.info(&format!(
        "Public key successfully added:\n{} {} ({})",
        key.fingerprint,
        key.comment.as_deref().unwrap_or(""),
        key.family
    ));
    Ok(
        Reply::new(osh_core::Code::OK, "Public key successfully added")
            .with_value(json!({"connect_only_from": key.from_list, "key": key})),
    )
}
