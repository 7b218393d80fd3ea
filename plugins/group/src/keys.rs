//! A group's egress keys (owners): `groupGenerateEgressKey`,
//! `groupDelEgressKey`. The key pairs are made and removed by the root
//! helper; the OS lets only the group's members and guests read them.

use osh_core::getopt::{Kind, opt};
use osh_core::group::Role;
use osh_core::plugin::{Class, Ctx, Plugin};
use osh_core::requests::GroupKey;
use osh_core::{Reply, Result};

/// `groupGenerateEgressKey`.
pub const GENERATE: Plugin = Plugin {
    name: "groupGenerateEgressKey",
    class: Class::GroupOwner,
    summary: "generate a new egress key for a group",
    title: "generating a new egress key for a group",
    help: "Usage: --osh groupGenerateEgressKey --group GROUP --algo ALGO [--size SIZE]\n\
           \x20 ALGO is rsa, ecdsa or ed25519; install the public key on the group's servers.\n",
    run: generate,
};

/// `groupDelEgressKey`.
pub const DELETE: Plugin = Plugin {
    name: "groupDelEgressKey",
    class: Class::GroupOwner,
    summary: "delete an egress key of a group",
    title: "deleting an egress key of a group",
    help: "Usage: --osh groupDelEgressKey --group GROUP --id ID\n\
           \x20 ID is the key's id, as groupInfo shows it.\n",
    run: delete,
};

fn generate(ctx: &mut Ctx) -> Result<Reply> {
    let p = ctx.options(&[
        opt("group", Kind::Str),
        opt("algo", Kind::Str),
        opt("size", Kind::Int),
        opt("encrypted", Kind::Flag),
    ])?;
    if p.str("group").is_none() || p.str("algo").is_none() {
        return Err(Reply::missing("Missing --group or --algo"));
    }
    let g = crate::group_opt(&p)?;
    crate::require(ctx, &g, Role::Owner)?;
    if p.flag("encrypted") {
        return Err(Reply::new(
            osh_core::Code::ERR_NOT_SUPPORTED,
            "Passphrase-protected group keys (--encrypted) are not supported by osh yet",
        ));
    }
    let algo = p.str("algo").unwrap_or_default();
    osh_core::keys::egress_kind(&ctx.config, algo, p.int("size"))?;
    ctx.out
        .info("Generating a new key pair, this might take a while...");
    let r = ctx.helper(&GroupKey {
        group: g,
        generate: true,
        algo: Some(algo.to_owned()),
        size: p.int("size"),
        id: None,
    })?;
    ctx.out.info(&r.msg);
    if let Some(line) = r.value["line"].as_str() {
        ctx.out.info(&format!(
            "\nThe public key to install on the group's servers:\n\n{}\n",
            osh_core::ui::clean(line)
        ));
    }
    Ok(r)
}

fn delete(ctx: &mut Ctx) -> Result<Reply> {
    let p = ctx.options(&[opt("group", Kind::Str), opt("id", Kind::Str)])?;
    let (Some(_), Some(id)) = (p.str("group"), p.str("id")) else {
        return Err(Reply::missing("Missing the --group or --id parameter"));
    };
    let id = id.to_owned();
    let g = crate::group_opt(&p)?;
    crate::require(ctx, &g, Role::Owner)?;
    let r = ctx.helper(&GroupKey {
        group: g,
        generate: false,
        id: Some(id),
        ..GroupKey::default()
    })?;
    ctx.out.info(&r.msg);
    Ok(r)
}
