//! `accountInfo`: details of an account. Public facts come from the group and
//! allowkeeper files; what lives in the account's home is read by the
//! `osh-accountRead` helper as keyreader.

use std::time::SystemTime;

use osh_core::account::{self, Account};
use osh_core::getopt::{Kind, Opt, opt};
use osh_core::plugin::{self, Class, Ctx, Plugin};
use osh_core::requests::{AccountRead, Read};
use osh_core::unix::Memberships;
use osh_core::{Reply, Result, Value, json};

/// The plugin.
pub const PLUGIN: Plugin = Plugin {
    name: "accountInfo",
    class: Class::Restricted,
    summary: "show details of an account",
    title: "account information",
    help: "Usage: --osh accountInfo --account NAME | --all [--with-mfa-password-info]\n  \
           Auditors see every detail; others see the account's roles, granted commands and\n  \
           whether it is active.\n  \
           --all (auditors): every account, keyed by name.\n  \
           --with-mfa-password-info (auditors): the state of its Unix password (never the hash).\n",
    run,
};

const SPEC: &[Opt] = &[
    opt("account", Kind::Str),
    opt("all", Kind::Flag),
    opt("with-mfa-password-info", Kind::Flag),
    opt("without-mfa-password-info", Kind::Flag),
];

/// What anyone granted `accountInfo` sees of an account, as The Bastion
/// shows a non-auditor: its name, roles (only those it has), granted
/// commands, groups, and whether it is active. Nothing read from its home.
#[must_use]
pub fn basic(acct: &Account, ctx: &Ctx) -> Value {
    let groups = Memberships::of(&acct.name);
    let cfg = &ctx.config;
    let mut allowed_commands: Vec<String> = ctx
        .catalogue
        .iter()
        .filter(|p| {
            p.class == Class::Restricted && groups.contains(&osh_core::group::command_group(p.name))
        })
        .map(|p| p.name.to_owned())
        .collect();
    allowed_commands.sort();
    let mut v = json!({"account": acct.name});
    for (key, yes) in [
        ("is_admin", account::is_admin(&acct.name, &groups, cfg)),
        (
            "is_superowner",
            account::is_superowner(&acct.name, &groups, cfg),
        ),
        ("is_auditor", account::is_auditor(&groups)),
    ] {
        if yes {
            v[key] = json!(1);
        }
    }
    v["allowed_commands"] = json!(allowed_commands);
    v["groups"] = json!({});
    if acct.public_flag("always_active") {
        v["always_active"] = json!(1);
        v["always_active_reason"] = json!("account local configuration");
    } else if cfg.alwaysActiveAccounts.contains(&acct.name) {
        v["always_active"] = json!(1);
        v["always_active_reason"] = json!("account listed in global configuration");
    } else {
        v["always_active"] = json!(0);
    }
    v["is_active"] = json!(u8::from(
        account::activation(acct, cfg) == account::Activation::Active
    ));
    v
}

/// The state of an account as auditors see it (`private` is what the
/// `osh-accountRead` helper gave): [`basic`] and every detail; shared with
/// accountList.
#[must_use]
pub fn state(acct: &Account, ctx: &Ctx, private: &Value) -> Value {
    let groups = Memberships::of(&acct.name);
    let cfg = &ctx.config;
    let facts = account::Facts::from_private(acct, private);
    let st = account::status(&facts, cfg, SystemTime::now());
    let in_group = |g: &str| u8::from(groups.contains(g));
    let mut v = basic(acct, ctx);
    let seen = private["lastlog_timestamp"].is_u64();
    let ttl_timestamp = match (facts.created, facts.ttl) {
        (Some(c), Some(t)) => json!(c.saturating_add(t)),
        _ => Value::Null,
    };
    let mfa = private["personal_egress_mfa_required"]
        .as_str()
        .filter(|m| !m.is_empty())
        .unwrap_or("none");
    let details = json!({
        "uid": acct.uid,
        "is_ttl_set": u8::from(st.ttl_set),
        "is_ttl_expired": u8::from(st.ttl_expired),
        "ttl_timestamp": ttl_timestamp,
        "is_frozen": u8::from(st.frozen.is_some()),
        "freeze_info": st.frozen,
        "is_expired": u8::from(st.inactivity_expired),
        "can_connect": u8::from(v["is_active"] == json!(1) && st.is_active()),
        "already_seen_before": u8::from(seen),
        "last_activity": last_activity(private["lastlog_timestamp"].as_u64()),
        "last_activity_timestamp": private["lastlog_timestamp"],
        "creation_information": private["creation_information"],
        "account_egress_ssh_config": private["account_egress_ssh_config"],
        // osh has no PIV: the policy is off, and said so in The Bastion's fields.
        "ingress_piv_enforced": 0,
        "ingress_piv_policy": null,
        "ingress_piv_grace": {"enabled": 0},
        "global_ingress_policy": u8::from(cfg.ingressRequirePIV),
        "effective_ingress_piv_policy": 0,
        "mfa_password_required": in_group("mfa-password-reqd"),
        "mfa_password_bypass": in_group("mfa-password-bypass"),
        "mfa_password_configured": in_group("mfa-password-configd"),
        "mfa_totp_required": in_group("mfa-totp-reqd"),
        "mfa_totp_bypass": in_group("mfa-totp-bypass"),
        "mfa_totp_configured": in_group("mfa-totp-configd"),
        "pam_auth_bypass": in_group("bastion-nopam"),
        "pubkey_auth_optional": in_group("osh-pubkey-auth-optional"),
        "personal_egress_mfa_required": mfa,
        "idle_ignore": u8::from(acct.public_flag("idle_ignore")),
        "max_inactive_days": facts.max_inactive_days,
        "osh_only": u8::from(private["osh_only"] == json!(true)),
    });
    for (k, x) in details.as_object().into_iter().flatten() {
        v[k] = x.clone();
    }
    v
}

/// The lines every viewer gets: roles, granted commands, activeness.
fn summary(acct: &Account, v: &Value) -> String {
    let mut text = String::new();
    for (key, role) in [
        ("is_admin", "admin"),
        ("is_superowner", "superowner"),
        ("is_auditor", "auditor"),
    ] {
        if v[key] == json!(1) {
            text.push_str(&format!("{} is a bastion {role}\n", acct.name));
        }
    }
    text.push_str("This account has access to the following restricted commands:\n");
    let cmds: Vec<&str> = v["allowed_commands"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if cmds.is_empty() {
        text.push_str("(none)\n");
    }
    for c in cmds {
        text.push_str(&format!("- {c}\n"));
    }
    text.push_str(if v["always_active"] == json!(1) {
        "This account is always active\n"
    } else if v["is_active"] == json!(1) {
        "This account is active\n"
    } else {
        "This account is INACTIVE\n"
    });
    text
}

/// When the account last logged in, as The Bastion shows it.
fn last_activity(last: Option<u64>) -> Value {
    let Some(last) = last else {
        return Value::Null;
    };
    let ago = osh_core::time::epoch().saturating_sub(last);
    let at = i64::try_from(last)
        .ok()
        .and_then(|t| jiff::Timestamp::from_second(t).ok());
    let utc = at.map(|t| t.strftime("%a %Y-%m-%d %H:%M:%S UTC").to_string());
    let local = at.map(|t| {
        t.to_zoned(osh_core::log::zone())
            .strftime("%a %Y-%m-%d %H:%M:%S %Z")
            .to_string()
    });
    json!({
        "datetime_utc": utc,
        "datetime_local": local,
        "ago": osh_core::time::human(ago),
        "timestamp": last,
    })
}

/// `--all`: every account, keyed by name, for auditors.
fn all(ctx: &Ctx) -> Result<Reply> {
    let every = ctx
        .helper(&AccountRead {
            account: None,
            what: Read::InfoAll,
        })?
        .value;
    let mut out = osh_core::serde_json::Map::new();
    for (name, private) in every.as_object().into_iter().flatten() {
        if let Some(acct) = Account::lookup(name) {
            out.insert(name.clone(), state(&acct, ctx, private));
        }
    }
    ctx.out.info(&format!("{} accounts", out.len()));
    Ok(Reply::ok(Value::Object(out)))
}

fn run(ctx: &mut Ctx) -> Result<Reply> {
    let p = ctx.options(SPEC)?;
    let auditor = ctx.is_auditor() || ctx.is_admin();
    let with_password = p.flag("with-mfa-password-info") && !p.flag("without-mfa-password-info");
    if (p.flag("all") || with_password) && !auditor {
        return Err(Reply::new(
            osh_core::Code::ERR_ACCESS_DENIED,
            "This option can only be used by bastion auditors",
        ));
    }
    if p.flag("all") {
        if p.str("account").is_some() {
            return Err(Reply::new(
                osh_core::Code::ERR_INCOMPATIBLE_PARAMETERS,
                "Can't use both --account and --all",
            ));
        }
        return all(ctx);
    }
    let acct = plugin::target_account(&p, "account")?;
    if !auditor {
        let v = basic(&acct, ctx);
        ctx.out.info(&summary(&acct, &v));
        return Ok(Reply::ok(v));
    }
    let private = ctx
        .helper(&AccountRead {
            account: Some(acct.name.clone()),
            what: Read::Info,
        })?
        .value;
    let mut v = state(&acct, ctx, &private);
    if with_password {
        v["password"] = ctx
            .helper(&osh_core::requests::AccountPasswordInfo {
                account: acct.name.clone(),
            })?
            .value;
    }
    let yes = |k: &str| if v[k] == json!(1) { "yes" } else { "no" };
    let mut text = summary(&acct, &v);
    text.push_str(&format!(
        "uid {}, frozen: {}, TTL set: {} (expired: {})\n",
        acct.uid,
        yes("is_frozen"),
        yes("is_ttl_set"),
        yes("is_ttl_expired"),
    ));
    if let Some(f) = v["freeze_info"].as_object() {
        let part = |k: &str| f.get(k).and_then(Value::as_str).unwrap_or("?").to_owned();
        let when = f
            .get("timestamp")
            .and_then(Value::as_i64)
            .and_then(|t| jiff::Timestamp::from_second(t).ok())
            .map_or_else(|| "?".to_owned(), |t| t.to_string());
        text.push_str(&format!(
            "frozen by {} on {when}, reason: {}\n",
            part("by"),
            osh_core::ui::clean(&part("reason"))
        ));
    }
    match (
        &v["last_activity"]["datetime_utc"],
        &v["last_activity"]["ago"],
    ) {
        (Value::String(when), Value::String(ago)) => {
            text.push_str(&format!("Last seen on {when} ({ago} ago)\n"));
        }
        _ => text.push_str("This account has NEVER been used (yet)\n"),
    }
    text.push_str(&format!(
        "egress ssh config: {}",
        v["account_egress_ssh_config"]["type"]
            .as_str()
            .unwrap_or("default")
    ));
    ctx.out.info(&text);
    Ok(Reply::ok(v))
}
