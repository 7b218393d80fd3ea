//! `osh-groupAccess` and `osh-groupSetServers` (as root): a group's
//! servers list (aclkeepers) and its guests' accesses (gatekeepers).
//!
//! The servers list is `/home/keyGROUP/allowed.ip`, owned
//! `keyGROUP:keyGROUP-aclkeeper`; a guest's lines are
//! `/home/allowkeeper/ACCOUNT/allowed.partial.GROUP`, owned by allowkeeper.
//! One writer at a time per group; a removed line is commented out, not
//! erased, so the file keeps its history.

use std::path::{Path, PathBuf};

use osh_acl::Entry;
use osh_core::group::{self, Role};
use osh_core::helper::Caller;
use osh_core::requests::{GroupAccess, GroupSetServers};
use osh_core::{Reply, Result, events, fsx, json, unix};

use crate::sys;

/// One change of a group's ACLs at a time.
fn group_lock(g: &str) -> Result<nix::fcntl::Flock<std::fs::File>> {
    let dir = Path::new("/run/lock");
    std::fs::create_dir_all(dir).map_err(Reply::from)?;
    fsx::lock(&dir.join(format!("osh.group.{g}.lock")), true, || {
        Reply::internal("lock busy")
    })
}

/// The owner and group of the servers list.
fn servers_owner(g: &str) -> Result<(u32, u32)> {
    let u = unix::user(&group::unix_name(g))
        .ok_or_else(|| Reply::internal(format!("the user of group {g} is missing")))?;
    let gr = unix::group(&group::role_group(g, Role::Aclkeeper))
        .ok_or_else(|| Reply::internal(format!("the aclkeeper group of {g} is missing")))?;
    Ok((u.uid.as_raw(), gr.gid.as_raw()))
}

fn allowkeeper() -> Result<(u32, u32)> {
    let u = unix::user("allowkeeper").ok_or_else(|| Reply::internal("allowkeeper is missing"))?;
    Ok((u.uid.as_raw(), u.gid.as_raw()))
}

/// Write a whole ACL file as `owner`, mode 0644.
fn write_acl(path: &Path, text: &str, owner: (u32, u32)) -> Result<()> {
    sys::write_file(path, text.as_bytes(), owner.0, owner.1, 0o644)
}

fn addr(e: &Entry) -> String {
    osh_core::access::entry_value(e)["ip"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

/// The logic of `osh-groupAccess`.
pub fn run(caller: &Caller, req: GroupAccess) -> Result<Reply> {
    let g = group::existing(&req.group)?;
    let target = Entry::parse_target(&req.target)
        .map_err(|e| Reply::new(osh_core::Code::KO_INVALID_PARAMETER, e.0))?;
    if let Some(fp) = req.force_key.as_deref() {
        if !osh_core::access::valid_fingerprint(fp) {
            return Err(Reply::invalid("--force-key takes a SHA256:... fingerprint"));
        }
        if req.add && !group::keys(&g).iter().any(|k| k.key.fingerprint == fp) {
            return Err(Reply::new(
                osh_core::Code::KO_NO_MATCHING_KEY,
                format!("No egress key of group {g} has the fingerprint {fp}"),
            ));
        }
    }
    let ttl = req
        .ttl
        .map(|t| {
            u64::try_from(t)
                .ok()
                .filter(|t| *t > 0)
                .ok_or_else(|| Reply::invalid("--ttl takes a positive duration"))
        })
        .transpose()?;
    let _lock = group_lock(&g)?;
    let (path, owner, guest) = match req.guest.as_deref() {
        None => (group::acl_path(&g), servers_owner(&g)?, None),
        Some(a) => {
            let acct = osh_core::account::bastion_account(a)?;
            (
                group::guest_file(&acct.name, &g),
                allowkeeper()?,
                Some(acct),
            )
        }
    };
    let now = osh_core::time::epoch();
    if let (Some(acct), true) = (&guest, req.add) {
        guest_checks(&g, acct, &target, ttl, now)?;
    }
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let where_ = match &guest {
        None => format!("group {g}"),
        Some(a) => format!("{} as a guest of group {g}", a.name),
    };
    let mut value = json!({
        "group": g,
        "ip": addr(&target),
        "user": target.user,
        "port": target.port,
        "ttl": ttl,
        "forceKey": req.force_key,
        "comment": req.comment,
    });
    if let Some(a) = &guest {
        value["account"] = json!(a.name);
    }
    let msg = if req.add {
        let same = |e: &Entry| {
            e.user == target.user && e.net == target.net && e.port == target.port && !e.expired(now)
        };
        if osh_acl::parse_file(&text).iter().any(same) {
            return Ok(Reply::new(
                osh_core::Code::OK_NO_CHANGE,
                format!("Access to {} already exists for {where_}", target.target()),
            ));
        }
        let mut e = target.clone();
        e.added_by = Some(caller.name.clone());
        e.added_date = Some(sys::now_human());
        e.force_key.clone_from(&req.force_key);
        e.comment.clone_from(&req.comment);
        e.expiry = ttl.map(|t| now + t);
        let mut out = text.clone();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&e.to_line());
        out.push('\n');
        write_acl(&path, &out, owner)?;
        if let Some(a) = &guest {
            // A guest is in keyGROUP, for the group's keys, without the member link.
            sys::set_member(&a.name, &group::unix_name(&g), true)?;
        }
        let expiry = ttl
            .map(|t| format!(", expires in {}", osh_core::time::duration_human(t)))
            .unwrap_or_default();
        match &guest {
            None => format!("{} was added to group {g}{expiry}", target.target()),
            Some(a) => format!(
                "Account {} has now access to {} of group {g}{expiry}",
                a.name,
                target.target()
            ),
        }
    } else {
        let Some(after) = sys::remove_access(&text, &target, &caller.name) else {
            return Ok(Reply::new(
                osh_core::Code::OK_NO_CHANGE,
                format!("No access to {} to remove for {where_}", target.target()),
            ));
        };
        write_acl(&path, &after, owner)?;
        let mut said = format!("{} was removed from {where_}", target.target());
        if let Some(a) = &guest {
            // The last access gone, the guest leaves keyGROUP: no group key left to read.
            let live = osh_acl::parse_file(&after).iter().any(|e| !e.expired(now));
            if !live {
                let _ = std::fs::remove_file(&path);
                sys::set_member(&a.name, &group::unix_name(&g), false)?;
                said.push_str(&format!(
                    "\nNo guest access to servers of group {g} remained for account {}, removed group key access",
                    a.name
                ));
            }
        }
        said
    };
    let port = target.port.map(|p| p.to_string()).unwrap_or_default();
    let ttl_s = ttl.map(|t| t.to_string()).unwrap_or_default();
    match &guest {
        None => crate::log(
            &caller.config,
            events::Acl {
                action: if req.add { "add" } else { "del" },
                way: "group",
                group: &g,
                account: &caller.name,
                user: target.user.as_deref().unwrap_or(""),
                ip: target.net.to_string(),
                port: port.clone(),
                ttl: ttl_s,
                force_key: req.force_key.as_deref().unwrap_or(""),
                comment: req.comment.as_deref().unwrap_or(""),
                ..Default::default()
            },
        ),
        Some(a) => crate::log(
            &caller.config,
            events::Membership {
                action: if req.add { "add" } else { "del" },
                role: "guest",
                group: &g,
                account: &a.name,
                on_self: if a.name == caller.name { "1" } else { "0" },
                user: target.user.as_deref().unwrap_or(""),
                host: &target.net.to_string(),
                port: &port,
                ttl: &ttl_s,
            },
        ),
    }
    // As The Bastion: what was added is the value; a removal has none.
    let reply = Reply::new(osh_core::Code::OK, msg);
    Ok(if req.add {
        reply.with_value(value)
    } else {
        reply
    })
}

/// What a new guest access must be: for an account that is not a member,
/// to a server the group has, within the group's TTL limit.
fn guest_checks(
    g: &str,
    acct: &osh_core::account::Account,
    target: &Entry,
    ttl: Option<u64>,
    now: u64,
) -> Result<()> {
    let groups = unix::Memberships::of(&acct.name);
    if group::is_member(&acct.name, &groups, g) {
        return Err(Reply::new(
            osh_core::Code::ERR_MEMBER_CANNOT_BE_GUEST,
            format!(
                "Account {} is a member of group {g}: it reaches every server of the group already",
                acct.name
            ),
        ));
    }
    if !group::servers(g)
        .iter()
        .any(|s| !s.expired(now) && s.covers(target))
    {
        return Err(Reply::new(
            osh_core::Code::ERR_GROUP_HAS_NO_ACCESS,
            format!(
                "The group {g} has no access to {}: a guest can only be given servers of the group",
                target.target()
            ),
        ));
    }
    if let Some(limit) = group::setting_int(g, "guest_ttl_limit").filter(|l| *l > 0) {
        let limit = u64::try_from(limit).unwrap_or(u64::MAX);
        let shown = osh_core::time::duration_human(limit);
        match ttl {
            None => {
                return Err(Reply::invalid(format!(
                    "This group requires guest accesses to have a TTL set, to a duration of {shown} or less"
                )));
            }
            Some(t) if t > limit => {
                return Err(Reply::invalid(format!(
                    "The TTL you specified is invalid, this group requires guest accesses to have a TTL of {shown} maximum"
                )));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// The logic of `osh-groupSetServers`: the list replaced whole, each line
/// checked again; the old list's lines are kept, commented out.
pub fn set_servers(caller: &Caller, req: GroupSetServers) -> Result<Reply> {
    let g = group::existing(&req.group)?;
    let mut lines = Vec::with_capacity(req.servers.len());
    for s in &req.servers {
        let mut e = Entry::parse_target(&s.target)
            .map_err(|e| Reply::new(osh_core::Code::KO_INVALID_PARAMETER, e.0))?;
        e.added_by = Some(caller.name.clone());
        e.added_date = Some(sys::now_human());
        e.comment.clone_from(&s.comment);
        lines.push(e);
    }
    let _lock = group_lock(&g)?;
    let path: PathBuf = group::acl_path(&g);
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let stamp = format!("replaced by {} on {}", caller.name, sys::now_human());
    let mut out = String::new();
    for l in old.lines() {
        let t = l.trim();
        if t.is_empty() || t.starts_with('#') {
            out.push_str(l);
        } else {
            out.push_str(&format!("# {t} # {stamp}"));
        }
        out.push('\n');
    }
    for e in &lines {
        out.push_str(&e.to_line());
        out.push('\n');
    }
    write_acl(&path, &out, servers_owner(&g)?)?;
    crate::log(
        &caller.config,
        events::Acl {
            action: "clear",
            way: "group",
            group: &g,
            account: &caller.name,
            ..Default::default()
        },
    );
    for e in &lines {
        crate::log(
            &caller.config,
            events::Acl {
                action: "add",
                way: "group",
                group: &g,
                account: &caller.name,
                user: e.user.as_deref().unwrap_or(""),
                ip: e.net.to_string(),
                port: e.port.map(|p| p.to_string()).unwrap_or_default(),
                comment: e.comment.as_deref().unwrap_or(""),
                ..Default::default()
            },
        );
    }
    Ok(Reply::new(
        osh_core::Code::OK,
        format!(
            "The servers list of group {g} now has {} entries",
            lines.len()
        ),
    ))
}
