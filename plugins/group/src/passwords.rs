//! A group's egress passwords: `groupGeneratePassword` (owners) and
//! `groupListPasswords` (members). A password is for targets that take no
//! key (network devices); what is shown is its hashes, to install there.

use osh_core::getopt::{Kind, opt};
use osh_core::group::{self, Role};
use osh_core::plugin::{Class, Ctx, Plugin};
use osh_core::requests::GroupPassword;
use osh_core::{Reply, Result};

/// `groupGeneratePassword`.
pub const GENERATE: Plugin = Plugin {
    name: "groupGeneratePassword",
    class: Class::GroupOwner,
    summary: "generate a new egress password for a group",
    title: "generating a new egress password for a group",
    help: "Usage: --osh groupGeneratePassword --group GROUP [--size SIZE] --do-it\n\
           \x20 SIZE: 8 to 127 characters (default 16). The previous passwords are kept, for\n\
           \x20 the servers not changed yet; groupListPasswords shows every one's hashes.\n",
    run: generate,
};

/// `groupListPasswords`.
pub const LIST: Plugin = Plugin {
    name: "groupListPasswords",
    class: Class::Open,
    summary: "list the hashes of a group's egress passwords",
    title: "hashes of the egress passwords of a group",
    help: "Usage: --osh groupListPasswords --group GROUP\n  For the group's members (the OS lets only them read the passwords).\n",
    run: list,
};

fn generate(ctx: &mut Ctx) -> Result<Reply> {
    let p = ctx.options(&[
        opt("group", Kind::Str),
        opt("size", Kind::Int),
        opt("do-it", Kind::Flag),
    ])?;
    let g = crate::group_opt(&p)?;
    crate::require(ctx, &g, Role::Owner)?;
    let size = osh_core::password::size_option(&p)?;
    if !p.flag("do-it") {
        ctx.out.info(
            "A new password replaces the current one for new connections; the servers must be changed to it.\n\
             Add --do-it to generate it.",
        );
        return Err(Reply::missing("Missing --do-it"));
    }
    let r = ctx.helper(&GroupPassword { group: g, size })?;
    ctx.out.info(&r.msg);
    ctx.out
        .info(&osh_core::password::hashes_text(&r.value["hashes"]));
    Ok(r)
}

fn list(ctx: &mut Ctx) -> Result<Reply> {
    let p = ctx.options(&[opt("group", Kind::Str)])?;
    let g = crate::group_opt(&p)?;
    let all = osh_core::password::list(&group::password_base(&g)).map_err(|_| {
        Reply::new(
            osh_core::Code::KO_ACCESS_DENIED,
            format!("Sorry, only the members of group {g} can see its passwords"),
        )
    })?;
    if all.is_empty() {
        ctx.out.info("This group has no egress password");
        return Ok(Reply::new(osh_core::Code::OK_EMPTY, "No password"));
    }
    let (text, value) = osh_core::password::listing(&all)?;
    ctx.out.info(&text);
    Ok(Reply::ok(value))
}
