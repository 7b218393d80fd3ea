//! `osh-accountCreate` (as root): create a bastion account.
//!
//! Everything is checked again here (caller's right, name, uid range, key
//! policy), and a failure half-way undoes what was done, so an account either
//! exists completely or not at all.

use std::path::Path;

use std::path::PathBuf;

use osh_core::account::{self, BASTION_USERS};
use osh_core::events;
use osh_core::helper::Caller;
use osh_core::requests::AccountCreate;
use osh_core::{Reply, Result, json, keys, paths, unix};

use crate::sys::{self, make_dir, own, write_file};
use osh_core::paths::tool;

fn id_free(id: u32, tty_offset: u32) -> bool {
    unix::user_by_uid(id).is_none()
        && nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(id))
            .ok()
            .flatten()
            .is_none()
        && nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(id.saturating_add(tty_offset)))
            .ok()
            .flatten()
            .is_none()
}

/// The helper's logic.
pub fn run(caller: &Caller, req: AccountCreate) -> Result<Reply> {
    let cfg = &caller.config;
    let name = req.account.clone();
    account::validate_name(&name)?;
    if unix::user(&name).is_some()
        || unix::group(&name).is_some()
        || unix::group(&format!("{name}-tty")).is_some()
    {
        return Err(Reply::new(
            osh_core::Code::KO_ALREADY_EXISTING,
            format!("Account '{name}' already exists"),
        ));
    }
    let mut key = match req.public_key.as_deref() {
        Some(line) => Some(keys::ingress_policy(line, cfg)?),
        None => None,
    };
    if let Some(from) = &req.force_from {
        if !caller.is_root() {
            return Err(Reply::new(
                osh_core::Code::ERR_SECURITY_VIOLATION,
                "Only root may force the from= of a new account's key",
            ));
        }
        key = key.map(|k| k.with_from(from));
    }
    let (min, max) = (cfg.accountUidMin, cfg.accountUidMax);
    let offset = u32::try_from(cfg.ttyrecGroupIdOffset)
        .map_err(|_| Reply::internal("bad ttyrecGroupIdOffset"))?;
    let _lock = sys::passwd_lock()?;
    let uid = match req.uid.map(i64::from) {
        Some(u) => {
            if !(min..=max).contains(&u) {
                return Err(Reply::invalid(format!(
                    "The uid must be between {min} and {max}"
                )));
            }
            let u = u32::try_from(u).map_err(|_| Reply::invalid("Bad uid"))?;
            if !id_free(u, offset) {
                return Err(Reply::new(
                    osh_core::Code::KO_UID_IN_USE,
                    format!("The uid/gid {u} (or its -tty gid) is already taken"),
                ));
            }
            u
        }
        None => (min..=max)
            .rev()
            .filter_map(|u| u32::try_from(u).ok())
            .find(|u| id_free(*u, offset))
            .ok_or_else(|| {
                Reply::new(
                    osh_core::Code::ERR_NO_FREE_UID,
                    "No free uid left in the configured range",
                )
            })?,
    };
    let home = paths::home(&name);
    let created = create(caller, &name, uid, offset, &home, key.as_ref(), &req);
    let private = match created {
        Ok(p) => p,
        Err(e) => {
            // Leave nothing half-made behind.
            let _ = sys::run(tool::USERDEL, &[&name]);
            let _ = sys::run(tool::GROUPDEL, &[&name]);
            let _ = sys::run(tool::GROUPDEL, &[&format!("{name}-tty")]);
            let _ = std::fs::remove_dir_all(&home);
            let _ = std::fs::remove_dir_all(paths::allowkeeper_dir(&name));
            return Err(e);
        }
    };
    let public_key = key.as_ref().map(|k| k.line.clone()).unwrap_or_default();
    let ev = events::Account {
        action: "create",
        account: &name,
        account_uid: uid.to_string(),
        public_key: &public_key,
        always_active: if req.always_active { "1" } else { "0" },
        uid_auto: if req.uid.is_none() { "1" } else { "0" },
        osh_only: if req.osh_only { "1" } else { "0" },
        immutable_key: "0",
        comment: req.comment.as_deref().unwrap_or(""),
        ..Default::default()
    };
    crate::log(cfg, ev);
    // The admin installs this on the servers the account will reach.
    let egress = std::fs::read_to_string(private.with_file_name(format!(
        "{}.pub",
        private
            .file_name()
            .map(|f| f.to_string_lossy())
            .unwrap_or_default()
    )))
    .ok()
    .and_then(|t| osh_core::sshkey::PublicKey::parse(t.trim()).ok())
    .map(|k| k.with_from(&keys::egress_from(cfg)));
    Ok(Reply::new(
        osh_core::Code::OK,
        format!("Account {name} successfully created"),
    )
    .with_value(json!({"account": name, "egress_key": egress})))
}

fn create(
    caller: &Caller,
    name: &str,
    uid: u32,
    offset: u32,
    home: &Path,
    key: Option<&osh_core::sshkey::PublicKey>,
    req: &AccountCreate,
) -> Result<PathBuf> {
    let cfg = &caller.config;
    let id = uid.to_string();
    let shell = paths::shell();
    let shell = shell
        .to_str()
        .ok_or_else(|| Reply::internal("bad shell path"))?;
    sys::run(tool::GROUPADD, &["-g", &id, name])?;
    // '*' rather than a locked '!' password: sshd refuses key logins to locked
    // accounts when PAM is off, and nobody can log in with '*' by password.
    sys::run(
        tool::USERADD,
        &[
            "-u",
            &id,
            "-g",
            name,
            "-G",
            BASTION_USERS,
            "-d",
            &home.to_string_lossy(),
            "-M",
            "-s",
            shell,
            "-p",
            "*",
            name,
        ],
    )?;
    sys::run(
        tool::GROUPADD,
        &["-g", &(uid + offset).to_string(), &format!("{name}-tty")],
    )?;
    for g in &cfg.accountCreateSupplementaryGroups {
        if unix::group(g).is_some() {
            sys::run(tool::GPASSWD, &["-a", name, g])?;
        }
    }
    // keyreader lists keys for auditors and admins: it reads what is group-readable, never private keys.
    sys::run(tool::GPASSWD, &["-a", "keyreader", name])?;

    make_dir(home, uid, uid, 0o750)?;
    let ssh = home.join(".ssh");
    make_dir(&ssh, uid, uid, 0o750)?;
    let line = key.map(|k| format!("{}\n", k.line)).unwrap_or_default();
    write_file(
        &ssh.join("authorized_keys2"),
        line.as_bytes(),
        uid,
        uid,
        0o640,
    )?;
    make_dir(&home.join("ttyrec"), uid, uid, 0o700)?;
    let now = osh_core::time::epoch();
    let info = json!({
        "by": caller.name,
        "datetime_local": sys::now_human(),
        "timestamp": now,
        "bastion_version": osh_core::ui::VERSION,
        "uid_auto": req.uid.is_none(),
        "comment": req.comment.as_deref(),
    });
    // Private settings: the account's own, readable by keyreader (group), never by others.
    let private = |key: &str, content: &[u8]| {
        write_file(
            &home.join(format!("config.{key}")),
            content,
            uid,
            uid,
            0o640,
        )
    };
    private("creation_info", info.to_string().as_bytes())?;
    private("creation_timestamp", now.to_string().as_bytes())?;
    if let Some(ttl) = req.ttl {
        if ttl <= 0 {
            return Err(Reply::invalid("--ttl must be a positive number of seconds"));
        }
        private("account_ttl", ttl.to_string().as_bytes())?;
    }
    if req.osh_only {
        private("osh_only", b"yes")?;
    }
    let private = keys::generate_egress(&ssh, name, cfg, now)?;
    own(&private, uid, uid, 0o400)?;
    own(
        &private.with_file_name(format!(
            "{}.pub",
            private
                .file_name()
                .map(|f| f.to_string_lossy())
                .unwrap_or_default()
        )),
        uid,
        uid,
        0o444,
    )?;

    let ak = unix::user("allowkeeper")
        .ok_or_else(|| Reply::internal("the allowkeeper user is missing, run the installer"))?;
    let (akuid, akgid) = (ak.uid.as_raw(), ak.gid.as_raw());
    let adir = paths::allowkeeper_dir(name);
    make_dir(&adir, akuid, akgid, 0o755)?;
    write_file(&adir.join("allowed.private"), b"", akuid, akgid, 0o644)?;
    if let Some(days) = req.max_inactive_days {
        if !(0..=365 * 100).contains(&days) {
            return Err(Reply::invalid("--max-inactive-days takes 0 or more days"));
        }
        write_file(
            &adir.join("config.max_inactive_days"),
            days.to_string().as_bytes(),
            akuid,
            akgid,
            0o644,
        )?;
    }
    if req.always_active {
        write_file(
            &adir.join("config.always_active"),
            b"yes",
            akuid,
            akgid,
            0o644,
        )?;
    }
    Ok(private)
}
