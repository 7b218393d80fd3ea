//! A verified session written out in one of [`osh_ttyrec::export`]'s
//! formats, with its verification in the output: shared by
//! `osh-session-logs`, `selfExportSession` and `accountExportSession`.

use std::io::{self, Write};

use serde_json::{Value, json};

use crate::verify::{Report, SessionFiles, Status};
use osh_ttyrec::export::{self, Exporter, Format};

/// What the output carries about the session and its verification: JSON's
/// `session` and `verification`, or the asciicast's title.
#[must_use]
pub fn metadata(s: &SessionFiles, r: &Report, format: Format) -> Value {
    if format == Format::Asciicast {
        let mut title = format!(
            "osh session {}: {} to {}",
            r.uniqid,
            r.account.as_deref().unwrap_or("?"),
            r.target.as_deref().unwrap_or("?")
        );
        match r.status {
            Status::Verified => {}
            Status::Partial => title.push_str(" [PARTIAL: not all of it is sealed]"),
            Status::Failed => title = format!("[UNVERIFIED: verification failed] {title}"),
        }
        return json!({ "title": title });
    }
    json!({
        "session": {
            "uniqid": r.uniqid,
            "account": r.account,
            "target": r.target,
            "bastion": r.bastion,
            "first": r.first,
            "last": r.last,
            "segments": s.segments.iter().map(|g| g.path.display().to_string()).collect::<Vec<_>>(),
        },
        "verification": {
            "status": r.status,
            "verified": r.status == Status::Verified,
            "checked_at": jiff::Timestamp::now().to_string(),
            "ledger": r.ledger,
            "frames": r.frames,
            "bytes": r.bytes,
            "unsealed": r.unsealed,
            "problems": r.problems,
            "keys": r.segments.iter().filter_map(|g| g.key.clone()).collect::<std::collections::BTreeSet<_>>(),
        },
    })
}

/// The terminal sizes of the whole session, from its segments' sidecars.
#[must_use]
pub fn resizes(s: &SessionFiles) -> Vec<export::Resize> {
    let mut v: Vec<export::Resize> = s
        .segments
        .iter()
        .filter_map(|g| std::fs::read_to_string(g.winsize_path()).ok())
        .flat_map(|t| export::parse_winsize(&t))
        .collect();
    v.dedup_by(|a, b| (a.cols, a.rows) == (b.cols, b.rows));
    v
}

/// Bytes of the session's files (for a progress bar).
#[must_use]
pub fn total_bytes(sessions: &[SessionFiles]) -> u64 {
    sessions
        .iter()
        .flat_map(|s| &s.segments)
        .filter_map(|g| std::fs::metadata(&g.path).ok())
        .map(|m| m.len())
        .sum()
}

/// Write session `s` (verified as `r`) to `out` in `format`; `progress` is
/// told of the recorded bytes as they go. The number of frames written.
///
/// # Errors
/// When a segment can't be read or `out` written.
pub fn write(
    s: &SessionFiles,
    r: &Report,
    format: Format,
    out: &mut dyn Write,
    progress: Option<&dyn Fn(u64)>,
) -> io::Result<u64> {
    let mut ex = Exporter::new(format, out, metadata(s, r, format), resizes(s))?;
    for g in &s.segments {
        let mut fr = export::open_frames(&g.path)?;
        loop {
            match fr.next_frame() {
                Ok(Some(f)) => {
                    ex.frame(&f)?;
                    if let Some(p) = progress {
                        p(12 + f.data.len() as u64);
                    }
                }
                Ok(None) => break,
                // A segment cut short (a killed recorder) ends where its last whole frame does.
                Err(osh_ttyrec::ReadError::Truncated { .. }) => break,
                Err(e) => return Err(io::Error::other(e.to_string())),
            }
        }
    }
    let n = ex.frames();
    ex.finish()?;
    Ok(n)
}
