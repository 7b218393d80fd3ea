//! Bastion groups and roles as Unix identities (reference §1.4): a group is
//! the Unix user and group `keyGROUP`, its roles the Unix groups
//! `keyGROUP-owner`, `-gatekeeper` and `-aclkeeper`; a restricted command's
//! grant is the Unix group `osh-COMMAND`. The names are made here only, so
//! that plugins, helpers and the permission check agree.

use crate::reply::{Reply, Result};

/// A role in a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Manages the group itself, its roles and keys.
    Owner,
    /// Manages members and guests.
    Gatekeeper,
    /// Manages the group's servers.
    Aclkeeper,
}

impl Role {
    /// The role's word (`owner`), as in the Unix group's suffix and in logs.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Gatekeeper => "gatekeeper",
            Self::Aclkeeper => "aclkeeper",
        }
    }
}

/// The Unix user and group of bastion group `group`.
#[must_use]
pub fn unix_name(group: &str) -> String {
    format!("key{group}")
}

/// The Unix group of `role` in bastion group `group`.
#[must_use]
pub fn role_group(group: &str, role: Role) -> String {
    format!("key{group}-{}", role.as_str())
}

/// The Unix group whose members may run restricted command `cmd`
/// (`auditor` is the auditor role's group).
#[must_use]
pub fn command_group(cmd: &str) -> String {
    if cmd == "auditor" {
        crate::account::OSH_AUDITOR.to_owned()
    } else {
        format!("osh-{cmd}")
    }
}

/// Group names as The Bastion allows them: 1 to 18 of `a-z A-Z 0-9 . _ -`,
/// starting with a letter or digit, and none of its reserved words.
pub fn validate_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 18
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        && !["private", "root", "user", "self", "legacy", "osh"].contains(&name);
    if ok {
        Ok(())
    } else {
        Err(Reply::new(
            crate::Code::KO_INVALID_PARAMETER,
            format!(
                "Group name '{}' is invalid (1 to 18 of a-z A-Z 0-9 . _ -, not a reserved word)",
                crate::ui::clean_bounded(name, 40)
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(unix_name("web"), "keyweb");
        assert_eq!(role_group("web", Role::Gatekeeper), "keyweb-gatekeeper");
        assert_eq!(command_group("accountList"), "osh-accountList");
        assert_eq!(command_group("auditor"), "osh-auditor");
        for ok in ["web", "db-prod", "a", "team.ops_2"] {
            assert!(validate_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "-x",
            ".x",
            "osh",
            "root",
            "a/b",
            "x y",
            "nineteen-characters",
        ] {
            assert!(validate_name(bad).is_err(), "{bad}");
        }
    }
}
