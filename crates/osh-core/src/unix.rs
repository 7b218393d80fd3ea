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
#[must_use]
pub fn groups_of(name: &str) -> Vec<String> {
    let Some(u) = user(name) else {
        return Vec::new();
    };
    let Ok(cname) = CString::new(name) else {
        return Vec::new();
    };
    let gids: Vec<Gid> = getgrouplist(&cname, u.gid).unwrap_or_default();
    gids.into_iter()
        .filter_map(|g| Group::from_gid(g).ok().flatten())
        .map(|g| g.name)
        .collect()
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

    /// All group names.
    #[must_use]
    pub fn names(&self) -> &[String] {
        &self.names
    }
}
