//! `selfListAccesses` and `selfListEgressKeys` (and the listings the account*
//! versions share).

use osh_core::plugin::{Ctx, Plugin};
use osh_core::{Reply, Result, Value, access, json, keys, paths};

/// `selfListAccesses`.
pub const ACCESSES: Plugin = Plugin {
    name: "selfListAccesses",
    title: "your access list",
    help: "Usage: --osh selfListAccesses\n  The servers you can connect to through this bastion.\n",
    run: self_accesses,
};

/// `selfListEgressKeys`.
pub const EGRESS_KEYS: Plugin = Plugin {
    name: "selfListEgressKeys",
    title: "the public part of your personal bastion egress key",
    help: "Usage: --osh selfListEgressKeys\n  The keys the bastion uses to connect for you, with the line to install on servers.\n",
    run: self_egress_keys,
};

/// Text and value of an account's personal accesses (expired lines shown as such).
#[must_use]
pub fn accesses_of(account: &str) -> (String, Value) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut text = String::new();
    let mut acl = Vec::new();
    for file in ["allowed.private", "allowed.ip"] {
        let entries = std::fs::read_to_string(paths::allowkeeper_dir(account).join(file))
            .map(|t| osh_acl::parse_file(&t))
            .unwrap_or_default();
        for e in entries {
            let expired = e.expired(now);
            text.push_str(&format!(
                "personal  {}{}{}{}\n",
                e.target(),
                e.force_key
                    .as_ref()
                    .map(|k| format!("  force-key {k}"))
                    .unwrap_or_default(),
                e.comment
                    .as_ref()
                    .map(|c| format!("  ({})", osh_core::ui::clean(c)))
                    .unwrap_or_default(),
                if expired { "  [expired]" } else { "" },
            ));
            if !expired {
                acl.push(access::entry_value(&e));
            }
        }
    }
    if acl.is_empty() {
        text.push_str("No access found.\n");
    }
    (
        text,
        json!([{"type": "personal", "group": null, "acl": acl}]),
    )
}

/// Text of an egress-key listing, with the line to install on servers.
#[must_use]
pub fn describe_egress(value: &Value) -> String {
    let mut text = String::new();
    for (fp, k) in value.as_object().into_iter().flatten() {
        text.push_str(&format!(
            "{} {} {fp} [{}]\nkeyline follows, please copy the *whole* line:\n{}\n\n",
            k["family"].as_str().unwrap_or(""),
            k["size"],
            k["comment"].as_str().unwrap_or(""),
            k["line"].as_str().unwrap_or("")
        ));
    }
    text
}

fn self_accesses(ctx: &mut Ctx) -> Result<Reply> {
    ctx.options(&[])?;
    let (text, value) = accesses_of(&ctx.account.name);
    ctx.out.info(&text);
    Ok(Reply::ok(value))
}

fn self_egress_keys(ctx: &mut Ctx) -> Result<Reply> {
    ctx.options(&[])?;
    let value = keys::egress_keys_value(&ctx.account.home, &keys::egress_from(&ctx.config));
    ctx.out.info(&describe_egress(&value));
    Ok(Reply::ok(value))
}
