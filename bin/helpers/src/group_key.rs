//! `osh-groupKey` and `osh-groupModify` (as root, for a group's owners):
//! its egress keys and its settings.
//!
//! A group key pair lives in `/home/keykeeper/keyGROUP/`, owned
//! `keykeeper:keyGROUP`, the private half 0440: the OS lets the group's
//! members and guests read it, and nobody else.

use osh_core::group;
use osh_core::helper::Caller;
use osh_core::requests::{GroupKey, GroupModify};
use osh_core::{Reply, Result, events, json, keys, unix};

use crate::sys;

/// Generate a key pair for group `g` (the group's lock is the caller's).
pub(crate) fn generate(caller: &Caller, g: &str, algo: &str, size: i64) -> Result<keys::EgressKey> {
    let dir = group::keys_dir(g);
    let _one = osh_core::fsx::lock(&dir.join(".keygen.lock"), false, || {
        Reply::new(
            osh_core::Code::KO_KEY_GENERATION_RUNNING,
            format!("A key generation is already running for group {g}"),
        )
    })?;
    let epoch = osh_core::time::epoch();
    let path = group::key_path(g, algo, size, epoch);
    if path.exists() {
        return Err(Reply::new(
            osh_core::Code::KO_KEY_GENERATION_RUNNING,
            "A key of this kind was generated this very second, try again",
        ));
    }
    let comment = format!("{g}@{}:{epoch}", caller.config.bastionName);
    keys::keygen(&path, algo, size, &comment)?;
    let keeper = unix::user("keykeeper").ok_or_else(|| Reply::internal("keykeeper is missing"))?;
    let gid = unix::group(&group::unix_name(g))
        .ok_or_else(|| Reply::internal(format!("the Unix group of {g} is missing")))?
        .gid
        .as_raw();
    let public = path.with_file_name(format!(
        "{}.pub",
        path.file_name()
            .map(|f| f.to_string_lossy())
            .unwrap_or_default()
    ));
    sys::own(&path, keeper.uid.as_raw(), gid, 0o440)?;
    sys::own(&public, keeper.uid.as_raw(), gid, 0o444)?;
    group::keys(g)
        .into_iter()
        .find(|k| k.private == path)
        .ok_or_else(|| Reply::internal("the new key does not parse"))
}

/// The logic of `osh-groupKey`.
pub fn run(caller: &Caller, req: GroupKey) -> Result<Reply> {
    let g = group::existing(&req.group)?;
    if req.generate {
        let algo = req
            .algo
            .as_deref()
            .ok_or_else(|| Reply::missing("Missing --algo"))?;
        let (algo, size) = keys::egress_kind(&caller.config, algo, req.size)?;
        let k = generate(caller, &g, &algo, size)?;
        crate::log(
            &caller.config,
            events::Security {
                kind: "group-key-generate",
                account: &caller.name,
                plugin: "groupGenerateEgressKey",
                params: &format!("group={g} fingerprint={}", k.key.fingerprint),
                ..Default::default()
            },
        );
        let mut v = json!(k.key.with_from(&keys::egress_from(&caller.config)));
        v["id"] = json!(k.key.id());
        return Ok(Reply::new(
            osh_core::Code::OK,
            format!(
                "New egress key of group {g}: {} {} {}",
                k.key.family, k.key.size, k.key.fingerprint
            ),
        )
        .with_value(v));
    }
    let id = req
        .id
        .as_deref()
        .ok_or_else(|| Reply::missing("Missing --id"))?;
    let all = group::keys(&g);
    let k = all.iter().find(|k| k.key.id() == id).ok_or_else(|| {
        Reply::invalid(format!(
            "Couldn't find any key with the ID you specified ({}) in group {g}",
            osh_core::ui::clean_bounded(id, 40)
        ))
    })?;
    // Kept, renamed: a key that signed sessions stays for the record.
    let stamp = osh_core::time::epoch();
    for p in [
        k.private.clone(),
        k.private.with_file_name(format!(
            "{}.pub",
            k.private
                .file_name()
                .map(|f| f.to_string_lossy())
                .unwrap_or_default()
        )),
    ] {
        let archived = p.with_file_name(format!(
            "deleted.{stamp}.{}",
            p.file_name()
                .map(|f| f.to_string_lossy())
                .unwrap_or_default()
        ));
        std::fs::rename(&p, &archived).map_err(Reply::from)?;
        sys::own(&archived, 0, 0, 0o400)?;
    }
    crate::log(
        &caller.config,
        events::Security {
            kind: "group-key-delete",
            account: &caller.name,
            plugin: "groupDelEgressKey",
            params: &format!("group={g} fingerprint={}", k.key.fingerprint),
            ..Default::default()
        },
    );
    Ok(Reply::new(
        osh_core::Code::OK,
        format!("Egress key {} of group {g} deleted", k.key.fingerprint),
    )
    .with_value(json!({"id": id, "fingerprint": k.key.fingerprint})))
}

/// The settings of a group and what each accepts.
pub const SETTINGS: [&str; 4] = [
    "mfa_required",
    "idle_lock_timeout",
    "idle_kill_timeout",
    "guest_ttl_limit",
];

/// The logic of `osh-groupModify`.
pub fn modify(caller: &Caller, req: GroupModify) -> Result<Reply> {
    let g = group::existing(&req.group)?;
    if !SETTINGS.contains(&req.key.as_str()) {
        return Err(Reply::invalid(format!(
            "Unknown group setting '{}'",
            osh_core::ui::clean(&req.key)
        )));
    }
    let value = req.value.as_deref();
    let ok = match (req.key.as_str(), value) {
        (_, None) => true,
        ("mfa_required", Some(v)) => ["password", "totp", "any", "none"].contains(&v),
        ("guest_ttl_limit", Some(v)) => v.parse::<u64>().is_ok(),
        (_, Some(v)) => v.parse::<i64>().is_ok_and(|n| n >= -1),
    };
    if !ok {
        return Err(Reply::invalid(format!("Invalid value for {}", req.key)));
    }
    let path = group::home(&g).join(format!("config.{}", req.key));
    let owner = unix::user(&group::unix_name(&g))
        .ok_or_else(|| Reply::internal(format!("the user of group {g} is missing")))?;
    match value {
        Some(v) => sys::write_file(
            &path,
            format!("{v}\n").as_bytes(),
            owner.uid.as_raw(),
            owner.gid.as_raw(),
            0o644,
        )?,
        None => {
            let _ = std::fs::remove_file(&path);
        }
    }
    crate::log(
        &caller.config,
        events::Security {
            kind: "group-modify",
            account: &caller.name,
            plugin: "groupModify",
            params: &format!("group={g} {}={}", req.key, value.unwrap_or("")),
            ..Default::default()
        },
    );
    Ok(Reply::new(
        osh_core::Code::OK,
        format!(
            "Setting {} of group {g} is now {}",
            req.key,
            value.unwrap_or("the default")
        ),
    ))
}

/// The logic of `osh-groupPassword`: the new password stored 0440
/// `keyGROUP:keyGROUP` (the previous ones kept, numbered); the reply has
/// its hashes, never the password.
pub fn password(caller: &Caller, req: osh_core::requests::GroupPassword) -> Result<Reply> {
    let g = group::existing(&req.group)?;
    let owner = unix::user(&group::unix_name(&g))
        .ok_or_else(|| Reply::internal(format!("the user of group {g} is missing")))?;
    let hashes = osh_core::password::generate(
        &group::password_base(&g),
        req.size,
        (owner.uid.as_raw(), owner.gid.as_raw()),
        &caller.name,
    )?;
    crate::log(
        &caller.config,
        events::Security {
            kind: "group-password-generate",
            account: &caller.name,
            plugin: "groupGeneratePassword",
            params: &format!("group={g} size={}", req.size),
            ..Default::default()
        },
    );
    Ok(Reply::new(
        osh_core::Code::OK,
        format!("A new egress password was generated for group {g}"),
    )
    .with_value(json!({"group": g, "hashes": hashes})))
}
