//! The Bastion's SQLite session logs, kept the way its tools read them.
//!
//! Two monthly databases: each account's `HOME/ACCOUNT-log-YYYYMM.sqlite`
//! (table `connections`: one row per session, inserted at `open`, completed
//! at `close`) and the global `/home/logkeeper/global-log-YYYYMM.sqlite`
//! (table `connections_summary`, insert only). Same columns, indexes and
//! `PRAGMA user_version` (2) as The Bastion's, so `sqlite3` and existing
//! scripts read them unchanged; WAL, as upstream.
//!
//! A database that can't be written never blocks a login for long: one
//! attempt, bounded by a busy timeout of [`BUSY`], and the outcome goes into
//! the `globalsql`/`accountsql` fields of the other sinks (see
//! [`osh_log::Sink::record`]).

mod query;
mod schema;
mod sink;

pub use query::{Filter, Session, sessions};
pub use schema::{Kind, open};
pub use sink::{AccountSql, GlobalSql, returnvalue};

use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a writer waits for a lock before giving up (the whole budget of
/// one insert or update).
pub const BUSY: Duration = Duration::from_millis(1500);

/// `DIR/PREFIX-log-YYYYMM.sqlite`.
#[must_use]
pub fn path(dir: &Path, prefix: &str, yyyymm: &str) -> PathBuf {
    dir.join(format!("{prefix}-log-{yyyymm}.sqlite"))
}

/// Every monthly database of `prefix` in `dir`, newest month first.
#[must_use]
pub fn monthly(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let start = format!("{prefix}-log-");
    let mut found: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let month = name.strip_prefix(&start)?.strip_suffix(".sqlite")?;
            (month.len() == 6 && month.bytes().all(|b| b.is_ascii_digit()))
                .then(|| (month.to_owned(), e.path()))
        })
        .collect();
    found.sort_by(|a, b| b.0.cmp(&a.0));
    found.into_iter().map(|(_, p)| p).collect()
}

/// Make a finished month's database one self-contained file, for archiving:
/// its write-ahead log merged in, the journal mode back to a rollback
/// journal (so neither `-wal` nor `-shm` is needed to read it, and SQLite
/// removes the log). Fails, changing nothing, while a writer still holds it.
pub fn finalize(path: &Path) -> rusqlite::Result<()> {
    let db = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    db.busy_timeout(BUSY)?;
    let busy: i64 = db.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    if busy != 0 {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            Some("the database is still in use".into()),
        ));
    }
    let mode: String = db.pragma_update_and_check(None, "journal_mode", "DELETE", |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("delete") {
        return Err(rusqlite::Error::InvalidParameterName(format!(
            "journal_mode stays {mode}"
        )));
    }
    drop(db);
    // The shared-memory index is only ever a cache of the log, gone now.
    let _ = std::fs::remove_file(format!("{}-shm", path.display()));
    Ok(())
}
