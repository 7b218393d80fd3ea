//! The two databases as [`osh_log::Sink`]s: a row at `open`, completed (in
//! the account's database) at `close`.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use jiff::Zoned;
use osh_log::{Event, Sink, SinkStatus};
use rusqlite::{Connection, params};

use crate::schema::{Kind, open};

/// The raw wait status The Bastion stores in `returnvalue`: the exit code
/// shifted by 8, or the number of the signal that ended it, or -1 when
/// there is neither (the session could not start).
#[must_use]
pub fn returnvalue(close: &Event) -> i64 {
    let signal = close.get("signal").unwrap_or_default();
    if !signal.is_empty() {
        return signal_number(signal).unwrap_or(-1);
    }
    match close.get("sysret").and_then(|s| s.parse::<i64>().ok()) {
        Some(code) if (0..=255).contains(&code) => code << 8,
        _ => -1,
    }
}

fn signal_number(name: &str) -> Option<i64> {
    const NAMES: &[&str] = &[
        "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
        "PIPE", "ALRM", "TERM",
    ];
    let bare = name.strip_prefix("SIG").unwrap_or(name);
    NAMES
        .iter()
        .position(|n| *n == bare)
        .and_then(|i| i64::try_from(i + 1).ok())
}

fn num(e: &Event, key: &str) -> Option<i64> {
    e.get(key).and_then(|v| v.parse().ok())
}

fn text<'a>(e: &'a Event, key: &str) -> Option<&'a str> {
    e.get(key).filter(|v| !v.is_empty())
}

fn allowed(e: &Event) -> Option<i64> {
    match e.get("allowed") {
        Some("true") => Some(1),
        Some("false") => Some(0),
        _ => None,
    }
}

fn seconds(at: &Zoned) -> (i64, i64) {
    let t = at.timestamp();
    (t.as_second(), i64::from(t.subsec_microsecond()))
}

/// Open (creating) the month's database at `path` with `mode`.
fn writable(path: &Path, kind: Kind, mode: u32) -> rusqlite::Result<Connection> {
    let fresh = !path.exists();
    let db = open(path, kind, true, crate::BUSY)?;
    if fresh {
        // Its creator's umask may have taken bits it needs (group write on
        // the global one); only the owner can set them, once.
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
    }
    Ok(db)
}

fn failed(path: &Path, e: &rusqlite::Error) -> SinkStatus {
    SinkStatus::Failed(format!("{}: {e}", path.display()))
}

/// How an insert into the database at `path` went.
fn outcome(path: &Path, r: rusqlite::Result<usize>) -> SinkStatus {
    match r {
        Ok(_) => SinkStatus::Ok,
        Err(e) => failed(path, &e),
    }
}

/// An account's database: `HOME/ACCOUNT-log-YYYYMM.sqlite`, table
/// `connections`, written by the account's own processes.
#[derive(Debug)]
pub struct AccountSql {
    dir: PathBuf,
    prefix: String,
}

impl AccountSql {
    /// The database of `account`, in its `home`.
    #[must_use]
    pub fn new(home: &Path, account: &str) -> Self {
        Self {
            dir: home.to_path_buf(),
            prefix: account.to_owned(),
        }
    }

    fn path(&self, at: &Zoned) -> PathBuf {
        crate::path(&self.dir, &self.prefix, &at.strftime("%Y%m").to_string())
    }

    fn insert(&self, e: &Event, at: &Zoned) -> SinkStatus {
        let path = self.path(at);
        let (ts, usec) = seconds(at);
        let r = writable(&path, Kind::Account, 0o640).and_then(|db| {
            db.execute(
                "INSERT INTO connections (uniqid, timestamp, timestampusec, account, cmdtype, allowed,
                    hostfrom, ipfrom, portfrom, bastionip, bastionport, hostto, ipto, portto, user,
                    plugin, ttyrecfile, params, comment, proxyuser, proxyip, proxyhost, proxyport)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                    ?18, ?19, ?20, ?21, ?22, ?23)",
                params![
                    text(e, "uniqid"),
                    ts,
                    usec,
                    text(e, "account"),
                    text(e, "cmdtype"),
                    allowed(e),
                    text(e, "host_from"),
                    text(e, "ip_from"),
                    num(e, "port_from"),
                    text(e, "ip_bastion"),
                    num(e, "port_bastion"),
                    text(e, "host_to"),
                    text(e, "ip_to"),
                    num(e, "port_to"),
                    text(e, "user"),
                    text(e, "plugin"),
                    e.noted("ttyrecfile"),
                    text(e, "params"),
                    text(e, "comment"),
                    text(e, "proxyuser"),
                    text(e, "proxyip"),
                    text(e, "proxyhost"),
                    num(e, "proxyport"),
                ],
            )
        });
        outcome(&path, r)
    }

    /// Complete the session's row: in the database of the month it started
    /// (its `duration` ago), or the current one across a month's end.
    fn update(&self, e: &Event, at: &Zoned) -> SinkStatus {
        let (ts, usec) = seconds(at);
        let took = e
            .get("duration")
            .and_then(|d| d.parse::<f64>().ok())
            .unwrap_or(0.0);
        // Whole seconds are plenty to find the month; the cast saturates.
        #[allow(clippy::cast_possible_truncation)]
        let started = at
            .checked_sub(jiff::SignedDuration::from_secs(took.ceil() as i64))
            .unwrap_or_else(|_| at.clone());
        let mut paths = vec![self.path(&started)];
        if !paths.contains(&self.path(at)) {
            paths.push(self.path(at));
        }
        let comment = text(e, "comment_close");
        let mut last = SinkStatus::Failed("no row of this session to complete".into());
        for path in paths.iter().filter(|p| p.exists()) {
            let r = writable(path, Kind::Account, 0o640).and_then(|db| {
                db.execute(
                    "UPDATE connections SET timestampend = ?1, timestampendusec = ?2,
                        returnvalue = ?3, comment = coalesce(?4, comment)
                     WHERE uniqid = ?5 AND cmdtype = ?6 AND timestampend IS NULL",
                    params![
                        ts,
                        usec,
                        returnvalue(e),
                        comment,
                        text(e, "uniqid"),
                        text(e, "cmdtype")
                    ],
                )
            });
            match r {
                Ok(n) if n > 0 => return SinkStatus::Ok,
                Ok(_) => {}
                Err(err) => last = failed(path, &err),
            }
        }
        last
    }
}

impl Sink for AccountSql {
    fn name(&self) -> &'static str {
        "accountsql"
    }

    fn write(&mut self, _event: &Event, _line: &str, _at: &Zoned) -> SinkStatus {
        SinkStatus::Disabled
    }

    fn record(&mut self, event: &Event, at: &Zoned) -> Vec<(&'static str, SinkStatus)> {
        match event.kind() {
            "open" => vec![("accountsql", self.insert(event, at))],
            "close" => vec![("accountsql_close", self.update(event, at))],
            _ => Vec::new(),
        }
    }
}

/// The global database: `DIR/global-log-YYYYMM.sqlite`, table
/// `connections_summary`, one row per `open`, never updated.
#[derive(Debug)]
pub struct GlobalSql {
    dir: PathBuf,
    mode: u32,
}

impl GlobalSql {
    /// The global database in `dir`, files created with `mode`.
    #[must_use]
    pub fn new(dir: &Path, mode: u32) -> Self {
        Self {
            dir: dir.to_path_buf(),
            mode,
        }
    }

    /// Insert the summary row of an `open` event (what the global sink does,
    /// also callable by a process that writes it on others' behalf).
    #[must_use]
    pub fn insert(&self, e: &Event, at: &Zoned) -> SinkStatus {
        let path = crate::path(&self.dir, "global", &at.strftime("%Y%m").to_string());
        let (ts, _) = seconds(at);
        let r = writable(&path, Kind::Global, self.mode).and_then(|db| {
            db.execute(
                "INSERT INTO connections_summary (uniqid, timestamp, account, cmdtype, allowed,
                    ipfrom, ipto, portto, user, plugin, proxyuser, proxyip, proxyhost, proxyport)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                params![
                    text(e, "uniqid"),
                    ts,
                    text(e, "account"),
                    text(e, "cmdtype"),
                    allowed(e),
                    text(e, "ip_from"),
                    text(e, "ip_to"),
                    num(e, "port_to"),
                    text(e, "user"),
                    text(e, "plugin"),
                    text(e, "proxyuser"),
                    text(e, "proxyip"),
                    text(e, "proxyhost"),
                    num(e, "proxyport"),
                ],
            )
        });
        outcome(&path, r)
    }
}

impl Sink for GlobalSql {
    fn name(&self) -> &'static str {
        "globalsql"
    }

    fn write(&mut self, _event: &Event, _line: &str, _at: &Zoned) -> SinkStatus {
        SinkStatus::Disabled
    }

    fn record(&mut self, event: &Event, at: &Zoned) -> Vec<(&'static str, SinkStatus)> {
        if event.kind() == "open" {
            vec![("globalsql", self.insert(event, at))]
        } else {
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open_event(uniqid: &str, cmdtype: &str, allowed: &str) -> Event {
        Event::new("open")
            .field("uniqid", uniqid)
            .field("account", "bob")
            .field("cmdtype", cmdtype)
            .field("allowed", allowed)
            .field("ip_from", "192.0.2.1")
            .field("port_from", "50000")
            .field("host_from", "client")
            .field("ip_bastion", "192.0.2.2")
            .field("port_bastion", "22")
            .field("host_bastion", "bastion")
            .field("user", "root")
            .field("ip_to", "198.51.100.7")
            .field("port_to", "22")
            .field("host_to", "srv")
            .field("plugin", "")
            .field("globalsql", "no")
            .field("accountsql", "no")
            .field("comment", "")
            .field("params", "a \"quoted\"\nparam")
    }

    #[test]
    fn a_session_is_a_row_completed_at_close() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut acct = AccountSql::new(dir.path(), "bob");
        let mut global = GlobalSql::new(dir.path(), 0o660);
        let at: Zoned = "2026-11-30T23:59:58[UTC]".parse().expect("date");
        let mut open = open_event("0123456789ab", "ssh", "true");
        open.note("ttyrecfile", "/home/bob/ttyrec/x.ttyrec");
        assert_eq!(acct.record(&open, &at), [("accountsql", SinkStatus::Ok)]);
        assert_eq!(global.record(&open, &at), [("globalsql", SinkStatus::Ok)]);
        // Closed the next month: found in November's database.
        let later: Zoned = "2026-12-01T00:00:05[UTC]".parse().expect("date");
        let close = open
            .with_kind("close")
            .field("sysret", "43")
            .field("signal", "")
            .field("comment_close", "")
            .field("duration", "7.000");
        assert_eq!(
            acct.record(&close, &later),
            [("accountsql_close", SinkStatus::Ok)]
        );
        assert!(global.record(&close, &later).is_empty());
        let db = open_db(&dir.path().join("bob-log-202611.sqlite"));
        let row: (i64, Option<i64>, i64, String, String) = db
            .query_row(
                "SELECT allowed, timestampend, returnvalue, params, ttyrecfile FROM connections WHERE uniqid='0123456789ab'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .expect("row");
        assert_eq!(row.0, 1);
        assert_eq!(row.1, Some(later.timestamp().as_second()));
        assert_eq!(row.2, 43 << 8);
        assert_eq!(row.3, "a \"quoted\"\nparam");
        assert_eq!(row.4, "/home/bob/ttyrec/x.ttyrec");
        // Closing twice completes nothing more.
        assert!(matches!(
            acct.record(&close, &later).as_slice(),
            [("accountsql_close", SinkStatus::Failed(_))]
        ));
    }

    #[test]
    fn returnvalue_is_the_raw_wait_status() {
        let e = |sysret: &str, signal: &str| {
            Event::new("close")
                .field("sysret", sysret)
                .field("signal", signal)
        };
        assert_eq!(returnvalue(&e("0", "")), 0);
        assert_eq!(returnvalue(&e("1", "")), 256);
        assert_eq!(returnvalue(&e("", "SIGKILL")), 9);
        assert_eq!(returnvalue(&e("", "SIGTERM")), 15);
        assert_eq!(returnvalue(&e("-1", "")), -1);
    }

    fn open_db(p: &Path) -> Connection {
        Connection::open(p).expect("open")
    }
}
