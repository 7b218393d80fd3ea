//! `rootListIngressKeys` (helper `osh-rootListIngressKeys`, as root): who
//! can log in as root on the bastion's host.

use osh_core::plugin::{Class, Ctx, Plugin};
use osh_core::requests::RootListIngressKeys;
use osh_core::sshkey::PublicKey;
use osh_core::{Reply, Result};

/// `rootListIngressKeys`.
pub const PLUGIN: Plugin = Plugin {
    name: "rootListIngressKeys",
    class: Class::Restricted,
    summary: "list the public keys to connect as root on this bastion",
    title: "public keys to connect as root on this bastion",
    help: "Usage: --osh rootListIngressKeys\n  \
           The keys of root's authorized_keys and authorized_keys2, for audit: who can be\n  \
           root on the host itself. A line that is not a key is listed too, with why.\n  \
           Grant it only to accounts that need to know.\n",
    run,
};

fn run(ctx: &mut Ctx) -> Result<Reply> {
    ctx.options(&[])?;
    let r = ctx.helper(&RootListIngressKeys {})?;
    let mut text = String::new();
    for k in r.value["keys"].as_array().into_iter().flatten() {
        let id = usize::try_from(k["id"].as_u64().unwrap_or_default()).unwrap_or_default();
        let line = k["line"].as_str().unwrap_or_default();
        match PublicKey::parse(line) {
            Ok(key) if k["validity"] == "OK" => {
                text.push_str(&osh_core::render::ingress_key(id, &key));
            }
            _ => text.push_str(&format!(
                "{id:>2}: ({}) {}\n",
                k["validity"].as_str().unwrap_or("?"),
                osh_core::ui::clean(line)
            )),
        }
    }
    if text.is_empty() {
        text.push_str("root has no ingress key\n");
    }
    ctx.out.info(&text);
    Ok(Reply::ok(r.value))
}
