//! `accountListIngressKeys`: the ingress keys of an account (read by keyreader).

use osh_core::getopt::{Kind, Opt, opt};
use osh_core::plugin::{self, Class, Ctx, Plugin};
use osh_core::requests::{AccountRead, Read};
use osh_core::sshkey::PublicKey;
use osh_core::{Reply, Result};

/// The plugin.
pub const PLUGIN: Plugin = Plugin {
    name: "accountListIngressKeys",
    class: Class::Restricted,
    summary: "list the ingress keys of an account",
    title: "the public keys to connect to an account",
    help: "Usage: --osh accountListIngressKeys --account NAME\n",
    run,
};

const SPEC: &[Opt] = &[opt("account", Kind::Str)];

fn run(ctx: &mut Ctx) -> Result<Reply> {
    let p = ctx.options(SPEC)?;
    let acct = plugin::target_account(&p, "account")?;
    let r = ctx.helper(&AccountRead {
        account: Some(acct.name.clone()),
        what: Read::Ingress,
    })?;
    let keys: Vec<PublicKey> = r.value["keys"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|k| k["line"].as_str())
        .filter_map(|l| PublicKey::parse(l).ok())
        .collect();
    ctx.out.info(&osh_core::render::ingress_keys(&keys));
    Ok(Reply::ok(r.value))
}
