//! The human text of listings that self* and account* commands share, so
//! that `selfListAccesses` and `accountListAccesses` (and the rest) can never
//! disagree.

use serde_json::{Value, json};

use crate::sshkey::PublicKey;

/// Human listing of ingress keys (1-based ids, as listings number them).
#[must_use]
pub fn ingress_keys(keys: &[PublicKey]) -> String {
    let mut text = String::new();
    for (i, k) in keys.iter().enumerate() {
        text.push_str(&format!(
            "{:>2}: {} {} {} {}\n    {}\n",
            i + 1,
            k.family,
            k.size,
            k.fingerprint,
            crate::ui::clean(k.comment.as_deref().unwrap_or("")),
            crate::ui::clean(&k.line)
        ));
    }
    text
}

/// Text and value of an account's personal accesses. Expired lines are no
/// longer accesses, and, as in The Bastion, not listed.
#[must_use]
pub fn accesses(account: &str) -> (String, crate::Reply) {
    let now = crate::time::epoch();
    let mut text = String::new();
    let mut acl = Vec::new();
    for (_, _, entries) in crate::access::sources(account) {
        for e in entries.into_iter().filter(|e| !e.expired(now)) {
            text.push_str(&format!(
                "personal  {}{}{}{}\n",
                e.target(),
                e.force_key
                    .as_ref()
                    .map(|k| format!("  force-key {k}"))
                    .unwrap_or_default(),
                e.comment
                    .as_ref()
                    .map(|c| format!("  ({})", crate::ui::clean(c)))
                    .unwrap_or_default(),
                e.expiry
                    .map(|x| format!(
                        "  (expires in {})",
                        crate::time::human(x.saturating_sub(now))
                    ))
                    .unwrap_or_default(),
            ));
            acl.push(crate::access::entry_value(&e));
        }
    }
    if acl.is_empty() {
        // The Bastion's words and shape: OK_EMPTY, no value.
        text.push_str("This account has no registered accesses.\n");
        return (
            text,
            crate::Reply::new(
                crate::Code::OK_EMPTY,
                "This account has no registered accesses",
            ),
        );
    }
    (
        text,
        crate::Reply::ok(json!([{"type": "personal", "group": null, "acl": acl}])),
    )
}

/// Text of an egress-key listing, with the line to install on servers.
#[must_use]
pub fn egress_keys(value: &Value) -> String {
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
