//! `groupAdd*`/`groupDel*` of owners, gatekeepers, aclkeepers (owners
//! manage them) and members (gatekeepers do): one path, the role and the
//! direction read from the plugin's name.

use osh_core::getopt::{Kind, opt};
use osh_core::group::Role;
use osh_core::plugin::{self, Class, Ctx, Plugin};
use osh_core::requests::GroupRole;
use osh_core::{Reply, Result};

macro_rules! role_plugin {
    ($id:ident, $name:literal, $class:ident, $verb:literal, $what:literal) => {
        #[doc = concat!("`", $name, "`.")]
        pub const $id: Plugin = Plugin {
            name: $name,
            class: Class::$class,
            summary: concat!($verb, " ", $what),
            title: concat!($verb, " ", $what),
            help: concat!(
                "Usage: --osh ",
                $name,
                " --group GROUP --account ACCOUNT\n  ",
                $verb,
                " ",
                $what,
                ".\n"
            ),
            run,
        };
    };
}

role_plugin!(
    ADD_OWNER,
    "groupAddOwner",
    GroupOwner,
    "make an account",
    "an owner of a group"
);
role_plugin!(
    DEL_OWNER,
    "groupDelOwner",
    GroupOwner,
    "remove",
    "an owner of a group"
);
role_plugin!(
    ADD_GATEKEEPER,
    "groupAddGatekeeper",
    GroupOwner,
    "make an account",
    "a gatekeeper of a group (who manages its members and guests)"
);
role_plugin!(
    DEL_GATEKEEPER,
    "groupDelGatekeeper",
    GroupOwner,
    "remove",
    "a gatekeeper of a group"
);
role_plugin!(
    ADD_ACLKEEPER,
    "groupAddAclkeeper",
    GroupOwner,
    "make an account",
    "an aclkeeper of a group (who manages its servers)"
);
role_plugin!(
    DEL_ACLKEEPER,
    "groupDelAclkeeper",
    GroupOwner,
    "remove",
    "an aclkeeper of a group"
);
role_plugin!(
    ADD_MEMBER,
    "groupAddMember",
    GroupGatekeeper,
    "make an account",
    "a member of a group (it reaches all its servers)"
);
role_plugin!(
    DEL_MEMBER,
    "groupDelMember",
    GroupGatekeeper,
    "remove",
    "a member of a group"
);

/// The role and direction a plugin name says (`groupAddOwner`: owner, add).
fn parse(name: &str) -> Option<(Role, bool)> {
    let (add, rest) = if let Some(r) = name.strip_prefix("groupAdd") {
        (true, r)
    } else {
        (false, name.strip_prefix("groupDel")?)
    };
    let role = match rest {
        "Owner" => Role::Owner,
        "Gatekeeper" => Role::Gatekeeper,
        "Aclkeeper" => Role::Aclkeeper,
        "Member" => Role::Member,
        _ => return None,
    };
    Some((role, add))
}

fn run(ctx: &mut Ctx) -> Result<Reply> {
    let (role, add) = parse(ctx.name)
        .ok_or_else(|| Reply::internal(format!("not a role plugin: {}", ctx.name)))?;
    let p = ctx.options(&[opt("group", Kind::Str), opt("account", Kind::Str)])?;
    let g = crate::group_opt(&p)?;
    let account = plugin::account_name(&p, "account")?.to_owned();
    crate::require(ctx, &g, role.managed_by())?;
    let r = ctx.helper(&GroupRole {
        group: g,
        account,
        role,
        add,
    })?;
    ctx.out.info(&r.msg);
    // The Bastion's shape: no value, the code says what happened.
    Ok(Reply::new(
        osh_core::Code::from_name(&r.code).unwrap_or(osh_core::Code::OK),
        r.msg,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_say_role_and_direction() {
        assert_eq!(parse("groupAddOwner"), Some((Role::Owner, true)));
        assert_eq!(parse("groupDelMember"), Some((Role::Member, false)));
        assert_eq!(parse("groupAddGuestAccess"), None);
        for p in [
            ADD_OWNER,
            DEL_OWNER,
            ADD_GATEKEEPER,
            DEL_GATEKEEPER,
            ADD_ACLKEEPER,
            DEL_ACLKEEPER,
            ADD_MEMBER,
            DEL_MEMBER,
        ] {
            let (role, _) = parse(p.name).unwrap_or_else(|| panic!("{}", p.name));
            let class = match role.managed_by() {
                Role::Owner => Class::GroupOwner,
                _ => Class::GroupGatekeeper,
            };
            assert_eq!(p.class, class, "{}", p.name);
        }
    }
}
