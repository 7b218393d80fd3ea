//! `osh-accountModifyPersonalAccess` (as allowkeeper): add or remove a line of
//! `/home/allowkeeper/ACCOUNT/allowed.private`. Only allowkeeper can write that
//! file; this helper re-checks who asks, for whom, and within which limits.

use osh_acl::Entry;
use osh_core::events;
use osh_core::fsx;
use osh_core::helper::Caller;
use osh_core::requests::PersonalAccess;
use osh_core::{Reply, Result, access, json, paths};

use crate::sys;

/// The helper's logic (the caller's grant of `req.plugin` is already checked).
pub fn run(caller: &Caller, req: PersonalAccess) -> Result<Reply> {
    let plugin = req.plugin.as_str();
    let acct = crate::target_account(caller, &req.account, "change the accesses of")?;
    if access::SELF_ONLY.contains(&plugin) && acct.name != caller.name {
        return Err(Reply::new(
            osh_core::Code::ERR_SECURITY_VIOLATION,
            format!("{plugin} only acts on your own account"),
        ));
    }
    let add = req.add;
    let target = Entry::parse_target(&req.target)
        .map_err(|e| Reply::new(osh_core::Code::KO_INVALID_PARAMETER, e.0))?;
    if add {
        access::check_limits(plugin, &acct.name, &target)?;
    }
    if let Some(fp) = req.force_key.as_deref()
        && !access::valid_fingerprint(fp)
    {
        return Err(Reply::invalid("--force-key takes a SHA256:... fingerprint"));
    }
    let dir = paths::allowkeeper_dir(&acct.name);
    let file = dir.join("allowed.private");
    // One writer at a time per account.
    let _lock = fsx::lock(&dir.join("lock"), true, || Reply::internal("lock busy"))?;
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    let now = osh_core::time::epoch();
    let same = |e: &Entry| {
        e.user == target.user && e.net == target.net && e.port == target.port && !e.expired(now)
    };
    let value = json!({
        "account": acct.name,
        "ip": if target.net.prefix_len() == target.net.max_prefix_len() { target.net.addr().to_string() } else { target.net.to_string() },
        "user": target.user,
        "port": target.port,
        "ttl": req.ttl,
        "forceKey": req.force_key.as_deref(),
        "comment": req.comment.as_deref(),
    });
    let me = (
        nix::unistd::geteuid().as_raw(),
        nix::unistd::getegid().as_raw(),
    );
    if add {
        if osh_acl::parse_file(&text).iter().any(same) {
            return Ok(Reply::new(
                osh_core::Code::OK_NO_CHANGE,
                format!(
                    "Access to {} already exists for {}",
                    target.target(),
                    acct.name
                ),
            ));
        }
        let mut e = target.clone();
        e.added_by = Some(caller.name.clone());
        e.added_date = Some(sys::now_human());
        e.force_key = req.force_key.as_deref().map(str::to_owned);
        e.comment = req.comment.as_deref().map(str::to_owned);
        if let Some(ttl) = req.ttl {
            let ttl = u64::try_from(ttl)
                .ok()
                .filter(|t| *t > 0)
                .ok_or_else(|| Reply::invalid("--ttl takes a positive number of seconds"))?;
            e.expiry = Some(now + ttl);
        }
        fsx::append_synced(&file, format!("{}\n", e.to_line()).as_bytes(), 0o644)?;
    } else {
        let Some(after) = sys::remove_access(&text, &target, &caller.name) else {
            return Ok(Reply::new(
                osh_core::Code::OK_NO_CHANGE,
                format!(
                    "No access to {} to remove for {}",
                    target.target(),
                    acct.name
                ),
            ));
        };
        sys::write_file(&file, after.as_bytes(), me.0, me.1, 0o644)?;
    }
    crate::log(
        &caller.config,
        events::Acl {
            action: if add { "add" } else { "del" },
            way: "personal",
            account: &acct.name,
            user: target.user.as_deref().unwrap_or(""),
            ip: target.net.to_string(),
            port: target.port.map(|p| p.to_string()).unwrap_or_default(),
            ttl: req.ttl.map(|t| t.to_string()).unwrap_or_default(),
            force_key: req.force_key.as_deref().unwrap_or(""),
            comment: req.comment.as_deref().unwrap_or(""),
            ..Default::default()
        },
    );
    let verb = if add { "added to" } else { "removed from" };
    let expiry = req
        .ttl
        .filter(|_| add)
        .and_then(|t| u64::try_from(t).ok())
        .map(|t| format!(", expires in {}", osh_core::time::duration_human(t)))
        .unwrap_or_default();
    Ok(Reply::new(
        osh_core::Code::OK,
        format!(
            "Access to {} {verb} the personal accesses of {}{expiry}",
            target.target(),
            acct.name
        ),
    )
    .with_value(value))
}
