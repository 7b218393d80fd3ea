//! `osh-groupSetRole` (as root): give or take a role in a group.
//!
//! Owners, gatekeepers and aclkeepers are the Unix groups
//! `keyGROUP-ROLE`; a member is in `keyGROUP` *and* holds the symlink
//! `/home/allowkeeper/ACCOUNT/allowed.ip.GROUP` (a guest is in `keyGROUP`
//! without it). The caller's role in *this* group was checked by
//! [`osh_core::helper::Caller::require_for`] before this runs.

use std::os::unix::fs::lchown;

use osh_core::group::{self, Role};
use osh_core::helper::Caller;
use osh_core::requests::GroupRole;
use osh_core::{Reply, Result, events, paths};

use crate::sys;

/// Log the `membership` event of a role given or taken.
pub(crate) fn logged(caller: &Caller, g: &str, account: &str, role: Role, add: bool) {
    crate::log(
        &caller.config,
        events::Membership {
            action: if add { "add" } else { "del" },
            role: role.as_str(),
            group: g,
            account,
            on_self: if account == caller.name { "1" } else { "0" },
            ..Default::default()
        },
    );
}

/// Make `account` a member of `g`: in `keyGROUP`, and the link to the
/// group's servers in its allowkeeper directory (owned by allowkeeper,
/// as everything there is).
pub(crate) fn make_member(account: &str, g: &str) -> Result<()> {
    sys::set_member(account, &group::unix_name(g), true)?;
    let link = group::member_link(account, g);
    if !link.is_symlink() {
        let dir = paths::allowkeeper_dir(account);
        if !dir.is_dir() {
            return Err(Reply::internal(format!(
                "{} is missing: run the installer's repair of accounts",
                dir.display()
            )));
        }
        std::os::unix::fs::symlink(group::acl_path(g), &link).map_err(Reply::from)?;
        let keeper = osh_core::unix::user("allowkeeper")
            .ok_or_else(|| Reply::internal("the allowkeeper user is missing"))?;
        lchown(&link, Some(keeper.uid.as_raw()), Some(keeper.gid.as_raw())).map_err(Reply::from)?;
    }
    Ok(())
}

/// The logic of `osh-groupSetRole`.
pub fn run(caller: &Caller, req: GroupRole) -> Result<Reply> {
    let g = group::existing(&req.group)?;
    if req.role == Role::Guest {
        return Err(Reply::invalid(
            "Guests are made with groupAddGuestAccess, one access at a time",
        ));
    }
    let acct = osh_core::account::bastion_account(&req.account)?;
    let _lock = sys::passwd_lock()?;
    let groups = osh_core::unix::Memberships::of(&acct.name);
    let holds = group::has_role(&acct.name, &groups, &g, req.role);
    let what = format!("{} of group {g}", req.role.with_article());
    if holds == req.add {
        let msg = if req.add {
            format!("Account {} is already {what}", acct.name)
        } else {
            format!("Account {} was not {what}", acct.name)
        };
        return Ok(Reply::new(osh_core::Code::OK_NO_CHANGE, msg));
    }
    let mut said = String::new();
    match (req.role, req.add) {
        (Role::Member, true) => {
            // A guest who becomes a member needs its guest lines no more.
            let guest = group::guest_file(&acct.name, &g);
            if guest.exists() {
                let n = group::guest_accesses(&acct.name, &g).len();
                said = format!(
                    "Cleaning these guest accesses of {} to group {g} ({n}): a member reaches every server\n",
                    acct.name
                );
                std::fs::remove_file(&guest).map_err(Reply::from)?;
            }
            make_member(&acct.name, &g)?;
        }
        (Role::Member, false) => {
            let link = group::member_link(&acct.name, &g);
            std::fs::remove_file(&link).map_err(Reply::from)?;
            sys::set_member(&acct.name, &group::unix_name(&g), false)?;
        }
        (role, add) => {
            sys::set_member(&acct.name, &group::role_group(&g, role), add)?;
        }
    }
    logged(caller, &g, &acct.name, req.role, req.add);
    let msg = if req.add {
        format!("{said}Account {} is now {what}", acct.name)
    } else {
        format!("Account {} is no longer {what}", acct.name)
    };
    Ok(Reply::new(osh_core::Code::OK, msg))
}
