//! Bastion groups and roles as Unix identities (reference §1.4): a group is
//! the Unix user and group `keyGROUP`, its roles the Unix groups
//! `keyGROUP-owner`, `-gatekeeper` and `-aclkeeper`; a restricted command's
//! grant is the Unix group `osh-COMMAND`. The names are made here only, so
//! that plugins, helpers and the permission check agree.

use std::path::PathBuf;

use osh_acl::Entry;

use crate::paths;
use crate::reply::{Reply, Result};
use crate::unix::{GroupDb, Memberships};

/// A role in a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Manages the group itself, its roles and keys.
    Owner,
    /// Manages members and guests.
    Gatekeeper,
    /// Manages the group's servers.
    Aclkeeper,
    /// Reaches every server of the group.
    Member,
    /// Reaches the servers it is given, of the group's.
    Guest,
}

impl Role {
    /// The role's word (`owner`), as in the Unix group's suffix and in logs.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Gatekeeper => "gatekeeper",
            Self::Aclkeeper => "aclkeeper",
            Self::Member => "member",
            Self::Guest => "guest",
        }
    }

    /// The role's word with its article, for messages (`an owner`).
    #[must_use]
    pub const fn with_article(self) -> &'static str {
        match self {
            Self::Owner => "an owner",
            Self::Gatekeeper => "a gatekeeper",
            Self::Aclkeeper => "an aclkeeper",
            Self::Member => "a member",
            Self::Guest => "a guest",
        }
    }

    /// The role that manages this one: owners manage the three keeper
    /// roles, gatekeepers members and guests.
    #[must_use]
    pub const fn managed_by(self) -> Self {
        match self {
            Self::Owner | Self::Gatekeeper | Self::Aclkeeper => Self::Owner,
            Self::Member | Self::Guest => Self::Gatekeeper,
        }
    }

    /// The refusal of a caller who lacks this role in `group`: the one
    /// answer of the plugins' early check and of the helpers' own.
    #[must_use]
    pub fn refusal(self, group: &str) -> Reply {
        Reply::new(
            self.lacking(),
            format!(
                "Sorry, you must be {} of group {group} to do that",
                self.with_article()
            ),
        )
    }

    /// The code of a caller who lacks this role.
    #[must_use]
    pub const fn lacking(self) -> crate::Code {
        match self {
            Self::Owner => crate::Code::ERR_NOT_GROUP_OWNER,
            Self::Gatekeeper => crate::Code::ERR_NOT_GROUP_GATEKEEPER,
            Self::Aclkeeper => crate::Code::ERR_NOT_GROUP_ACLKEEPER,
            Self::Member | Self::Guest => crate::Code::KO_ACCESS_DENIED,
        }
    }
}

/// The Unix user and group of bastion group `group`.
#[must_use]
pub fn unix_name(group: &str) -> String {
    format!("key{group}")
}

/// The Unix group of `role` in bastion group `group` (members and guests
/// are both in `keyGROUP`; the symlink tells them apart).
#[must_use]
pub fn role_group(group: &str, role: Role) -> String {
    match role {
        Role::Member | Role::Guest => unix_name(group),
        r => format!("key{group}-{}", r.as_str()),
    }
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

/// `/home/keyGROUP`: the group's servers list and settings.
#[must_use]
pub fn home(group: &str) -> PathBuf {
    PathBuf::from("/home").join(unix_name(group))
}

/// `/home/keyGROUP/allowed.ip`: the group's servers.
#[must_use]
pub fn acl_path(group: &str) -> PathBuf {
    home(group).join("allowed.ip")
}

/// `/home/keykeeper/keyGROUP`: the group's egress keys.
#[must_use]
pub fn keys_dir(group: &str) -> PathBuf {
    PathBuf::from(paths::KEYKEEPER_HOME).join(unix_name(group))
}

/// `/home/allowkeeper/ACCOUNT/allowed.ip.GROUP`: the symlink that makes a member.
#[must_use]
pub fn member_link(account: &str, group: &str) -> PathBuf {
    paths::allowkeeper_dir(account).join(format!("allowed.ip.{group}"))
}

/// `/home/allowkeeper/ACCOUNT/allowed.partial.GROUP`: a guest's accesses.
#[must_use]
pub fn guest_file(account: &str, group: &str) -> PathBuf {
    paths::allowkeeper_dir(account).join(format!("allowed.partial.{group}"))
}

/// A group setting (`/home/keyGROUP/config.KEY`), trimmed.
#[must_use]
pub fn setting(group: &str, key: &str) -> Option<String> {
    std::fs::read_to_string(home(group).join(format!("config.{key}")))
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// A numeric group setting (`idle_lock_timeout`, `guest_ttl_limit`, ...).
#[must_use]
pub fn setting_int(group: &str, key: &str) -> Option<i64> {
    setting(group, key).and_then(|v| v.parse().ok())
}

/// Whether `name` is a bastion group's Unix name (`keyGROUP`, not a role
/// group, not the keeper users), and the group's name if so.
#[must_use]
pub fn from_unix(name: &str) -> Option<&str> {
    let g = name.strip_prefix("key")?;
    if ["keeper", "reader"].contains(&g)
        || ["-owner", "-gatekeeper", "-aclkeeper"]
            .iter()
            .any(|s| g.ends_with(s))
    {
        return None;
    }
    validate_name(g).ok().map(|()| g)
}

/// Every bastion group, sorted.
#[must_use]
pub fn all(db: &GroupDb) -> Vec<String> {
    let mut out: Vec<String> = db
        .entries()
        .iter()
        .filter_map(|e| from_unix(&e.name))
        .filter(|g| db.get(&role_group(g, Role::Owner)).is_some())
        .map(str::to_owned)
        .collect();
    out.sort();
    out
}

/// The bastion groups an account is a member or guest of.
#[must_use]
pub fn of_account(groups: &Memberships) -> Vec<String> {
    groups
        .names()
        .iter()
        .filter_map(|g| from_unix(g))
        .map(str::to_owned)
        .collect()
}

/// An existing group, by its bastion name: valid, and its Unix group there
/// (`KO_GROUP_NOT_FOUND` otherwise).
pub fn existing(name: &str) -> Result<String> {
    validate_name(name)?;
    if crate::unix::group(&unix_name(name)).is_none() {
        return Err(Reply::new(
            crate::Code::KO_GROUP_NOT_FOUND,
            format!("Group '{name}' doesn't exist"),
        ));
    }
    Ok(name.to_owned())
}

/// Whether `account` is a member (not a guest) of `group`: in `keyGROUP`
/// and holding the symlink.
#[must_use]
pub fn is_member(account: &str, groups: &Memberships, group: &str) -> bool {
    groups.contains(&unix_name(group)) && member_link(account, group).is_symlink()
}

/// Whether `account` is a guest of `group`: in `keyGROUP` without the symlink.
#[must_use]
pub fn is_guest(account: &str, groups: &Memberships, group: &str) -> bool {
    groups.contains(&unix_name(group)) && !member_link(account, group).is_symlink()
}

/// Whether an account holds `role` in `group` itself (superowners are not
/// counted here: using their power is decided, and logged, by the caller).
#[must_use]
pub fn has_role(account: &str, groups: &Memberships, group: &str, role: Role) -> bool {
    match role {
        Role::Member => is_member(account, groups, group),
        Role::Guest => is_guest(account, groups, group),
        r => groups.contains(&role_group(group, r)),
    }
}

/// Who holds which role in a group, each list in the group database's
/// order (the order they were given the role, as The Bastion lists them).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Roles {
    /// Owners.
    pub owners: Vec<String>,
    /// Gatekeepers.
    pub gatekeepers: Vec<String>,
    /// Aclkeepers.
    pub aclkeepers: Vec<String>,
    /// Members.
    pub members: Vec<String>,
    /// Guests.
    pub guests: Vec<String>,
}

impl Roles {
    /// The roles of `group`, from the group database and the member links.
    #[must_use]
    pub fn of(group: &str, db: &GroupDb) -> Self {
        let list = |role: Role| -> Vec<String> {
            db.members(&role_group(group, role))
                .iter()
                .filter(|m| m.as_str() != "allowkeeper")
                .cloned()
                .collect::<Vec<String>>()
        };
        let (members, guests) = list(Role::Member)
            .into_iter()
            .partition(|a| member_link(a, group).is_symlink());
        Self {
            owners: list(Role::Owner),
            gatekeepers: list(Role::Gatekeeper),
            aclkeepers: list(Role::Aclkeeper),
            members,
            guests,
        }
    }

    /// The accounts holding `role`.
    #[must_use]
    pub fn holders(&self, role: Role) -> &[String] {
        match role {
            Role::Owner => &self.owners,
            Role::Gatekeeper => &self.gatekeepers,
            Role::Aclkeeper => &self.aclkeepers,
            Role::Member => &self.members,
            Role::Guest => &self.guests,
        }
    }
}

/// The group's servers (expired lines included: callers decide).
#[must_use]
pub fn servers(group: &str) -> Vec<Entry> {
    std::fs::read_to_string(acl_path(group))
        .map(|t| osh_acl::parse_file(&t))
        .unwrap_or_default()
}

/// A guest's accesses to a group.
#[must_use]
pub fn guest_accesses(account: &str, group: &str) -> Vec<Entry> {
    std::fs::read_to_string(guest_file(account, group))
        .map(|t| osh_acl::parse_file(&t))
        .unwrap_or_default()
}

/// The group's egress key pairs, newest first.
#[must_use]
pub fn keys(group: &str) -> Vec<crate::keys::EgressKey> {
    crate::keys::key_pairs(&keys_dir(group), &format!("_{group}."))
}

/// `/home/keyGROUP/pass/GROUP`: the group's egress passwords
/// ([`crate::password`]); the OS lets only its members read them.
#[must_use]
pub fn password_base(group: &str) -> PathBuf {
    crate::password::base(&home(group), group)
}

/// The private key file of a new group key (`id_<algo><size>_GROUP.<epoch>`).
#[must_use]
pub fn key_path(group: &str, algo: &str, size: i64, epoch: u64) -> PathBuf {
    keys_dir(group).join(format!("id_{algo}{size}_{group}.{epoch}"))
}

/// Group names as The Bastion allows them: 1 to 18 of `a-z A-Z 0-9 . _ -`,
/// starting with a letter or digit, not starting with `key`, and none of
/// its reserved words.
pub fn validate_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 18
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        && !name.starts_with("key")
        && !["-owner", "-gatekeeper", "-aclkeeper"]
            .iter()
            .any(|s| name.ends_with(s))
        && !["private", "root", "user", "self", "legacy", "osh"].contains(&name);
    if ok {
        Ok(())
    } else {
        Err(Reply::new(
            crate::Code::ERR_INVALID_PARAMETER,
            format!(
                "Group name '{}' is invalid (1 to 18 of a-z A-Z 0-9 . _ -, not starting with 'key', not a reserved word)",
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
        assert_eq!(role_group("web", Role::Guest), "keyweb");
        assert_eq!(from_unix("keyweb"), Some("web"));
        for not in ["keykeeper", "keyreader", "keyweb-owner", "web", "key"] {
            assert_eq!(from_unix(not), None, "{not}");
        }
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
            "key",
            "keytothegate",
            "web-owner",
        ] {
            assert!(validate_name(bad).is_err(), "{bad}");
        }
    }
}
