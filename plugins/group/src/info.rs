//! `groupInfo`, `groupList` (open), `groupModify` (owners) and
//! `whoHasAccessTo` (restricted).

use std::collections::HashMap;

use osh_acl::Entry;
use osh_core::getopt::{Kind, opt};
use osh_core::group::{self, Role, Roles};
use osh_core::plugin::{Class, Ctx, Plugin};
use osh_core::requests::GroupModify;
use osh_core::unix::{GroupDb, Memberships};
use osh_core::{Reply, Result, Value, json};

/// `groupInfo`.
pub const INFO: Plugin = Plugin {
    name: "groupInfo",
    class: Class::Open,
    summary: "show a group's roles, settings and keys",
    title: "group info",
    help: "Usage: --osh groupInfo <--group GROUP|--all>\n\
           \x20 Anyone sees a group's owners, gatekeepers and keys; its members, aclkeepers,\n\
           \x20 guests and settings are for those who hold a role in it, and auditors.\n\
           \x20 --all   every group (auditors), best read with --json\n",
    run: info,
};

/// `groupList`.
pub const LIST: Plugin = Plugin {
    name: "groupList",
    class: Class::Open,
    summary: "list the groups you have a role in (or all of them)",
    title: "group list",
    help: "Usage: --osh groupList [--all] [--include PATTERN] [--exclude PATTERN]\n\
           \x20 --all   every group, with your roles in each (or no-access)\n",
    run: list,
};

/// `groupModify`.
pub const MODIFY: Plugin = Plugin {
    name: "groupModify",
    class: Class::GroupOwner,
    summary: "change a group's settings",
    title: "modify a group",
    help: "Usage: --osh groupModify --group GROUP [OPTIONS]\n\
           \x20 --mfa-required password|totp|any|none   ask for MFA on the group's servers\n\
           \x20 --idle-lock-timeout DURATION|0|-1       this group's idle lock (0: never, -1: the global one)\n\
           \x20 --idle-kill-timeout DURATION|0|-1       this group's idle kill\n\
           \x20 --guest-ttl-limit DURATION|0            guest accesses must expire within it (0: no limit)\n",
    run: modify,
};

/// `whoHasAccessTo`.
pub const WHO: Plugin = Plugin {
    name: "whoHasAccessTo",
    class: Class::Restricted,
    summary: "list the accounts that can reach a server, and how",
    title: "who has access to",
    help: "Usage: --osh whoHasAccessTo --host IP [--user USER] [--port PORT] [--ignore-personal] [--ignore-group]\n\
           \x20 Every account with a grant to the server (personal, group member, group guest).\n",
    run: who,
};

/// What anyone may know of a group, and what those close to it may.
fn group_value(ctx: &Ctx, g: &str, db: &GroupDb, from: &[String]) -> Value {
    let roles = Roles::of(g, db);
    let close = ctx.is_auditor()
        || [Role::Owner, Role::Gatekeeper, Role::Aclkeeper, Role::Member]
            .iter()
            .any(|r| crate::holds(ctx, g, *r));
    let mut v = json!({
        "group": g,
        "owners": roles.owners,
        "gatekeepers": roles.gatekeepers,
    });
    if close {
        v["aclkeepers"] = json!(roles.aclkeepers);
        v["members"] = json!(roles.members);
        v["guests"] = json!(roles.guests);
        let counts: serde_json_map::Map = roles
            .guests
            .iter()
            .map(|a| (a.clone(), json!(group::guest_accesses(a, g).len())))
            .collect();
        v["guests_accesses"] = Value::Object(counts);
        for key in [
            "mfa_required",
            "guest_ttl_limit",
            "idle_kill_timeout",
            "idle_lock_timeout",
        ] {
            if let Some(s) = group::setting(g, key).filter(|s| s != "none") {
                v[key] = s.parse::<i64>().map_or_else(|_| json!(s), |n| json!(n));
            }
        }
    }
    let pairs = group::keys(g);
    let mut keys = osh_core::keys::pairs_value(&pairs, from);
    for k in &pairs {
        keys[&k.key.fingerprint]["id"] = json!(k.key.id());
    }
    v["keys"] = keys;
    v
}

mod serde_json_map {
    pub type Map = osh_core::serde_json::Map<String, osh_core::Value>;
}

fn show(ctx: &Ctx, v: &Value) {
    let names = |k: &str| {
        v[k].as_array().map(|a| {
            let n: Vec<&str> = a.iter().filter_map(Value::as_str).collect();
            if n.is_empty() {
                "-".to_owned()
            } else {
                n.join(" ")
            }
        })
    };
    let g = v["group"].as_str().unwrap_or("");
    let mut text = String::new();
    for (k, what) in [
        ("owners", "Owners"),
        (
            "gatekeepers",
            "GateKeepers (managing the members/guests list)",
        ),
        ("aclkeepers", "ACLKeepers (managing the group servers list)"),
        ("members", "Members (with access to ALL the group servers)"),
        (
            "guests",
            "Guests (with access to SOME of the group servers)",
        ),
    ] {
        if let Some(n) = names(k) {
            text.push_str(&format!(
                "Group {g}'s {what} are: {}\n",
                osh_core::ui::clean(&n)
            ));
        }
    }
    if v.get("members").is_none() {
        text.push_str("You should ask them if you think you need access for your work tasks.\n");
    }
    if let Some(m) = v["mfa_required"].as_str() {
        text.push_str(&format!("MFA Required: when connecting to servers of this group, users will be asked for an additional authentication factor ({m})\n"));
    }
    if let Some(t) = v["guest_ttl_limit"].as_u64() {
        text.push_str(&format!(
            "Guest TTL enforced: guest accesses must have a TTL with a maximum duration of {}\n",
            osh_core::time::duration_human(t)
        ));
    }
    match v["keys"].as_object().map(|m| m.len()).unwrap_or(0) {
        0 => text.push_str("\nThis group has no SSH egress key, the owner may use groupGenerateEgressKey to generate one.\n"),
        1 => text.push_str("\nThe public key of this group is:\n"),
        _ => text.push_str("\nThe public keys of this group are:\n"),
    }
    if let Some(m) = v["keys"].as_object() {
        for k in m.values() {
            text.push_str(&format!(
                "\n{} {} {} (id {})\n{}\n",
                k["family"].as_str().unwrap_or(""),
                k["size"],
                k["fingerprint"].as_str().unwrap_or(""),
                k["id"].as_str().unwrap_or(""),
                osh_core::ui::clean(k["line"].as_str().unwrap_or(""))
            ));
        }
    }
    ctx.out.info(&text);
}

fn info(ctx: &mut Ctx) -> Result<Reply> {
    let p = ctx.options(&[opt("group", Kind::Str), opt("all", Kind::Flag)])?;
    let db = GroupDb::load();
    let from = osh_core::keys::egress_from(&ctx.config);
    if p.flag("all") {
        if !ctx.is_auditor() && !ctx.is_admin() {
            return Err(Reply::new(
                osh_core::Code::ERR_ACCESS_DENIED,
                "Only bastion auditors can use --all",
            ));
        }
        let all: serde_json_map::Map = group::all(&db)
            .into_iter()
            .map(|g| {
                let v = group_value(ctx, &g, &db, &from);
                (g, v)
            })
            .collect();
        ctx.out
            .info("If you're only seeing this line, you might want to use --json");
        return Ok(Reply::ok(Value::Object(all)));
    }
    if p.str("group").is_none() {
        return Err(Reply::missing("Missing '--group' or '--all' parameter"));
    }
    let g = crate::group_opt(&p)?;
    let v = group_value(ctx, &g, &db, &from);
    show(ctx, &v);
    Ok(Reply::ok(v))
}

/// The caller's roles in `g`, as `groupList` flags them.
fn flags(ctx: &Ctx, g: &str) -> Vec<&'static str> {
    [
        Role::Owner,
        Role::Gatekeeper,
        Role::Aclkeeper,
        Role::Member,
        Role::Guest,
    ]
    .iter()
    .filter(|r| group::has_role(&ctx.account.name, &ctx.groups, g, **r))
    .map(|r| r.as_str())
    .collect()
}

fn list(ctx: &mut Ctx) -> Result<Reply> {
    let mut spec = vec![opt("all", Kind::Flag)];
    spec.extend(crate::servers::FILTER_SPEC);
    let p = ctx.options(&spec)?;
    let filter = crate::servers::filter(&p);
    let all = p.flag("all");
    let db = GroupDb::load();
    let mut value = serde_json_map::Map::new();
    let mut text = String::new();
    for g in group::all(&db) {
        let mut f = flags(ctx, &g);
        if f.is_empty() {
            if !all {
                continue;
            }
            f.push("no-access");
        }
        let shown = f.join(",");
        if !filter.keeps(&[g.clone(), shown.clone()]) {
            continue;
        }
        text.push_str(&format!("{g:>18} {shown}\n"));
        value.insert(g.clone(), json!({"group": g, "flags": f}));
    }
    text.push_str(&format!("\n{} groups listed\n", value.len()));
    ctx.out.info(&text);
    if value.is_empty() {
        return Ok(Reply::new(osh_core::Code::OK_EMPTY, "No group to list"));
    }
    Ok(Reply::ok(Value::Object(value)))
}

fn modify(ctx: &mut Ctx) -> Result<Reply> {
    let p = ctx.options(&[
        opt("group", Kind::Str),
        opt("mfa-required", Kind::Str),
        opt("idle-lock-timeout", Kind::Str),
        opt("idle-kill-timeout", Kind::Str),
        opt("guest-ttl-limit", Kind::Str),
    ])?;
    let g = crate::group_opt(&p)?;
    crate::require(ctx, &g, Role::Owner)?;
    let duration = |s: &str| -> Result<Option<String>> {
        match s {
            "-1" => Ok(Some("-1".into())),
            _ => Ok(Some(osh_core::time::parse_ttl(s)?.to_string())),
        }
    };
    let mut changes: Vec<(&str, Option<String>, String)> = Vec::new();
    if let Some(m) = p.str("mfa-required") {
        if !["password", "totp", "any", "none"].contains(&m) {
            return Err(Reply::invalid(
                "--mfa-required takes password, totp, any or none",
            ));
        }
        let said = format!("MFA required on the group's servers: {m}");
        changes.push(("mfa_required", (m != "none").then(|| m.to_owned()), said));
    }
    for (opt_name, key) in [
        ("idle-lock-timeout", "idle_lock_timeout"),
        ("idle-kill-timeout", "idle_kill_timeout"),
    ] {
        if let Some(v) = p.str(opt_name) {
            let v = duration(v)?;
            let said = format!(
                "{opt_name} set to {}",
                v.as_deref().unwrap_or("the default")
            );
            changes.push((key, v, said));
        }
    }
    if let Some(t) = p.str("guest-ttl-limit") {
        let secs = osh_core::time::parse_ttl(t)?;
        let said = if secs == 0 {
            "Guest accesses of this group no longer need a TTL".to_owned()
        } else {
            format!(
                "Guest accesses of this group now need a TTL, with maximum allowed duration of {}",
                osh_core::time::duration_human(secs)
            )
        };
        changes.push((
            "guest_ttl_limit",
            (secs > 0).then(|| secs.to_string()),
            said,
        ));
    }
    if changes.is_empty() {
        return Err(Reply::missing(
            "Nothing to modify: give at least one setting, see --help",
        ));
    }
    let mut value = serde_json_map::Map::new();
    let mut failed = 0;
    for (key, v, said) in changes {
        let r = osh_core::helper::call(&GroupModify {
            group: g.clone(),
            key: key.to_owned(),
            value: v,
        });
        if r.is_ok() {
            ctx.out.info(&said);
        } else {
            failed += 1;
            ctx.out.info(&r.msg);
        }
        value.insert(
            key.to_owned(),
            json!({"error_code": r.code, "error_message": r.msg}),
        );
    }
    if failed > 0 {
        return Err(Reply::new(
            osh_core::Code::ERR_PARTIAL_FAILURE,
            "Some settings could not be changed",
        )
        .with_value(Value::Object(value)));
    }
    Ok(
        Reply::new(osh_core::Code::OK, format!("Group {g} modified"))
            .with_value(Value::Object(value)),
    )
}

fn who(ctx: &mut Ctx) -> Result<Reply> {
    let p = ctx.options(&[
        opt("ignore-personal", Kind::Flag),
        opt("ignore-group", Kind::Flag),
    ])?;
    let host = ctx
        .host
        .clone()
        .ok_or_else(|| Reply::missing("Missing parameter --host"))?;
    let port = ctx
        .port
        .as_deref()
        .map(osh_core::access::port)
        .transpose()?;
    let ip = osh_core::access::resolve(&host).ok_or_else(|| {
        Reply::new(
            osh_core::Code::KO_INVALID_REMOTE_HOST,
            format!(
                "Invalid host, or unable to resolve it: '{}'",
                osh_core::ui::clean(&host)
            ),
        )
    })?;
    let req = osh_acl::Request::host(ip, ctx.user.as_deref(), port);
    let db = GroupDb::load();
    // Every account's groups from one pass over the group database.
    let mut groups_of: HashMap<&str, Vec<String>> = HashMap::new();
    for e in db.entries() {
        for m in &e.members {
            groups_of
                .entry(m.as_str())
                .or_default()
                .push(e.name.clone());
        }
    }
    let users = db.members(osh_core::account::BASTION_USERS).to_vec();
    let now = osh_core::time::epoch();
    let mut cache: HashMap<String, Vec<Entry>> = HashMap::new();
    let mut rows = Vec::new();
    let mut text = String::new();
    for account in &users {
        let mine =
            Memberships::from_names(groups_of.get(account.as_str()).cloned().unwrap_or_default());
        for a in osh_core::access::sources_for(account, &mine, &req.net, &mut cache) {
            let personal = a.group.is_none();
            if (personal && p.flag("ignore-personal")) || (!personal && p.flag("ignore-group")) {
                continue;
            }
            if let Some(grant) = a.grant(&req, now) {
                let (label, kind) = osh_core::render::source_label(&a);
                text.push_str(&format!(
                    "{account:>28} {label:<32} {}\n",
                    grant.entry.target()
                ));
                rows.push(json!({
                    "account": account,
                    "type": kind,
                    "group": a.group,
                    "by": label,
                    "acl": osh_core::access::entry_value(&grant.entry),
                }));
            }
        }
    }
    text.push_str(&format!("\n{} accesses found\n", rows.len()));
    ctx.out.info(&text);
    if rows.is_empty() {
        return Ok(Reply::new(
            osh_core::Code::OK_EMPTY,
            format!("Nobody has access to {ip}"),
        ));
    }
    Ok(Reply::ok(Value::Array(rows)))
}
