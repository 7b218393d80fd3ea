//! The session ledger: one line of JSON per session open, seal and close,
//! in monthly files (`ledger-YYYYMM.jsonl`) written by the seal keeper only.
//! Each entry carries the SHA-256 of the line before it (across months) and
//! its own SSHSIG, so an edited, removed or inserted line breaks the chain,
//! and a recording deleted with its seals is still named by the ledger.

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::keys::{Keyring, Signer};
use crate::{Kind, LEDGER_NAMESPACE, Seal};

/// The `prev` of the very first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One ledger line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Its number, from 0, across months.
    pub n: u64,
    /// When (UTC, RFC 3339).
    pub time: String,
    /// `open`, `seal` or `close`.
    pub event: String,
    /// The session.
    pub uniqid: String,
    /// Its account.
    pub account: String,
    /// Its target.
    pub target: String,
    /// The seal's kind.
    pub kind: Kind,
    /// The seal's number in the session.
    pub seq: u64,
    /// The segment.
    pub segment: u32,
    /// The segment's path when sealed.
    pub path: String,
    /// Frames sealed.
    pub frames: u64,
    /// Bytes sealed.
    pub bytes: u64,
    /// The segment's hash at that point.
    pub sha256: String,
    /// SHA-256 of the seal document.
    pub seal_sha256: String,
    /// SHA-256 of the previous line (with its newline).
    pub prev: String,
    /// SSHSIG of this entry without `sig`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sig: Option<String>,
}

impl Entry {
    /// The entry for `seal` (its document's hash `seal_sha256`) at `path`.
    #[must_use]
    pub fn of_seal(seal: &Seal, seal_sha256: &str, path: &str) -> Self {
        let event = match seal.kind {
            Kind::Open => "open",
            Kind::Close => "close",
            Kind::Checkpoint | Kind::Rotate => "seal",
        };
        Self {
            n: 0,
            time: seal.time.clone(),
            event: event.into(),
            uniqid: seal.uniqid.clone(),
            account: seal.account.clone(),
            target: seal.target.clone(),
            kind: seal.kind,
            seq: seal.seq,
            segment: seal.segment,
            path: path.to_owned(),
            frames: seal.measure.frames,
            bytes: seal.measure.bytes,
            sha256: seal.measure.sha256.clone(),
            seal_sha256: seal_sha256.to_owned(),
            prev: GENESIS.into(),
            sig: None,
        }
    }

    /// What the signature covers: the entry as JSON without `sig`.
    #[must_use]
    pub fn signed_text(&self) -> String {
        let mut e = self.clone();
        e.sig = None;
        serde_json::to_string(&e).unwrap_or_default()
    }
}

/// The monthly file of `month` (`YYYYMM`).
#[must_use]
pub fn file_for(dir: &Path, month: &str) -> PathBuf {
    dir.join(format!("ledger-{month}.jsonl"))
}

/// The ledger files of `dir`, oldest first.
#[must_use]
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("ledger-") && n.ends_with(".jsonl"))
        })
        .collect();
    v.sort();
    v
}

/// The last complete line of `f`, if any.
fn last_line(f: &mut File) -> std::io::Result<Option<String>> {
    let len = f.metadata()?.len();
    let from = len.saturating_sub(64 * 1024);
    f.seek(SeekFrom::Start(from))?;
    let mut tail = String::new();
    f.read_to_string(&mut tail)?;
    let tail = tail.strip_suffix('\n').unwrap_or(&tail);
    Ok(tail
        .rsplit('\n')
        .next()
        .filter(|l| !l.is_empty())
        .map(|l| format!("{l}\n")))
}

/// Append the entry for `seal` to the ledger in `dir` (this month's file),
/// chained and signed; the entry as written.
///
/// # Errors
/// When the ledger can't be locked, read or written.
pub fn append(
    dir: &Path,
    signer: &Signer,
    mut entry: Entry,
    month: &str,
    sync: bool,
) -> Result<Entry, String> {
    let io = |what: &str, e: std::io::Error| format!("ledger: {what}: {e}");
    let lock = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(dir.join(".lock"))
        .map_err(|e| io("lock file", e))?;
    lock.lock().map_err(|e| io("lock", e))?;
    let path = file_for(dir, month);
    let mut f = OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .mode(0o640)
        .open(&path)
        .map_err(|e| io("open", e))?;
    let mut last = last_line(&mut f).map_err(|e| io("read", e))?;
    if last.is_none() {
        // A new month: chain to the last line of the month before.
        if let Some(prev) = files(dir).into_iter().rev().find(|p| *p < path) {
            let mut pf = File::open(&prev).map_err(|e| io("open previous month", e))?;
            last = last_line(&mut pf).map_err(|e| io("read previous month", e))?;
        }
    }
    match last {
        Some(line) => {
            let prev: Entry = serde_json::from_str(line.trim_end()).map_err(|e| {
                format!("ledger: its last line is not an entry ({e}); not appending")
            })?;
            entry.n = prev.n + 1;
            entry.prev = crate::sha256_hex(line.as_bytes());
        }
        None => {
            entry.n = 0;
            entry.prev = GENESIS.into();
        }
    }
    entry.sig = None;
    entry.sig = Some(signer.sign(LEDGER_NAMESPACE, entry.signed_text().as_bytes())?);
    let mut line = serde_json::to_string(&entry).map_err(|e| format!("ledger: {e}"))?;
    line.push('\n');
    f.write_all(line.as_bytes()).map_err(|e| io("write", e))?;
    if sync {
        f.sync_data().map_err(|e| io("sync", e))?;
    }
    Ok(entry)
}

/// Something wrong in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The file.
    pub file: String,
    /// Its line (from 1).
    pub line: usize,
    /// What is wrong.
    pub what: String,
}

/// The ledger as read and checked.
#[derive(Debug, Default)]
pub struct Checked {
    /// Every entry that parsed, in order.
    pub entries: Vec<Entry>,
    /// What is wrong.
    pub problems: Vec<Problem>,
    /// Files read.
    pub files: Vec<PathBuf>,
}

/// Read and check every ledger file of `dir`: each line parses, signs, and
/// chains to the one before; numbers follow each other.
#[must_use]
pub fn check(dir: &Path, keys: &Keyring) -> Checked {
    let mut out = Checked {
        files: files(dir),
        ..Checked::default()
    };
    let mut prev_hash: Option<String> = None;
    let mut prev_n: Option<u64> = None;
    let mut first = true;
    for path in out.files.clone() {
        let name = path.display().to_string();
        let text = match std::fs::read(&path) {
            Ok(t) => t,
            Err(e) => {
                out.problems.push(Problem {
                    file: name,
                    line: 0,
                    what: format!("unreadable: {e}"),
                });
                continue;
            }
        };
        let complete = text.ends_with(b"\n");
        let lines: Vec<&[u8]> = text.split_inclusive(|&b| b == b'\n').collect();
        for (i, raw) in lines.iter().enumerate() {
            let mut bad = |what: String| {
                out.problems.push(Problem {
                    file: name.clone(),
                    line: i + 1,
                    what,
                })
            };
            if !complete && i + 1 == lines.len() {
                bad("the last line is cut short (the ledger was truncated)".into());
                break;
            }
            let Ok(e) = std::str::from_utf8(raw)
                .map_err(|_| ())
                .and_then(|s| serde_json::from_str::<Entry>(s.trim_end()).map_err(|_| ()))
            else {
                bad("not a ledger entry (edited?)".into());
                prev_hash = Some(crate::sha256_hex(raw));
                prev_n = prev_n.map(|n| n + 1);
                continue;
            };
            if std::mem::take(&mut first) && (e.n != 0 || e.prev != GENESIS) {
                bad(format!(
                    "the ledger starts at entry {}: the files before it are missing",
                    e.n
                ));
            }
            let expected_prev = prev_hash.clone().unwrap_or_else(|| GENESIS.into());
            if prev_hash.is_some() && e.prev != expected_prev {
                bad(format!(
                    "entry {} does not follow the line before it (a line was removed, inserted or edited before it)",
                    e.n
                ));
            }
            if let Some(n) = prev_n
                && e.n != n + 1
            {
                bad(format!(
                    "entry number {} follows {n}: entries are missing or repeated",
                    e.n
                ));
            }
            let at = e.time.parse::<jiff::Timestamp>().ok();
            match &e.sig {
                None => bad(format!("entry {} is not signed", e.n)),
                Some(sig) => {
                    if let Err(why) =
                        keys.verify(LEDGER_NAMESPACE, e.signed_text().as_bytes(), sig, at)
                    {
                        bad(format!("entry {}: {why} (edited?)", e.n));
                    }
                }
            }
            prev_hash = Some(crate::sha256_hex(raw));
            prev_n = Some(e.n);
            out.entries.push(e);
        }
    }
    out
}
