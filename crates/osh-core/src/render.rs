//! The human text of listings that self* and account* commands share, so
//! that `selfListAccesses` and `accountListAccesses` (and the rest) can never
//! disagree.

use serde_json::{Value, json};

use crate::sshkey::PublicKey;

/// Human listing of ingress keys (1-based ids, as listings number them).
#[must_use]
pub fn ingress_keys(keys: &[PublicKey]) -> String {
    keys.iter()
        .enumerate()
        .map(|(i, k)| ingress_key(i + 1, k))
        .collect()
}

/// One key of [`ingress_keys`], numbered `id`.
#[must_use]
pub fn ingress_key(id: usize, k: &PublicKey) -> String {
    format!(
        "{id:>2}: {} {} {} {}\n    {}\n",
        k.family,
        k.size,
        k.fingerprint,
        crate::ui::clean(k.comment.as_deref().unwrap_or("")),
        crate::ui::clean(&k.line)
    )
}

/// `--include`/`--exclude` patterns of the listings: `*` and `?` are
/// wildcards; a pattern without any matches anywhere in a field.
#[derive(Debug, Clone, Default)]
pub struct RowFilter {
    /// Rows must have a field matching one of these (if any).
    pub include: Vec<String>,
    /// Rows with a field matching one of these are left out.
    pub exclude: Vec<String>,
}

impl RowFilter {
    /// Whether a row of `fields` is listed.
    #[must_use]
    pub fn keeps(&self, fields: &[String]) -> bool {
        let hit = |pats: &[String]| {
            pats.iter()
                .any(|p| fields.iter().any(|f| wildcard_match(p, f)))
        };
        !hit(&self.exclude) && (self.include.is_empty() || hit(&self.include))
    }
}

/// The Bastion's pattern rule: with a wildcard, the whole text must match;
/// without, containing the pattern is enough.
#[must_use]
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    fn whole(p: &[u8], t: &[u8]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some(b'*'), _) => whole(&p[1..], t) || (!t.is_empty() && whole(p, &t[1..])),
            (Some(b'?'), Some(_)) => whole(&p[1..], &t[1..]),
            (Some(a), Some(b)) if a == b => whole(&p[1..], &t[1..]),
            _ => false,
        }
    }
    if pattern.contains(['*', '?']) {
        whole(pattern.as_bytes(), text.as_bytes())
    } else {
        text.contains(pattern)
    }
}

/// An ACL as a table, The Bastion's columns (empty ones left out), for the
/// access listings and the group's servers: rows are `(access-by, line)`,
/// e.g. `("personal", e)` or `("web(group-member)", e)`. Returns the text
/// and the JSON of the rows kept.
#[must_use]
pub fn acl_table(rows: &[(String, &osh_acl::Entry)], filter: &RowFilter) -> (String, Vec<Value>) {
    const COLUMNS: [&str; 9] = [
        "IP",
        "PORT",
        "USER",
        "ACCESS-BY",
        "ADDED-BY",
        "ADDED-AT",
        "EXPIRY?",
        "COMMENT",
        "FORCED-KEY",
    ];
    let now = crate::time::epoch();
    let dash = |o: Option<&str>| {
        o.filter(|s| !s.is_empty())
            .map_or_else(|| "-".to_owned(), crate::ui::clean)
    };
    let mut cells: Vec<[String; 9]> = Vec::new();
    let mut json_rows = Vec::new();
    for (by, e) in rows {
        if e.expired(now) {
            continue;
        }
        let row = [
            crate::access::entry_value(e)["ip"]
                .as_str()
                .unwrap_or("")
                .to_owned(),
            e.port.map_or_else(|| "*".to_owned(), |p| p.to_string()),
            e.user
                .clone()
                .map_or_else(|| "*".to_owned(), |u| crate::ui::clean(&u)),
            by.clone(),
            dash(e.added_by.as_deref()),
            dash(e.added_date.as_deref().map(|d| d.get(..10).unwrap_or(d))),
            e.expiry.map_or_else(
                || "-".to_owned(),
                |x| crate::time::duration_human(x.saturating_sub(now)),
            ),
            dash(e.comment.as_deref()),
            dash(e.force_key.as_deref()),
        ];
        if !filter.keeps(&row) {
            continue;
        }
        json_rows.push(crate::access::entry_value(e));
        cells.push(row);
    }
    let shown: Vec<usize> = (0..COLUMNS.len())
        .filter(|i| cells.iter().any(|r| r[*i] != "-"))
        .collect();
    let width = |i: usize| {
        cells
            .iter()
            .map(|r| r[i].chars().count())
            .chain([COLUMNS[i].len()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..COLUMNS.len()).map(width).collect();
    let line = |f: &dyn Fn(usize) -> String| {
        let v: Vec<String> = shown
            .iter()
            .map(|i| format!("{:>w$}", f(*i), w = widths[*i]))
            .collect();
        format!("{}\n", v.join(" "))
    };
    let mut text = String::new();
    if !cells.is_empty() {
        text.push_str(&line(&|i| COLUMNS[i].to_owned()));
        text.push_str(&line(&|i| "-".repeat(widths[i])));
        for r in &cells {
            text.push_str(&line(&|i| r[i].clone()));
        }
    }
    text.push_str(&format!("\n{} accesses listed\n", cells.len()));
    (text, json_rows)
}

/// The `ACCESS-BY` label and JSON type of one ACL source.
#[must_use]
pub fn source_label(a: &osh_acl::Acl) -> (String, &'static str) {
    let kind = match a.source {
        osh_acl::Source::Personal => "personal",
        osh_acl::Source::PersonalLegacy => "personal-legacy",
        osh_acl::Source::GroupMember => "group-member",
        osh_acl::Source::GroupGuest => "group-guest",
    };
    let label = a
        .group
        .as_ref()
        .map_or_else(|| kind.to_owned(), |g| format!("{g}({kind})"));
    (label, kind)
}

/// Text and value of an account's accesses, personal and by group.
/// Expired lines are no longer accesses, and, as in The Bastion, not listed.
#[must_use]
pub fn accesses(account: &str, groups: &crate::unix::Memberships) -> (String, crate::Reply) {
    let sources = crate::access::sources(account, groups);
    let now = crate::time::epoch();
    let mut rows: Vec<(String, &osh_acl::Entry)> = Vec::new();
    let mut value = Vec::new();
    for a in &sources {
        let (label, kind) = source_label(a);
        let live: Vec<&osh_acl::Entry> = a
            .entries
            .iter()
            .filter(|e| !e.expired(now))
            // A guest line the group no longer grants is no access.
            .filter(|e| {
                a.within
                    .as_ref()
                    .is_none_or(|w| w.iter().any(|g| !g.expired(now) && g.covers(e)))
            })
            .collect();
        if live.is_empty() {
            continue;
        }
        value.push(json!({
            "type": kind,
            "group": a.group,
            "acl": live.iter().map(|e| crate::access::entry_value(e)).collect::<Vec<_>>(),
        }));
        rows.extend(live.into_iter().map(|e| (label.clone(), e)));
    }
    if rows.is_empty() {
        // The Bastion's words and shape: OK_EMPTY, no value.
        return (
            "This account has no registered accesses.\n".to_owned(),
            crate::Reply::new(
                crate::Code::OK_EMPTY,
                "This account has no registered accesses",
            ),
        );
    }
    let (text, _) = acl_table(&rows, &RowFilter::default());
    (text, crate::Reply::ok(Value::Array(value)))
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
