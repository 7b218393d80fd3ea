//! Unix users and groups: the identity store of the bastion.
//!
//! Lookups go through NSS (`nix::unistd`), not `/etc/passwd` parsing, so that a
//! bastion whose users come from elsewhere still works. The `users` crate is not
//! used: it is unmaintained (RUSTSEC-2023-0040).

use std::ffi::CString;

use nix::unistd::{Gid, Group, Uid, User, getgrouplist};

/// A user's passwd entry, by name.
#[must_use]
pub fn user(name: &str) -> Option<User> {
    User::from_name(name).ok().flatten()
}

/// A user's passwd entry, by uid.
#[must_use]
pub fn user_by_uid(uid: u32) -> Option<User> {
    User::from_uid(Uid::from_raw(uid)).ok().flatten()
}

/// A group entry, by name.
#[must_use]
pub fn group(name: &str) -> Option<Group> {
    Group::from_name(name).ok().flatten()
}

/// Names of every group `name` belongs to (primary included).
///
/// Read from `/etc/group` in one pass that allocates only for the groups
/// it finds: the bastion's groups live there (its helpers make them with
/// the shadow tools), and a bastion with ten thousand groups has forty
/// thousand lines, which `getgrouplist` would scan again for every buffer
/// size it tries. A user the files do not know is asked of NSS.
#[must_use]
pub fn groups_of(name: &str) -> Vec<String> {
    let Some(u) = user(name) else {
        return Vec::new();
    };
    if let Ok(text) = std::fs::read_to_string("/etc/group") {
        let primary = u.gid.as_raw();
        let gid_field = format!(":{primary}:");
        let mut out = Vec::new();
        let mut primary_found = false;
        for line in text.lines() {
            // Most lines name neither the user nor its gid: skip them unsplit.
            if !line.contains(name) && !line.contains(&gid_field) {
                continue;
            }
            let mut f = line.splitn(4, ':');
            let (Some(g), Some(_), Some(gid), members) = (f.next(), f.next(), f.next(), f.next())
            else {
                continue;
            };
            let is_primary = gid.parse::<u32>().is_ok_and(|id| id == primary);
            if is_primary || members.is_some_and(|m| m.split(',').any(|x| x == name)) {
                primary_found |= is_primary;
                if !out.iter().any(|o| o == g) {
                    out.push(g.to_owned());
                }
            }
        }
        if primary_found {
            return out;
        }
    }
    let Ok(cname) = CString::new(name) else {
        return Vec::new();
    };
    let gids: Vec<Gid> = getgrouplist(&cname, u.gid).unwrap_or_default();
    gids.into_iter()
        .filter_map(|g| Group::from_gid(g).ok().flatten().map(|g| g.name))
        .collect()
}

/// One line of the group database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupEntry {
    /// The group's name.
    pub name: String,
    /// Its gid.
    pub gid: u32,
    /// Its supplementary members.
    pub members: Vec<String>,
}

/// The group database, read once: listings over every group (`groupList`,
/// `whoHasAccessTo`) and membership lookups cost one pass, not one per group.
#[derive(Debug, Clone, Default)]
pub struct GroupDb {
    entries: Vec<GroupEntry>,
    by_name: std::collections::HashMap<String, usize>,
}

impl GroupDb {
    /// `/etc/group` as it is now (empty if unreadable).
    #[must_use]
    pub fn load() -> Self {
        Self::parse(&std::fs::read_to_string("/etc/group").unwrap_or_default())
    }

    /// A database from the text of a group file.
    #[must_use]
    pub fn parse(text: &str) -> Self {
        let mut db = Self::default();
        for line in text.lines() {
            let mut f = line.split(':');
            let (Some(name), Some(_), Some(gid), members) =
                (f.next(), f.next(), f.next(), f.next())
            else {
                continue;
            };
            let Ok(gid) = gid.parse() else { continue };
            let members = members
                .unwrap_or("")
                .split(',')
                .filter(|m| !m.is_empty())
                .map(str::to_owned)
                .collect();
            db.by_name.insert(name.to_owned(), db.entries.len());
            db.entries.push(GroupEntry {
                name: name.to_owned(),
                gid,
                members,
            });
        }
        db
    }

    /// Every group.
    #[must_use]
    pub fn entries(&self) -> &[GroupEntry] {
        &self.entries
    }

    /// A group by name.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&GroupEntry> {
        self.by_name.get(name).map(|i| &self.entries[*i])
    }

    /// The supplementary members of `name` (none if it does not exist).
    #[must_use]
    pub fn members(&self, name: &str) -> &[String] {
        self.get(name).map_or(&[], |e| e.members.as_slice())
    }
}

/// A cached view of one user's groups, built once per process (a group
/// database scan per check is what made big Bastions slow).
#[derive(Debug, Clone, Default)]
pub struct Memberships {
    names: Vec<String>,
}

impl Memberships {
    /// The groups of `name`.
    #[must_use]
    pub fn of(name: &str) -> Self {
        Self {
            names: groups_of(name),
        }
    }

    /// Whether the user is in `group`.
    #[must_use]
    pub fn contains(&self, group: &str) -> bool {
        self.names.iter().any(|g| g == group)
    }

    /// The groups named in `names` (for tests and callers that know them).
    #[must_use]
    pub fn from_names(names: Vec<String>) -> Self {
        Self { names }
    }

    /// All group names.
    #[must_use]
    pub fn names(&self) -> &[String] {
        &self.names
    }
}

/// The name of local user `uid`, read from `/etc/passwd` itself rather than
/// through NSS: for the setuid writers (`osh-globallog`, `osh-seal`), linked
/// statically, whose callers are bastion accounts, always local users.
#[must_use]
pub fn local_user_name(uid: u32) -> Option<String> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        let id = f.nth(1)?.parse::<u32>().ok()?;
        (id == uid).then(|| name.to_owned())
    })
}
