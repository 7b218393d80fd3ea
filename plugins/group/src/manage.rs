//! `groupCreate`, `groupDelete` (restricted), `groupDestroy` and
//! `groupTransmitOwnership` (owners).

use osh_core::getopt::{Kind, Opt, opt};
use osh_core::group::Role;
use osh_core::plugin::{self, Class, Ctx, Plugin};
use osh_core::requests::{GroupCreate, GroupDelete, GroupRole};
use osh_core::{Reply, Result};

/// `groupCreate`.
pub const CREATE: Plugin = Plugin {
    name: "groupCreate",
    class: Class::Restricted,
    summary: "create a group",
    title: "create a new group",
    help: "Usage: --osh groupCreate --group GROUP --owner ACCOUNT <--algo ALGO [--size SIZE] | --no-key>\n\
           \x20 --group GROUP     the group's name (1 to 18 of a-z A-Z 0-9 . _ -)\n\
           \x20 --owner ACCOUNT   its first owner (also gatekeeper, aclkeeper and member)\n\
           \x20 --algo ALGO       rsa, ecdsa or ed25519: its first egress key\n\
           \x20 --size SIZE       the key's size (rsa: within the configured range; ecdsa: 256, 384, 521)\n\
           \x20 --no-key          no egress key for now (groupGenerateEgressKey makes one)\n",
    run: create,
};

/// `groupDelete`.
pub const DELETE: Plugin = Plugin {
    name: "groupDelete",
    class: Class::Restricted,
    summary: "delete a group (its data is archived)",
    title: "delete a group",
    help: "Usage: --osh groupDelete --group GROUP [--no-confirm]\n\
           \x20 Delete a group: its members lose its accesses at once; its servers list, settings\n\
           \x20 and keys are archived under /home/oldkeeper/groups/. You are asked to type the\n\
           \x20 group's name unless --no-confirm.\n",
    run: delete,
};

/// `groupDestroy`.
pub const DESTROY: Plugin = Plugin {
    name: "groupDestroy",
    class: Class::GroupOwner,
    summary: "delete a group you own (its data is archived)",
    title: "destroy a group",
    help: "Usage: --osh groupDestroy --group GROUP [--no-confirm]\n\
           \x20 As groupDelete, for the group's own owners.\n",
    run: destroy,
};

/// `groupTransmitOwnership`.
pub const TRANSMIT: Plugin = Plugin {
    name: "groupTransmitOwnership",
    class: Class::GroupOwner,
    summary: "make another account owner of a group in your place",
    title: "transmit the ownership of a group",
    help: "Usage: --osh groupTransmitOwnership --group GROUP --account ACCOUNT\n\
           \x20 ACCOUNT becomes an owner of GROUP, and you no longer are.\n",
    run: transmit,
};

const CREATE_SPEC: &[Opt] = &[
    opt("group", Kind::Str),
    opt("owner", Kind::Str),
    opt("algo", Kind::Str),
    opt("size", Kind::Int),
    opt("encrypted", Kind::Flag),
    opt("no-key", Kind::Flag),
];

fn create(ctx: &mut Ctx) -> Result<Reply> {
    let p = ctx.options(CREATE_SPEC)?;
    let g = p
        .str("group")
        .ok_or_else(|| Reply::missing("Missing mandatory parameter --group"))?;
    osh_core::group::validate_name(g)?;
    let owner = plugin::account_name(&p, "owner")?;
    if p.flag("encrypted") {
        return Err(Reply::new(
            osh_core::Code::ERR_NOT_SUPPORTED,
            "Passphrase-protected group keys (--encrypted) are not supported by osh yet",
        ));
    }
    let no_key = p.flag("no-key");
    if no_key && (p.str("algo").is_some() || p.int("size").is_some()) {
        return Err(Reply::invalid(
            "--no-key and --algo/--size exclude each other",
        ));
    }
    if !no_key {
        let algo = p
            .str("algo")
            .ok_or_else(|| Reply::missing("Missing --algo (or --no-key)"))?;
        osh_core::keys::egress_kind(&ctx.config, algo, p.int("size"))?;
    }
    ctx.out
        .info(&format!("Creating group {g} with {owner} as its owner..."));
    let r = ctx.helper(&GroupCreate {
        group: g.to_owned(),
        owner: owner.to_owned(),
        algo: p.str("algo").map(str::to_owned),
        size: p.int("size"),
        no_key,
    })?;
    ctx.out.info(&r.msg);
    if let Some(line) = r.value["public_key"]["line"].as_str() {
        ctx.out.info(&format!(
            "The public key of this group is:\n\n{}\n",
            osh_core::ui::clean(line)
        ));
    }
    Ok(r)
}

const DELETE_SPEC: &[Opt] = &[opt("group", Kind::Str), opt("no-confirm", Kind::Flag)];

fn remove(ctx: &mut Ctx, destroy: bool) -> Result<Reply> {
    let p = ctx.options(DELETE_SPEC)?;
    let g = crate::group_opt(&p)?;
    if destroy {
        crate::require(ctx, &g, Role::Owner)?;
    }
    if !p.flag("no-confirm") {
        ctx.confirm(
            &format!("delete the group {g}: its members lose its accesses at once"),
            &g,
        )?;
    }
    let r = ctx.helper(&GroupDelete { group: g, destroy })?;
    ctx.out.info(&r.msg);
    Ok(r)
}

fn delete(ctx: &mut Ctx) -> Result<Reply> {
    remove(ctx, false)
}

fn destroy(ctx: &mut Ctx) -> Result<Reply> {
    remove(ctx, true)
}

fn transmit(ctx: &mut Ctx) -> Result<Reply> {
    let p = ctx.options(&[opt("group", Kind::Str), opt("account", Kind::Str)])?;
    let g = crate::group_opt(&p)?;
    let to = plugin::target_account(&p, "account")?;
    crate::require(ctx, &g, Role::Owner)?;
    if to.name == ctx.account.name {
        return Ok(Reply::new(
            osh_core::Code::OK_NO_CHANGE,
            "Nothing to do to transmit the ownership of the group to yourself",
        ));
    }
    let change = |account: &str, add| GroupRole {
        group: g.clone(),
        account: account.to_owned(),
        role: Role::Owner,
        add,
    };
    let r = ctx.helper(&change(&to.name, true))?;
    ctx.out.info(&r.msg);
    let r = ctx.helper(&change(&ctx.account.name, false))?;
    ctx.out.info(&r.msg);
    Ok(Reply::new(
        osh_core::Code::OK,
        format!("{} is now an owner of group {g} in your place", to.name),
    ))
}
