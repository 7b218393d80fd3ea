//! Plugins of groups: a group holds servers and egress keys; its owners,
//! gatekeepers and aclkeepers manage it; members reach all its servers,
//! guests the ones they are given.
//!
//! The `group-*` permission classes let anyone holding that role in *some*
//! group start the plugin; which group is checked here early (for a clear
//! answer) and by the helper again (which trusts nothing said here).
#![forbid(unsafe_code)]

pub mod guests;
pub mod info;
pub mod keys;
pub mod manage;
pub mod passwords;
pub mod roles;
pub mod servers;

use osh_core::getopt::Parsed;
use osh_core::group::{self, Role};
use osh_core::plugin::{Ctx, Plugin};
use osh_core::{Reply, Result};

/// The plugins of this crate.
pub const PLUGINS: &[Plugin] = &[
    manage::CREATE,
    manage::DELETE,
    manage::DESTROY,
    manage::TRANSMIT,
    roles::ADD_OWNER,
    roles::DEL_OWNER,
    roles::ADD_GATEKEEPER,
    roles::DEL_GATEKEEPER,
    roles::ADD_ACLKEEPER,
    roles::DEL_ACLKEEPER,
    roles::ADD_MEMBER,
    roles::DEL_MEMBER,
    servers::ADD,
    servers::DEL,
    servers::SET,
    servers::LIST,
    guests::ADD,
    guests::DEL,
    guests::LIST,
    keys::GENERATE,
    keys::DELETE,
    passwords::GENERATE,
    passwords::LIST,
    info::INFO,
    info::LIST,
    info::MODIFY,
    info::WHO,
];

/// The mandatory `--group` of a group plugin: a valid, existing group.
pub(crate) fn group_opt(p: &Parsed) -> Result<String> {
    let g = p
        .str("group")
        .ok_or_else(|| Reply::missing("Missing mandatory parameter --group"))?;
    group::existing(g)
}

/// Whether the caller holds `role` in `g`, superowners counting as
/// holding every keeper role (the helper logs that use of the power).
pub(crate) fn holds(ctx: &Ctx, g: &str, role: Role) -> bool {
    group::has_role(&ctx.account.name, &ctx.groups, g, role)
        || (role != Role::Member && role != Role::Guest && ctx.is_superowner())
}

/// Fail early, with the reference's code, unless the caller holds `role` in `g`.
pub(crate) fn require(ctx: &Ctx, g: &str, role: Role) -> Result<()> {
    if holds(ctx, g, role) {
        Ok(())
    } else {
        Err(role.refusal(g))
    }
}
