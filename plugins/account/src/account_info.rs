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
    help: "Usage: --osh accountInfo --account NAME | --all\n  --all (auditors): every account, keyed by name.\n",
    run,
};

const SPEC: &[Opt] = &[opt("account", Kind::Str), opt("all", Kind::Flag)];

/// The state of an account as admins see it; shared with accountList.
#[must_use]
pub fn state(acct: &Account, ctx: &Ctx, private: &Value) -> Value {
    let groups = Memberships::of(&acct.name);
    let cfg = &ctx.config;
    let read = |k: &str| {
        std::fs::read_to_string(acct.public_config(k))
            .ok()
            .map(|s| s.trim().to_owned())
    };
    let st = account::status(
        &account::Facts::from_private(acct, private),
        cfg,
        SystemTime::now(),
    );
    let mut allowed_commands: Vec<String> = ctx
        .catalogue
        .iter()
        .filter(|p| {
            p.class == Class::Restricted && groups.contains(&osh_core::group::command_group(p.name))
        })
        .map(|p| p.name.to_owned())
        .collect();
    allowed_commands.sort();
    if account::is_auditor(&groups) {
        allowed_commands.push("auditor".into());
    }
    json!({
        "account": acct.name,
        "uid": acct.uid,
        "is_admin": u8::from(account::is_admin(&acct.name, &groups, cfg)),
        "is_superowner": u8::from(account::is_superowner(&acct.name, &groups, cfg)),
        "is_auditor": u8::from(account::is_auditor(&groups)),
        "always_active": u8::from(st.always_active.is_some()),
        "always_active_reason": match st.always_active {
            Some("account") => Value::from("account local configuration"),
            Some(_) => Value::from("bastion configuration"),
            None => Value::Null,
        },
        "is_active": u8::from(st.is_active()),
        "is_expired": u8::from(st.inactivity_expired),
        "is_frozen": u8::from(st.frozen.is_some()),
        "freeze_info": st.frozen,
        "max_inactive_days": read("max_inactive_days").and_then(|d| d.parse::<i64>().ok()),
        "idle_ignore": u8::from(acct.public_flag("idle_ignore")),
        "is_ttl_set": u8::from(st.ttl_set),
        "is_ttl_expired": u8::from(st.ttl_expired),
        "osh_only": u8::from(private["osh_only"] == json!(true)),
        "pam_auth_bypass": u8::from(groups.contains("bastion-nopam")),
        "pubkey_auth_optional": u8::from(groups.contains("osh-pubkey-auth-optional")),
        "allowed_commands": allowed_commands,
        "groups": {},
        "creation_information": private["creation_information"],
        "last_activity_timestamp": private["lastlog_timestamp"],
        "already_seen_before": u8::from(private["lastlog_timestamp"].is_u64()),
        "last_activity": last_activity(private["lastlog_timestamp"].as_u64()),
        "can_connect": u8::from(st.is_active()),
        "account_egress_ssh_config": private["account_egress_ssh_config"],
    })
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
        t.to_zoned(jiff::tz::TimeZone::system())
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
    if !ctx.is_auditor() && !ctx.is_admin() {
        return Err(Reply::new(
            osh_core::Code::ERR_ACCESS_DENIED,
            "Only auditors can use --all",
        ));
    }
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
    if p.flag("all") {
        return all(ctx);
    }
    let acct = plugin::target_account(&p, "account")?;
    let private = ctx
        .helper(&AccountRead {
            account: Some(acct.name.clone()),
            what: Read::Info,
        })?
        .value;
    let v = state(&acct, ctx, &private);
    let yes = |k: &str| if v[k] == json!(1) { "yes" } else { "no" };
    let mut text = format!(
        "{} is a bastion account (uid {})\nadmin: {}, superowner: {}, auditor: {}\nfrozen: {}, always active: {}, TTL set: {} (expired: {})\n",
        acct.name,
        acct.uid,
        yes("is_admin"),
        yes("is_superowner"),
        yes("is_auditor"),
        yes("is_frozen"),
        yes("always_active"),
        yes("is_ttl_set"),
        yes("is_ttl_expired"),
    );
    let cmds: Vec<&str> = v["allowed_commands"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    text.push_str(&format!(
        "restricted commands granted: {}\n",
        if cmds.is_empty() {
            "none".into()
        } else {
            cmds.join(", ")
        }
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
