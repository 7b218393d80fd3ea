//! Opening a database and bringing its schema to The Bastion's version 2.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

/// Which of the two databases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An account's, table `connections`.
    Account,
    /// The global one, table `connections_summary`.
    Global,
}

impl Kind {
    /// The table.
    #[must_use]
    pub fn table(self) -> &'static str {
        match self {
            Self::Account => "connections",
            Self::Global => "connections_summary",
        }
    }
}

const ACCOUNT_V1: &str = "CREATE TABLE IF NOT EXISTS connections(
    id INTEGER PRIMARY KEY,
    timestamp INTEGER,
    timestampusec INTEGER,
    account TEXT,
    cmdtype TEXT,
    allowed INTEGER,
    hostfrom TEXT,
    ipfrom TEXT,
    portfrom INTEGER,
    bastionip TEXT,
    bastionport INTEGER,
    hostto TEXT,
    ipto TEXT,
    portto INTEGER,
    user TEXT,
    plugin TEXT,
    ttyrecfile TEXT,
    ttyrecsize INTEGER,
    params TEXT,
    timestampend INTEGER,
    timestampendusec INTEGER,
    returnvalue INTEGER,
    comment TEXT,
    uniqid TEXT)";

const GLOBAL_V1: &str = "CREATE TABLE IF NOT EXISTS connections_summary(
    id INTEGER PRIMARY KEY,
    timestamp INTEGER,
    account TEXT,
    cmdtype TEXT,
    allowed INTEGER,
    ipfrom TEXT,
    ipto TEXT,
    portto INTEGER,
    user TEXT,
    plugin TEXT,
    uniqid TEXT)";

/// Open (creating if `create`) a database of `kind` at `path`, with a busy
/// timeout of `busy`, WAL, and the schema at version 2. A reader opens with
/// `create` false and never changes the file.
pub fn open(
    path: &Path,
    kind: Kind,
    create: bool,
    busy: std::time::Duration,
) -> rusqlite::Result<Connection> {
    let flags = if create {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
    } else {
        OpenFlags::SQLITE_OPEN_READ_ONLY
    } | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let db = Connection::open_with_flags(path, flags)?;
    db.busy_timeout(busy)?;
    if !create {
        return Ok(db);
    }
    // NORMAL, not The Bastion's OFF: in WAL mode it still never corrupts the
    // file, and a session row survives a crash of the process that wrote it.
    db.pragma_update(None, "synchronous", "NORMAL")?;
    // Every session's processes open, write one row and close: checkpointing
    // (and syncing) at each close would be paid by every login. The log stays
    // and is checkpointed by whichever writer fills it, kept small (16 pages,
    // cut back to 1 MB): each new connection reads it whole.
    db.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
        true,
    )?;
    let mut keep: std::ffi::c_int = 1;
    db.file_control(
        Some(rusqlite::MAIN_DB),
        rusqlite::FileControl::PersistWal(&mut keep),
    )?;
    db.pragma_update(None, "wal_autocheckpoint", 16)?;
    db.pragma_update(None, "journal_size_limit", 1 << 20)?;
    let version: i64 = db.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version >= 2 {
        return Ok(db);
    }
    let mode: String = db.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(rusqlite::Error::InvalidParameterName(format!(
            "journal_mode stays {mode}, not wal"
        )));
    }
    let table = kind.table();
    let tx = db.unchecked_transaction()?;
    if version <= 0 {
        tx.execute_batch(match kind {
            Kind::Account => ACCOUNT_V1,
            Kind::Global => GLOBAL_V1,
        })?;
        for column in ["timestamp", "ipto", "uniqid"] {
            tx.execute_batch(&format!(
                "CREATE INDEX IF NOT EXISTS idx_{column} ON {table} ({column})"
            ))?;
        }
        tx.pragma_update(None, "user_version", 1)?;
    }
    // Version 2: the proxy columns, added as The Bastion's migration adds them.
    tx.execute_batch(&format!(
        "ALTER TABLE {table} ADD COLUMN proxyuser TEXT;
         ALTER TABLE {table} ADD COLUMN proxyip TEXT;
         ALTER TABLE {table} ADD COLUMN proxyhost TEXT;
         ALTER TABLE {table} ADD COLUMN proxyport INTEGER;"
    ))?;
    tx.pragma_update(None, "user_version", 2)?;
    tx.commit()?;
    Ok(db)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_the_bastions_version_2() {
        let dir = tempfile::tempdir().expect("tempdir");
        for kind in [Kind::Account, Kind::Global] {
            let p = dir.path().join(format!("{kind:?}.sqlite"));
            let db = open(&p, kind, true, crate::BUSY).expect("open");
            let v: i64 = db
                .pragma_query_value(None, "user_version", |r| r.get(0))
                .expect("version");
            assert_eq!(v, 2);
            let mode: String = db
                .pragma_query_value(None, "journal_mode", |r| r.get(0))
                .expect("mode");
            assert_eq!(mode, "wal");
            let mut cols = db
                .prepare(&format!("PRAGMA table_info({})", kind.table()))
                .expect("prepare");
            let names: Vec<String> = cols
                .query_map([], |r| r.get(1))
                .expect("query")
                .map(|c| c.expect("col"))
                .collect();
            assert_eq!(names.first().map(String::as_str), Some("id"));
            assert_eq!(
                &names[names.len() - 5..],
                ["uniqid", "proxyuser", "proxyip", "proxyhost", "proxyport"]
            );
            assert_eq!(names.len(), if kind == Kind::Account { 28 } else { 15 });
            let idx: i64 = db
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE type='index' AND name IN ('idx_timestamp','idx_ipto','idx_uniqid')",
                    [],
                    |r| r.get(0),
                )
                .expect("indexes");
            assert_eq!(idx, 3);
            drop(cols);
            drop(db);
            // Opening again changes nothing.
            open(&p, kind, true, crate::BUSY).expect("reopen");
        }
    }
}
