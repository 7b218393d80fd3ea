//! `osh-groupCreate` and `osh-groupDelete` (as root): a group's Unix
//! identities and directories, made whole or not at all, and archived
//! rather than removed.
//!
//! The layout is The Bastion's, so its tools and data keep working: the
//! user and group `keyGROUP` (home `/home/keyGROUP`, its servers in
//! `allowed.ip`), the role groups `keyGROUP-owner`, `-gatekeeper`,
//! `-aclkeeper`, and the egress keys in `/home/keykeeper/keyGROUP/`,
//! readable by the group's Unix members only.

use std::path::{Path, PathBuf};

use osh_core::group::{self, Role};
use osh_core::helper::Caller;
use osh_core::requests::{GroupCreate, GroupDelete};
use osh_core::unix::GroupDb;
use osh_core::{Reply, Result, events, json, keys, paths, unix};

use crate::sys::{self, make_dir, own};
use osh_core::paths::tool;

/// The Unix groups of a bastion group, main one first.
fn unix_groups(g: &str) -> [String; 4] {
    [
        group::unix_name(g),
        group::role_group(g, Role::Aclkeeper),
        group::role_group(g, Role::Gatekeeper),
        group::role_group(g, Role::Owner),
    ]
}

/// Four free gids from `groupGidMin` up, the first also free as a uid, so
/// that `keyGROUP`'s uid and gid are the same number.
fn free_ids(min: u32, db: &GroupDb) -> Result<[u32; 4]> {
    let mut out = Vec::with_capacity(4);
    let used: std::collections::HashSet<u32> = db.entries().iter().map(|e| e.gid).collect();
    let mut id = min;
    while out.len() < 4 {
        let free = !used.contains(&id) && (!out.is_empty() || unix::user_by_uid(id).is_none());
        if free {
            out.push(id);
        }
        id = id
            .checked_add(1)
            .ok_or_else(|| Reply::new(osh_core::Code::ERR_NO_FREE_UID, "No free gid left"))?;
    }
    Ok([out[0], out[1], out[2], out[3]])
}

/// Grant traverse (`x`) on the group's home to the Unix groups that read
/// its servers list without being in `keyGROUP`: its keepers, and those
/// whose grant is to see every group (auditors, superowners,
/// `whoHasAccessTo`, `accountListAccesses`).
fn traverse_acl(home: &Path, g: &str) -> Result<()> {
    let mut wanted: Vec<String> = unix_groups(g)[1..].to_vec();
    for extra in [
        "osh-whoHasAccessTo",
        "osh-accountListAccesses",
        osh_core::account::OSH_AUDITOR,
        osh_core::account::OSH_SUPEROWNER,
    ] {
        if unix::group(extra).is_some() {
            wanted.push(extra.to_owned());
        }
    }
    let spec: Vec<String> = wanted.iter().map(|w| format!("g:{w}:x")).collect();
    sys::run(
        tool::SETFACL,
        &["-m", &spec.join(","), &home.to_string_lossy()],
    )
}

/// The logic of `osh-groupCreate`.
pub fn create(caller: &Caller, req: GroupCreate) -> Result<Reply> {
    let g = req.group.as_str();
    group::validate_name(g)?;
    let owner = osh_core::account::bastion_account(&req.owner)?;
    let kind = match (req.no_key, req.algo.as_deref()) {
        (true, None) if req.size.is_none() => None,
        (true, _) => {
            return Err(Reply::invalid(
                "--no-key and --algo/--size exclude each other",
            ));
        }
        (false, None) => return Err(Reply::missing("Missing --algo (or --no-key)")),
        (false, Some(a)) => Some(keys::egress_kind(&caller.config, a, req.size)?),
    };
    let _lock = sys::passwd_lock()?;
    let names = unix_groups(g);
    if names
        .iter()
        .any(|n| unix::group(n).is_some() || unix::user(n).is_some())
    {
        return Err(Reply::new(
            osh_core::Code::KO_ALREADY_EXISTING,
            format!("The group {g} already exists"),
        ));
    }
    let min = u32::try_from(caller.config.groupGidMin).unwrap_or(500_000);
    let ids = free_ids(min, &GroupDb::load())?;
    let made = build(caller, g, &names, ids, kind.as_ref(), &owner.name);
    let key = match made {
        Ok(k) => k,
        Err(e) => {
            remove_identities(g);
            return Err(e);
        }
    };
    let (algo, size) = kind.clone().unwrap_or_default();
    crate::log(
        &caller.config,
        events::Group {
            action: "create",
            group: g,
            owner: &owner.name,
            egress_ssh_key_algorithm: &algo,
            egress_ssh_key_size: &if kind.is_some() {
                size.to_string()
            } else {
                String::new()
            },
            egress_ssh_key_encrypted: "0",
        },
    );
    for role in [Role::Owner, Role::Aclkeeper, Role::Gatekeeper, Role::Member] {
        crate::group_role::logged(caller, g, &owner.name, role, true);
    }
    let from = keys::egress_from(&caller.config);
    let public = key.map(|k| {
        let mut v = json!(k.key.with_from(&from));
        v["id"] = json!(k.key.id());
        v
    });
    Ok(Reply::new(
        osh_core::Code::OK,
        format!("Group {g} created, owned by {}", owner.name),
    )
    .with_value(json!({
        "group": g,
        "owner": owner.name,
        "public_key": public,
    })))
}

/// Every step of a new group after its names are checked free.
fn build(
    caller: &Caller,
    g: &str,
    names: &[String; 4],
    ids: [u32; 4],
    kind: Option<&(String, i64)>,
    owner: &str,
) -> Result<Option<keys::EgressKey>> {
    for (name, id) in names.iter().zip(ids) {
        sys::run(tool::GROUPADD, &["-g", &id.to_string(), name])?;
    }
    let home = group::home(g);
    sys::run(
        tool::USERADD,
        &[
            "-u",
            &ids[0].to_string(),
            "-g",
            &names[0],
            "-d",
            &home.to_string_lossy(),
            "-M",
            "-s",
            "/usr/sbin/nologin",
            "-p",
            "*",
            &names[0],
        ],
    )?;
    // Members and guests read the servers list through their `keyGROUP`
    // membership; nobody else reads anything here.
    make_dir(&home, ids[0], ids[0], 0o750)?;
    traverse_acl(&home, g)?;
    // Written by the helper only (The Bastion leaves it group-writable by
    // aclkeepers, which would let a change skip its checks and its log).
    sys::write_file(&group::acl_path(g), b"", ids[0], ids[1], 0o644)?;
    let keeper = unix::user("keykeeper")
        .ok_or_else(|| Reply::internal("the keykeeper user is missing, run the installer"))?;
    // Public halves for all to read (groupInfo shows them), as in The
    // Bastion; each private half is 0440 keykeeper:keyGROUP.
    make_dir(&group::keys_dir(g), keeper.uid.as_raw(), ids[0], 0o755)?;
    // The installer's allowkeeper reads every group's list, as in The Bastion.
    sys::add_to_groups("allowkeeper", &names[..1])?;
    // The owner: every keeper role, and member (its link follows).
    sys::add_to_groups(owner, names)?;
    crate::group_role::make_member(owner, g)?;
    kind.map(|(algo, size)| crate::group_key::generate(caller, g, algo, *size))
        .transpose()
}

/// Remove a group's Unix user and groups (best effort: undoing a failed
/// creation, or the last step of a deletion).
fn remove_identities(g: &str) {
    let names = unix_groups(g);
    if unix::user(&names[0]).is_some() {
        let _ = sys::run(tool::USERDEL, &[&names[0]]);
    }
    for n in &names {
        if unix::group(n).is_some() {
            let _ = sys::run(tool::GROUPDEL, &[n]);
        }
    }
    let _ = std::fs::remove_dir_all(group::home(g));
    let _ = std::fs::remove_dir_all(group::keys_dir(g));
}

/// The logic of `osh-groupDelete`: every member link and guest file goes,
/// then the group's home and keys are moved to `/home/oldkeeper/groups/`
/// (root only), then its Unix identities are removed.
pub fn delete(caller: &Caller, req: GroupDelete) -> Result<Reply> {
    let g = group::existing(&req.group)?;
    let _lock = sys::passwd_lock()?;
    let db = GroupDb::load();
    let roles = group::Roles::of(&g, &db);
    make_dir(Path::new(paths::OLDKEEPER_HOME), 0, 0, 0o700)?;
    make_dir(Path::new(paths::OLDKEEPER_GROUPS), 0, 0, 0o700)?;
    let stamp = osh_core::log::now().strftime("%Y%m%d-%H%M%S").to_string();
    let archive = PathBuf::from(paths::OLDKEEPER_GROUPS)
        .join(format!("{g}.{stamp}.{}", osh_core::logging::uniqid()));
    make_dir(&archive, 0, 0, 0o700)?;
    let mut moved = Vec::new();
    for (from, to) in [
        (group::home(&g), archive.join("home")),
        (group::keys_dir(&g), archive.join("keys")),
    ] {
        if from.exists() {
            if let Err(e) = std::fs::rename(&from, &to) {
                for (f, t) in moved.iter().rev() {
                    let _ = std::fs::rename(t, f);
                }
                let _ = std::fs::remove_dir_all(&archive);
                return Err(Reply::from(e));
            }
            moved.push((from, to));
        }
    }
    // The guests' lines go to the archive too: they are part of the record.
    for account in roles.members.iter().chain(&roles.guests) {
        let link = group::member_link(account, &g);
        let _ = std::fs::remove_file(&link);
        let guest = group::guest_file(account, &g);
        if guest.exists() {
            let _ = std::fs::rename(&guest, archive.join(format!("guest.{account}")));
        }
    }
    std::fs::write(
        archive.join("group.json"),
        json!({
            "group": g,
            "roles": roles,
            "deleted_by": caller.name,
            "deleted_at": sys::now_human(),
        })
        .to_string(),
    )
    .map_err(Reply::from)?;
    own(&archive, 0, 0, 0o700)?;
    let names = unix_groups(&g);
    sys::run(tool::USERDEL, &[&names[0]])?;
    for n in &names {
        if unix::group(n).is_some() {
            sys::run(tool::GROUPDEL, &[n])?;
        }
    }
    crate::log(
        &caller.config,
        events::Group {
            action: "delete",
            group: &g,
            ..Default::default()
        },
    );
    Ok(Reply::new(
        osh_core::Code::OK,
        format!(
            "Group {g} deleted, its data is archived in {}",
            archive.display()
        ),
    )
    .with_value(json!({"group": g, "archive": archive})))
}
