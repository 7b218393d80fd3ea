//! Reading sessions back for the listings, over every monthly database,
//! newest first.

use std::path::PathBuf;

use rusqlite::types::Value;

use crate::schema::{Kind, open};

/// What a listing asks for; `None` is "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// The session's uniqid.
    pub id: Option<String>,
    /// Its `cmdtype` (`ssh`, `osh`, `abort`...).
    pub kind: Option<String>,
    /// Allowed (`true`) or denied.
    pub allowed: Option<bool>,
    /// Started at or after this epoch.
    pub after: Option<i64>,
    /// Started at or before this epoch.
    pub before: Option<i64>,
    /// The target, as address or name.
    pub host: Option<String>,
    /// The target's port.
    pub to_port: Option<i64>,
    /// The remote user.
    pub user: Option<String>,
    /// The bastion address the client came in by.
    pub via: Option<String>,
    /// The bastion port the client came in by.
    pub via_port: Option<i64>,
    /// At most this many sessions.
    pub limit: usize,
}

/// One row of `connections`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Session {
    pub uniqid: String,
    pub timestamp: i64,
    pub timestampusec: i64,
    pub account: String,
    pub cmdtype: String,
    pub allowed: Option<i64>,
    pub hostfrom: Option<String>,
    pub ipfrom: Option<String>,
    pub portfrom: Option<i64>,
    pub bastionip: Option<String>,
    pub bastionport: Option<i64>,
    pub hostto: Option<String>,
    pub ipto: Option<String>,
    pub portto: Option<i64>,
    pub user: Option<String>,
    pub plugin: Option<String>,
    pub ttyrecfile: Option<String>,
    pub params: Option<String>,
    pub timestampend: Option<i64>,
    pub timestampendusec: Option<i64>,
    pub returnvalue: Option<i64>,
    pub comment: Option<String>,
    pub proxyuser: Option<String>,
    pub proxyip: Option<String>,
    pub proxyhost: Option<String>,
    pub proxyport: Option<i64>,
}

const COLUMNS: &str = "uniqid, timestamp, timestampusec, account, cmdtype, allowed, hostfrom, \
    ipfrom, portfrom, bastionip, bastionport, hostto, ipto, portto, user, plugin, ttyrecfile, \
    params, timestampend, timestampendusec, returnvalue, comment, proxyuser, proxyip, \
    proxyhost, proxyport";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Session> {
    Ok(Session {
        uniqid: r.get::<_, Option<String>>(0)?.unwrap_or_default(),
        timestamp: r.get::<_, Option<i64>>(1)?.unwrap_or_default(),
        timestampusec: r.get::<_, Option<i64>>(2)?.unwrap_or_default(),
        account: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
        cmdtype: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
        allowed: r.get(5)?,
        hostfrom: r.get(6)?,
        ipfrom: r.get(7)?,
        portfrom: r.get(8)?,
        bastionip: r.get(9)?,
        bastionport: r.get(10)?,
        hostto: r.get(11)?,
        ipto: r.get(12)?,
        portto: r.get(13)?,
        user: r.get(14)?,
        plugin: r.get(15)?,
        ttyrecfile: r.get(16)?,
        params: r.get(17)?,
        timestampend: r.get(18)?,
        timestampendusec: r.get(19)?,
        returnvalue: r.get(20)?,
        comment: r.get(21)?,
        proxyuser: r.get(22)?,
        proxyip: r.get(23)?,
        proxyhost: r.get(24)?,
        proxyport: r.get(25)?,
    })
}

/// The `WHERE` clause and its values for `f`.
fn clause(f: &Filter) -> (String, Vec<Value>) {
    let mut sql = Vec::new();
    let mut values = Vec::new();
    let mut add = |cond: &str, v: Value| {
        sql.push(cond.to_owned());
        values.push(v);
    };
    if let Some(id) = &f.id {
        add("uniqid = ?", Value::Text(id.clone()));
    }
    if let Some(t) = &f.kind {
        add("cmdtype = ?", Value::Text(t.clone()));
    }
    if let Some(a) = f.allowed {
        add("allowed = ?", Value::Integer(i64::from(a)));
    }
    if let Some(t) = f.after {
        add("timestamp >= ?", Value::Integer(t));
    }
    if let Some(t) = f.before {
        add("timestamp <= ?", Value::Integer(t));
    }
    if let Some(h) = &f.host {
        // An address is looked up by its index; a name (not indexed in The
        // Bastion's schema) by what the user typed when connecting.
        if h.parse::<std::net::IpAddr>().is_ok() {
            sql.push("ipto = ?".into());
        } else {
            sql.push("hostto = ?".into());
        }
        values.push(Value::Text(h.clone()));
    }
    if let Some(p) = f.to_port {
        sql.push("portto = ?".into());
        values.push(Value::Integer(p));
    }
    if let Some(u) = &f.user {
        sql.push("user = ?".into());
        values.push(Value::Text(u.clone()));
    }
    if let Some(v) = &f.via {
        sql.push("bastionip = ?".into());
        values.push(Value::Text(v.clone()));
    }
    if let Some(p) = f.via_port {
        sql.push("bastionport = ?".into());
        values.push(Value::Integer(p));
    }
    let text = if sql.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", sql.join(" AND "))
    };
    (text, values)
}

/// The first and last epoch of month `YYYYMM` in the local zone, from a
/// database's name, to skip the months a time window excludes.
fn month_span(path: &std::path::Path) -> Option<(i64, i64)> {
    let name = path.file_name()?.to_str()?;
    let m = name.strip_suffix(".sqlite")?.rsplit('-').next()?;
    let (y, mo) = (
        m.get(..4)?.parse::<i16>().ok()?,
        m.get(4..)?.parse::<i8>().ok()?,
    );
    let tz = osh_log::zone();
    let start = jiff::civil::date(y, mo, 1).to_zoned(tz).ok()?;
    let end = start.checked_add(jiff::Span::new().months(1)).ok()?;
    Some((start.timestamp().as_second(), end.timestamp().as_second()))
}

/// The sessions matching `f` in the databases `dbs` (newest month first, as
/// [`crate::monthly`] lists them), newest first, at most `f.limit`. A
/// database that can't be read is said in the error list, not skipped
/// silently.
pub fn sessions(dbs: &[PathBuf], f: &Filter) -> (Vec<Session>, Vec<String>) {
    let (cond, values) = clause(f);
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for path in dbs {
        if out.len() >= f.limit {
            break;
        }
        if let Some((start, end)) = month_span(path)
            && (f.after.is_some_and(|a| a >= end) || f.before.is_some_and(|b| b < start))
        {
            continue;
        }
        let want = f.limit - out.len();
        let got = open(path, Kind::Account, false, crate::BUSY).and_then(|db| {
            let sql = format!(
                "SELECT {COLUMNS} FROM connections {cond} ORDER BY timestamp DESC, id DESC LIMIT {want}"
            );
            let mut st = db.prepare(&sql)?;
            let rows = st.query_map(rusqlite::params_from_iter(values.iter()), row)?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        });
        match got {
            Ok(mut rows) => out.append(&mut rows),
            Err(e) => errors.push(format!("{}: {e}", path.display())),
        }
    }
    (out, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use osh_log::{Event, Sink as _};

    #[test]
    fn filters_across_months_newest_first() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut sink = crate::AccountSql::new(dir.path(), "bob");
        let mk = |id: &str, kind: &str, allowed: &str, host: &str, user: &str| {
            Event::new("open")
                .field("uniqid", id)
                .field("account", "bob")
                .field("cmdtype", kind)
                .field("allowed", allowed)
                .field("ip_to", host)
                .field("port_to", "22")
                .field("user", user)
        };
        let oct: jiff::Zoned = "2026-10-15T12:00:00[UTC]".parse().expect("date");
        let nov: jiff::Zoned = "2026-11-15T12:00:00[UTC]".parse().expect("date");
        sink.record(&mk("aaaaaaaaaaa1", "ssh", "true", "10.0.0.1", "root"), &oct);
        sink.record(
            &mk("aaaaaaaaaaa2", "ssh", "false", "10.0.0.2", "root"),
            &oct,
        );
        sink.record(&mk("aaaaaaaaaaa3", "osh", "true", "", ""), &nov);
        sink.record(
            &mk("aaaaaaaaaaa4", "ssh", "true", "10.0.0.1", "admin"),
            &nov,
        );
        let dbs = crate::monthly(dir.path(), "bob");
        assert_eq!(dbs.len(), 2);
        let ids = |f: Filter| -> Vec<String> {
            let (rows, errors) = sessions(&dbs, &Filter { limit: 100, ..f });
            assert!(errors.is_empty(), "{errors:?}");
            rows.into_iter().map(|s| s.uniqid).collect()
        };
        assert_eq!(
            ids(Filter::default()),
            [
                "aaaaaaaaaaa4",
                "aaaaaaaaaaa3",
                "aaaaaaaaaaa2",
                "aaaaaaaaaaa1"
            ]
        );
        assert_eq!(
            ids(Filter {
                kind: Some("ssh".into()),
                allowed: Some(true),
                ..Filter::default()
            }),
            ["aaaaaaaaaaa4", "aaaaaaaaaaa1"]
        );
        assert_eq!(
            ids(Filter {
                allowed: Some(false),
                ..Filter::default()
            }),
            ["aaaaaaaaaaa2"]
        );
        assert_eq!(
            ids(Filter {
                host: Some("10.0.0.1".into()),
                user: Some("root".into()),
                ..Filter::default()
            }),
            ["aaaaaaaaaaa1"]
        );
        let nov1 = "2026-11-01T00:00:00[UTC]"
            .parse::<jiff::Zoned>()
            .expect("date")
            .timestamp()
            .as_second();
        assert_eq!(
            ids(Filter {
                before: Some(nov1),
                ..Filter::default()
            }),
            ["aaaaaaaaaaa2", "aaaaaaaaaaa1"]
        );
        assert_eq!(
            ids(Filter {
                after: Some(nov1),
                ..Filter::default()
            }),
            ["aaaaaaaaaaa4", "aaaaaaaaaaa3"]
        );
        let (two, _) = sessions(
            &dbs,
            &Filter {
                limit: 2,
                ..Filter::default()
            },
        );
        assert_eq!(two.len(), 2);
    }
}
