//! A group's guests (gatekeepers): `groupAddGuestAccess`,
//! `groupDelGuestAccess`, `groupListGuestAccesses`. A guest reaches the
//! servers of the group it is given, and only while the group has them.

use osh_core::getopt::{Kind, opt};
use osh_core::group::{self, Role};
use osh_core::plugin::{self, Class, Ctx, Plugin};
use osh_core::{Reply, Result, json};

/// `groupAddGuestAccess`.
pub const ADD: Plugin = Plugin {
    name: "groupAddGuestAccess",
    class: Class::GroupGatekeeper,
    summary: "give an account access to one server of a group, as a guest",
    title: "adding a guest access to a group",
    help: "Usage: --osh groupAddGuestAccess --group GROUP --account ACCOUNT --host HOST|NET <--user USER|--user-any> <--port PORT|--port-any> [--ttl DURATION] [--comment '\"TEXT\"']\n\
           \x20 The server must be in the group's list; a group's guest_ttl_limit bounds --ttl.\n",
    run: add,
};

/// `groupDelGuestAccess`.
pub const DEL: Plugin = Plugin {
    name: "groupDelGuestAccess",
    class: Class::GroupGatekeeper,
    summary: "remove a guest's access to a server of a group",
    title: "removing a guest access from a group",
    help: "Usage: --osh groupDelGuestAccess --group GROUP --account ACCOUNT --host HOST|NET <--user USER|--user-any> <--port PORT|--port-any>\n",
    run: del,
};

/// `groupListGuestAccesses`.
pub const LIST: Plugin = Plugin {
    name: "groupListGuestAccesses",
    class: Class::GroupGatekeeper,
    summary: "list a guest's accesses to a group",
    title: "guest accesses of an account to a group",
    help: "Usage: --osh groupListGuestAccesses --group GROUP --account ACCOUNT\n",
    run: list,
};

fn add(ctx: &mut Ctx) -> Result<Reply> {
    crate::servers::change(ctx, true, true)
}

fn del(ctx: &mut Ctx) -> Result<Reply> {
    crate::servers::change(ctx, false, true)
}

fn list(ctx: &mut Ctx) -> Result<Reply> {
    let mut spec = vec![opt("group", Kind::Str), opt("account", Kind::Str)];
    spec.extend(crate::servers::FILTER_SPEC);
    let p = ctx.options(&spec)?;
    let g = crate::group_opt(&p)?;
    let acct = plugin::target_account(&p, "account")?;
    if !(crate::holds(ctx, &g, Role::Gatekeeper) || crate::holds(ctx, &g, Role::Owner)) {
        return Err(Role::Gatekeeper.refusal(&g));
    }
    let now = osh_core::time::epoch();
    let servers = group::servers(&g);
    let lines: Vec<_> = group::guest_accesses(&acct.name, &g)
        .into_iter()
        .filter(|e| servers.iter().any(|s| !s.expired(now) && s.covers(e)))
        .collect();
    let label = format!("{g}(group-guest)");
    let rows: Vec<_> = lines.iter().map(|e| (label.clone(), e)).collect();
    let (text, value) = osh_core::render::acl_table(&rows, &crate::servers::filter(&p));
    if value.is_empty() {
        ctx.out.info(&format!(
            "This account doesn't seem to have any guest access to group {g}"
        ));
        return Ok(Reply::new(
            osh_core::Code::OK_EMPTY,
            format!("{} has no guest access to group {g}", acct.name),
        ));
    }
    ctx.out.info(&text);
    Ok(Reply::ok(json!(value)))
}
