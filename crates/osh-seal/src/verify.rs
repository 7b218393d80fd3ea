//! The offline verifier: finds a session's segments and seals, checks every
//! signature, every segment's hash, the chain between segments and between
//! seals, and, given the ledger, that nothing it names is missing. It says
//! what is wrong and where (segment, byte offset, frame).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::keys::Keyring;
use crate::ledger::Entry;
use crate::{Kind, SEAL_NAMESPACE, Seal, seal_paths};

/// A recording segment found on disk, with its seal if it has one.
#[derive(Debug, Clone)]
pub struct Segment {
    /// The file.
    pub path: PathBuf,
    /// Its seal, the text as written, and the signature's text.
    pub seal: Option<(Seal, String, Option<String>)>,
    /// Why the seal next to it could not be read, if one is there.
    pub seal_error: Option<String>,
}

impl Segment {
    /// Whether the segment is a zstd stream (by its name).
    #[must_use]
    pub fn is_zstd(&self) -> bool {
        self.path.to_string_lossy().ends_with(".zst")
    }

    /// The terminal-size sidecar.
    #[must_use]
    pub fn winsize_path(&self) -> PathBuf {
        PathBuf::from(format!("{}.winsize", self.path.display()))
    }
}

/// A session's files, as found.
#[derive(Debug, Clone)]
pub struct SessionFiles {
    /// The session's id.
    pub uniqid: String,
    /// Its segments, in order (by seal index, then by name).
    pub segments: Vec<Segment>,
}

impl SessionFiles {
    /// The seal of the session's first segment that has one.
    #[must_use]
    pub fn any_seal(&self) -> Option<&Seal> {
        self.segments
            .iter()
            .find_map(|s| s.seal.as_ref().map(|x| &x.0))
    }
}

fn is_segment_name(name: &str) -> bool {
    name.ends_with(".ttyrec") || name.ends_with(".ttyrec.zst")
}

/// A 12-hex-digit token of a file name: The Bastion's uniqid.
fn uniqid_in_name(name: &str) -> Option<String> {
    name.split('.')
        .find(|t| t.len() == 12 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_owned)
}

fn read_segment(path: &Path) -> Segment {
    let (seal_path, sig_path) = seal_paths(path);
    let mut seg = Segment {
        path: path.to_path_buf(),
        seal: None,
        seal_error: None,
    };
    match std::fs::read_to_string(&seal_path) {
        Ok(text) => match Seal::parse(&text) {
            Ok(seal) => {
                let sig = std::fs::read_to_string(&sig_path).ok();
                seg.seal = Some((seal, text, sig));
            }
            Err(e) => seg.seal_error = Some(e),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => seg.seal_error = Some(format!("unreadable seal: {e}")),
    }
    seg
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    if depth > 8 {
        return;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let Ok(ft) = e.file_type() else { continue };
        let p = e.path();
        if ft.is_dir() {
            walk(&p, out, depth + 1);
        } else if ft.is_file() && is_segment_name(&e.file_name().to_string_lossy()) {
            out.push(p);
        }
    }
}

/// Group segment files into sessions: by their seals' uniqid, else by the
/// uniqid in their names.
#[must_use]
pub fn group(paths: Vec<PathBuf>) -> Vec<SessionFiles> {
    let mut by: BTreeMap<String, Vec<Segment>> = BTreeMap::new();
    for p in paths {
        let seg = read_segment(&p);
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // The name first: it is what the logs and the players go by, so a
        // seal moved onto another session's file is reported in that session.
        let id = uniqid_in_name(&name)
            .or_else(|| seg.seal.as_ref().map(|s| s.0.uniqid.clone()))
            .unwrap_or(name);
        by.entry(id).or_default().push(seg);
    }
    by.into_iter()
        .map(|(uniqid, mut segments)| {
            segments.sort_by(|a, b| {
                let ka = a.seal.as_ref().map_or(u32::MAX, |s| s.0.segment);
                let kb = b.seal.as_ref().map_or(u32::MAX, |s| s.0.segment);
                ka.cmp(&kb).then_with(|| a.path.cmp(&b.path))
            });
            SessionFiles { uniqid, segments }
        })
        .collect()
}

/// What `FILE|DIR|UNIQID` names: a segment (and the rest of its session in
/// its directory), every session under a directory, or a session by id
/// searched under `roots`.
///
/// # Errors
/// When nothing is found.
pub fn find(arg: &str, roots: &[PathBuf]) -> Result<Vec<SessionFiles>, String> {
    // Absolute paths in what is reported, however the file was named.
    let abs = Path::new(arg).canonicalize().ok();
    let p = abs.as_deref().unwrap_or(Path::new(arg));
    if p.is_dir() {
        let mut v = Vec::new();
        walk(p, &mut v, 0);
        if v.is_empty() {
            return Err(format!("{arg}: no recording in this directory"));
        }
        return Ok(group(v));
    }
    if p.is_file() {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let base = [".seal.sig", ".seal", ".winsize"]
            .iter()
            .find_map(|s| name.strip_suffix(s))
            .unwrap_or(&name)
            .to_owned();
        let seg_path = p.with_file_name(&base);
        let seg = read_segment(&seg_path);
        let id = seg
            .seal
            .as_ref()
            .map(|s| s.0.uniqid.clone())
            .or_else(|| uniqid_in_name(&base));
        let dir = p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mut v = Vec::new();
        walk(dir, &mut v, 8);
        let sessions = group(v);
        return match id {
            Some(id) => sessions
                .into_iter()
                .filter(|s| s.uniqid == id)
                .collect::<Vec<_>>()
                .pipe_nonempty(|| format!("{arg}: not a recording")),
            None => Ok(vec![SessionFiles {
                uniqid: base,
                segments: vec![seg],
            }]),
        };
    }
    if uniqid_in_name(arg).as_deref() == Some(arg) {
        let mut v = Vec::new();
        for r in roots {
            let mut all = Vec::new();
            walk(r, &mut all, 0);
            v.extend(all.into_iter().filter(|f| {
                f.file_name()
                    .is_some_and(|n| n.to_string_lossy().contains(&format!(".{arg}.")))
            }));
        }
        let found: Vec<SessionFiles> = group(v).into_iter().filter(|s| s.uniqid == arg).collect();
        return found.pipe_nonempty(|| {
            format!(
                "no recording of session {arg} under {}",
                roots
                    .iter()
                    .map(|r| r.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        });
    }
    Err(format!("{arg}: no such file, directory or session id"))
}

trait NonEmpty: Sized {
    fn pipe_nonempty(self, err: impl FnOnce() -> String) -> Result<Self, String>;
}

impl<T> NonEmpty for Vec<T> {
    fn pipe_nonempty(self, err: impl FnOnce() -> String) -> Result<Self, String> {
        if self.is_empty() {
            Err(err())
        } else {
            Ok(self)
        }
    }
}

/// The verdict on a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Every byte sealed, every seal valid, the session closed.
    Verified,
    /// Valid as far as it is sealed; the session has an unsealed tail or no
    /// close seal (killed, or still running).
    Partial,
    /// Something does not match.
    Failed,
}

/// One thing wrong, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The segment's index, if it is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment: Option<u32>,
    /// The file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// A byte offset in the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Up to this offset (exclusive), for a range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<u64>,
    /// A frame number (from 0) in the segment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame: Option<u64>,
    /// What.
    pub what: String,
}

impl Problem {
    fn about(seg: Option<u32>, file: Option<&Path>, what: impl Into<String>) -> Self {
        Self {
            segment: seg,
            file: file.map(|f| f.display().to_string()),
            offset: None,
            until: None,
            frame: None,
            what: what.into(),
        }
    }

    /// One line for people.
    #[must_use]
    pub fn describe(&self) -> String {
        let mut w = String::new();
        if let Some(s) = self.segment {
            w.push_str(&format!("segment {s}"));
        }
        if let Some(f) = &self.file {
            let name = Path::new(f)
                .file_name()
                .map_or(f.clone(), |n| n.to_string_lossy().into_owned());
            w.push_str(&format!("{}({name})", if w.is_empty() { "" } else { " " }));
        }
        match (self.offset, self.until) {
            (Some(a), Some(b)) => w.push_str(&format!(", bytes {a}..{b}")),
            (Some(a), None) => w.push_str(&format!(", byte {a}")),
            _ => {}
        }
        if let Some(f) = self.frame {
            w.push_str(&format!(", frame {f}"));
        }
        if w.is_empty() || (self.file.is_none() && self.what.starts_with("segment ")) {
            self.what.clone()
        } else {
            format!("{w}: {}", self.what)
        }
    }
}

/// A segment as verified.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentReport {
    /// Index.
    pub index: Option<u32>,
    /// The file.
    pub file: String,
    /// Its seal's kind.
    pub kind: Option<Kind>,
    /// Bytes in the file.
    pub file_bytes: u64,
    /// Bytes the seal covers.
    pub sealed_bytes: u64,
    /// Frames the seal covers.
    pub frames: u64,
    /// zstd stream.
    pub zstd: bool,
    /// The sealing key.
    pub key: Option<String>,
}

/// The unsealed end of a session not closed.
#[derive(Debug, Clone, Serialize)]
pub struct Unsealed {
    /// The segment.
    pub segment: u32,
    /// The file.
    pub file: String,
    /// First byte not sealed.
    pub from_byte: u64,
    /// How many bytes follow it.
    pub bytes: u64,
    /// The first unsealed frame's number.
    pub from_frame: u64,
    /// When the last seal was made.
    pub sealed_until: String,
}

/// The verdict on a session, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The session.
    pub uniqid: String,
    /// The verdict.
    pub status: Status,
    /// Its account, from its seals.
    pub account: Option<String>,
    /// Its target.
    pub target: Option<String>,
    /// Its bastion.
    pub bastion: Option<String>,
    /// First frame's time (`sec.usec`).
    pub first: Option<String>,
    /// Last sealed frame's time.
    pub last: Option<String>,
    /// Frames sealed over all segments.
    pub frames: u64,
    /// Bytes sealed over all segments.
    pub bytes: u64,
    /// Segments.
    pub segments: Vec<SegmentReport>,
    /// Whether a ledger was checked for this session.
    pub ledger: &'static str,
    /// What is unsealed, for a session not closed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unsealed: Option<Unsealed>,
    /// Everything wrong.
    pub problems: Vec<Problem>,
}

fn human_time(t: Option<&String>) -> String {
    t.and_then(|t| t.split_once('.'))
        .and_then(|(s, _)| s.parse::<i64>().ok())
        .and_then(|s| jiff::Timestamp::from_second(s).ok())
        .map_or_else(
            || "?".into(),
            |ts| {
                ts.to_zoned(jiff::tz::TimeZone::system())
                    .strftime("%Y-%m-%d %H:%M:%S %Z")
                    .to_string()
            },
        )
}

impl Report {
    /// The verdict for people: one line, then one per problem.
    #[must_use]
    pub fn describe(&self) -> String {
        let r = self;
        let who = match (&r.account, &r.target) {
            (Some(a), Some(t)) => format!(" ({a} to {t})"),
            _ => String::new(),
        };
        let verdict = match r.status {
            Status::Verified => "VERIFIED",
            Status::Partial => "PARTIAL",
            Status::Failed => "FAILED",
        };
        let mut s = format!(
            "session {}{who}: {verdict}: {} segment(s), {} bytes, {} frames, {} to {}",
            r.uniqid,
            r.segments.len(),
            r.bytes,
            r.frames,
            human_time(r.first.as_ref()),
            human_time(r.last.as_ref()),
        );
        if let Some(k) = r.segments.iter().find_map(|g| g.key.as_ref()) {
            s.push_str(&format!(", sealed by {k}"));
        }
        s.push_str(&format!(", ledger {}\n", r.ledger));
        if let Some(u) = &r.unsealed {
            s.push_str(&format!(
                "  - not closed: sealed up to byte {} of segment {} (frame {}, sealed {}); the {} bytes after it are not sealed\n",
                u.from_byte, u.segment, u.from_frame, u.sealed_until, u.bytes
            ));
        } else if r.status == Status::Partial {
            s.push_str("  - not closed: no close seal (the recorder was killed, the session is live, or its last segments were removed); what is here is sealed\n");
        }
        for p in &r.problems {
            s.push_str(&format!("  - {}\n", p.describe()));
        }
        s
    }
}

/// What a verification may lean on besides the files.
#[derive(Default)]
pub struct Context {
    /// The keys.
    pub keys: Keyring,
    /// The ledger's entries, if it was given (and checked apart).
    pub ledger: Option<Vec<Entry>>,
    /// Told of every chunk of bytes hashed (a progress bar).
    pub progress: Option<Box<dyn Fn(u64)>>,
    /// The ledger's entries by session (indexes into `ledger`): built once,
    /// so that a directory of many sessions does not scan the ledger for each.
    by_session: std::collections::HashMap<String, Vec<usize>>,
}

impl Context {
    /// Verify with `keys`, and the ledger's `entries` if there is one.
    #[must_use]
    pub fn new(keys: Keyring, ledger: Option<Vec<Entry>>) -> Self {
        let mut by_session: std::collections::HashMap<String, Vec<usize>> =
            std::collections::HashMap::new();
        for (i, e) in ledger.iter().flatten().enumerate() {
            by_session.entry(e.uniqid.clone()).or_default().push(i);
        }
        Self {
            keys,
            ledger,
            progress: None,
            by_session,
        }
    }

    /// The ledger's entries for session `uniqid`, in ledger order.
    fn entries_of(&self, uniqid: &str) -> Vec<&Entry> {
        match (&self.ledger, self.by_session.get(uniqid)) {
            (Some(l), Some(ix)) => ix.iter().filter_map(|&i| l.get(i)).collect(),
            _ => Vec::new(),
        }
    }
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("keys", &self.keys.keys.len())
            .field("ledger", &self.ledger.as_ref().map(Vec::len))
            .finish_non_exhaustive()
    }
}

/// Walks the frames of a plain segment as its bytes go by.
#[derive(Debug, Default)]
struct Walker {
    next: u64,
    header: Vec<u8>,
    frames: u64,
    first: Option<(u64, u32)>,
    last: Option<(u64, u32)>,
    error: Option<(u64, u64, String)>,
    /// Offsets whose frame number is wanted, sorted; answers pushed to `found`.
    want: Vec<u64>,
    found: Vec<(u64, u64)>,
}

impl Walker {
    fn feed(&mut self, chunk: &[u8], base: u64) {
        let end = base + chunk.len() as u64;
        while self.error.is_none() && self.next < end {
            let at = usize::try_from(self.next.saturating_sub(base)).unwrap_or(usize::MAX);
            let need = 12 - self.header.len();
            let take = need.min(chunk.len() - at.min(chunk.len()));
            self.header.extend_from_slice(&chunk[at..at + take]);
            if self.header.len() < 12 {
                self.next += take as u64;
                return;
            }
            let mut h = [0u8; 12];
            h.copy_from_slice(&self.header);
            self.header.clear();
            let start = self.next + take as u64 - 12;
            let (sec, usec, len) = osh_ttyrec::parse_header(&h);
            if len > osh_ttyrec::MAX_FRAME || usec >= 1_000_000 {
                self.error = Some((start, self.frames, "not a frame header (corrupt)".into()));
                return;
            }
            let frame_end = start + 12 + u64::from(len);
            while let Some(&w) = self.want.first() {
                if w >= frame_end {
                    break;
                }
                self.found.push((w, self.frames));
                self.want.remove(0);
            }
            self.first.get_or_insert((sec, usec));
            self.last = Some((sec, usec));
            self.frames += 1;
            self.next = frame_end;
        }
    }

    /// The walk ended at `end`: a frame cut short there is an error.
    fn finish(&mut self, end: u64) {
        if self.error.is_none() && (self.next > end || !self.header.is_empty()) {
            let start = self.next - self.header.len() as u64;
            self.error = Some((start, self.frames, "the last frame is cut short".into()));
        }
    }
}

/// A frame's time, if there is a frame.
type Stamp = Option<(u64, u32)>;

fn time_str(t: Stamp) -> Option<String> {
    t.map(|(s, u)| format!("{s}.{u:06}"))
}

/// What one pass over a segment found.
struct Pass {
    len: u64,
    sealed_hash: Option<String>,
    /// The first ledger checkpoint that does not match, and the last that does.
    bad_between: Option<(u64, u64)>,
    walker: Walker,
}

/// Hash `path`'s first `sealed` bytes, checking `checkpoints` (offset, hash)
/// on the way, and walk the frames of those bytes (plain files).
fn pass(
    path: &Path,
    sealed: u64,
    checkpoints: &[(u64, String)],
    plain: bool,
    want: Vec<u64>,
    progress: Option<&dyn Fn(u64)>,
) -> std::io::Result<Pass> {
    let mut f = File::open(path)?;
    let len = f.metadata()?.len();
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut pos = 0u64;
    let mut cps = checkpoints
        .iter()
        .filter(|c| c.0 <= sealed.min(len))
        .peekable();
    let mut good = 0u64;
    let mut bad_between = None;
    let mut walker = Walker {
        want,
        ..Walker::default()
    };
    let limit = sealed.min(len);
    while pos < limit {
        let want_n = usize::try_from((limit - pos).min(buf.len() as u64)).unwrap_or(buf.len());
        let n = f.read(&mut buf[..want_n])?;
        if n == 0 {
            break;
        }
        let mut chunk = &buf[..n];
        let mut at = pos;
        while let Some((off, hash)) = cps.peek() {
            if *off > at + chunk.len() as u64 {
                break;
            }
            let k = usize::try_from(off - at).unwrap_or(0);
            h.update(&chunk[..k]);
            if plain {
                walker.feed(&chunk[..k], at);
            }
            if bad_between.is_none() {
                if crate::hex(&h.clone().finalize()) == *hash {
                    good = *off;
                } else {
                    bad_between = Some((good, *off));
                }
            }
            chunk = &chunk[k..];
            at = *off;
            cps.next();
        }
        h.update(chunk);
        if plain {
            walker.feed(chunk, at);
        }
        pos += n as u64;
        if let Some(p) = progress {
            p(n as u64);
        }
    }
    if plain {
        walker.finish(limit);
    }
    Ok(Pass {
        len,
        sealed_hash: (pos == sealed).then(|| crate::hex(&h.finalize())),
        bad_between: bad_between.or(Some((good, sealed))),
        walker,
    })
}

/// Frames of the first `sealed` bytes of a zstd segment, and the times.
fn zstd_frames(path: &Path, sealed: u64) -> (u64, Stamp, Stamp, Option<String>) {
    let Ok(f) = File::open(path) else {
        return (0, None, None, Some("unreadable".into()));
    };
    let Ok(dec) = zstd::stream::read::Decoder::new(BufReader::new(f).take(sealed)) else {
        return (0, None, None, Some("not a zstd stream".into()));
    };
    let mut r = osh_ttyrec::FrameReader::new(dec);
    let (mut n, mut first, mut last) = (0u64, None, None);
    loop {
        match r.next_frame() {
            Ok(Some(fr)) => {
                first.get_or_insert((fr.sec, fr.usec));
                last = Some((fr.sec, fr.usec));
                n += 1;
            }
            Ok(None) => return (n, first, last, None),
            Err(e) => return (n, first, last, Some(e.to_string())),
        }
    }
}

fn sha256_prefix(path: &Path, n: u64) -> Option<String> {
    let f = File::open(path).ok()?;
    let mut h = Sha256::new();
    let got = std::io::copy(&mut f.take(n), &mut h).ok()?;
    (got == n).then(|| crate::hex(&h.finalize()))
}

/// Whether the segment's seal, if any, carries a valid signature.
fn signature_holds(seg: &Segment, keys: &Keyring) -> bool {
    match &seg.seal {
        Some((seal, text, Some(sig))) => keys
            .verify(SEAL_NAMESPACE, text.as_bytes(), sig, seal.time.parse().ok())
            .is_ok(),
        Some(_) => false,
        None => true,
    }
}

/// Whether a file of the session changed in the last two seconds: a live
/// recorder is writing it.
#[must_use]
pub fn is_live(s: &SessionFiles) -> bool {
    let recent = |p: &Path| {
        std::fs::metadata(p)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().is_ok_and(|e| e.as_secs() < 2))
    };
    s.segments.iter().any(|g| {
        let (seal, sig) = seal_paths(&g.path);
        recent(&g.path) || recent(&seal) || recent(&sig)
    })
}

/// The session `s` read again from its directory, if it is still there.
fn refind(s: &SessionFiles) -> Option<SessionFiles> {
    let first = s.segments.first()?.path.to_string_lossy().into_owned();
    find(&first, &[])
        .ok()?
        .into_iter()
        .find(|x| x.uniqid == s.uniqid)
}

/// A failed verdict on a live session, taken again until it holds.
///
/// A live recorder's files are read in passing: a new segment exists a
/// moment before its seal, a seal's ledger entry is written before the
/// seal, a signature is renamed in before its seal. Read between two such
/// steps, a sound session looks broken. So a failure on a session written
/// in the last moments is checked again (its files read anew, and `check`,
/// which reads the ledger anew, run on them) for up to three seconds; what
/// still fails then is reported. The files read last come back when they
/// were read again.
pub fn settle(
    s: &SessionFiles,
    mut report: Report,
    check: impl Fn(&SessionFiles) -> Option<Report>,
) -> (Option<SessionFiles>, Report) {
    let mut fresh: Option<SessionFiles> = None;
    for _ in 0..30 {
        if report.status != Status::Failed || !is_live(fresh.as_ref().unwrap_or(s)) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        let Some(again) = refind(s) else { break };
        let Some(r) = check(&again) else { break };
        (fresh, report) = (Some(again), r);
    }
    (fresh, report)
}

/// Verify one session.
#[must_use]
#[allow(clippy::too_many_lines)]
pub fn session(s: &SessionFiles, ctx: &Context) -> Report {
    let mut problems: Vec<Problem> = Vec::new();
    let mut segments = Vec::new();
    let mut unsealed = None;
    let mut partial = false;
    let mine: Vec<&Entry> = ctx.entries_of(&s.uniqid);
    let seal0 = s.any_seal();
    let mut report = Report {
        uniqid: s.uniqid.clone(),
        status: Status::Verified,
        account: seal0.map(|x| x.account.clone()),
        target: seal0.map(|x| x.target.clone()),
        bastion: seal0.map(|x| x.bastion.clone()),
        first: None,
        last: None,
        frames: 0,
        bytes: 0,
        segments: Vec::new(),
        ledger: if ctx.ledger.is_some() {
            "checked"
        } else {
            "not given"
        },
        unsealed: None,
        problems: Vec::new(),
    };
    if s.segments.iter().all(|g| g.seal.is_none()) {
        problems.push(Problem::about(
            None,
            s.segments.first().map(|g| g.path.as_path()),
            "no seal at all: recorded before sealing was enabled, with sealing off, or its seals were removed",
        ));
    }
    let mut prev_final: Option<(u32, String, Kind)> = None;
    let mut expected_index = 0u32;
    let last_index = s.segments.len().saturating_sub(1);
    let closed = s
        .segments
        .iter()
        .any(|g| g.seal.as_ref().is_some_and(|x| x.0.kind == Kind::Close));
    for (i, seg) in s.segments.iter().enumerate() {
        // A live recorder replaces a checkpoint's seal and signature one
        // after the other: a pair read in between is read again.
        let reread;
        let seg = if !closed && !signature_holds(seg, &ctx.keys) {
            std::thread::sleep(std::time::Duration::from_millis(20));
            reread = read_segment(&seg.path);
            &reread
        } else {
            seg
        };
        let path = seg.path.as_path();
        let Some((seal, text, sig)) = &seg.seal else {
            // A live (or killed) session's newest segment, between its
            // creation and its first seal: unsealed, not forged.
            if !closed && i == last_index && i > 0 && seg.seal_error.is_none() {
                let bytes = std::fs::metadata(path).map_or(0, |m| m.len());
                unsealed = Some(Unsealed {
                    segment: u32::try_from(i).unwrap_or(u32::MAX),
                    file: path.display().to_string(),
                    from_byte: 0,
                    bytes,
                    from_frame: 0,
                    sealed_until: String::new(),
                });
                partial = true;
                continue;
            }
            problems.push(Problem::about(
                None,
                Some(path),
                seg.seal_error
                    .clone()
                    .unwrap_or_else(|| "this segment has no seal".into()),
            ));
            continue;
        };
        let idx = Some(seal.segment);
        let bad = |what: String| Problem::about(idx, Some(path), what);
        // The signature, with the key valid at the seal's time.
        let at = seal.time.parse::<jiff::Timestamp>().ok();
        let key = match sig {
            None => {
                problems.push(bad("the seal's signature (.seal.sig) is missing".into()));
                None
            }
            Some(sig) => match ctx.keys.verify(SEAL_NAMESPACE, text.as_bytes(), sig, at) {
                Ok(fp) => Some(fp),
                Err(why) => {
                    problems.push(bad(format!("seal signature: {why}")));
                    None
                }
            },
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if seal.file != name {
            problems.push(bad(format!(
                "the seal is for the file {:?}: this file was renamed, or its recording or seal swapped",
                seal.file
            )));
        }
        if seal.uniqid != s.uniqid {
            problems.push(bad(format!("the seal belongs to session {}", seal.uniqid)));
        }
        if Some(&seal.account) != report.account.as_ref() {
            problems.push(bad(format!("the seal names account {}", seal.account)));
        }
        // Order and chain.
        match seal.segment.cmp(&expected_index) {
            std::cmp::Ordering::Greater => {
                for m in expected_index..seal.segment {
                    let known = mine
                        .iter()
                        .find(|e| e.segment == m)
                        .map(|e| format!(" (the ledger sealed it as {})", e.path))
                        .unwrap_or_default();
                    problems.push(Problem::about(
                        Some(m),
                        None,
                        format!("segment {m} is missing{known}"),
                    ));
                }
            }
            std::cmp::Ordering::Less => {
                problems.push(bad(format!("a second segment with index {}", seal.segment)))
            }
            std::cmp::Ordering::Equal => {}
        }
        expected_index = seal.segment + 1;
        match (&prev_final, &seal.measure.prev_segment_sha256) {
            (None, None) if seal.segment == 0 => {}
            (Some((pi, ph, pk)), Some(h)) if *pi + 1 == seal.segment => {
                if ph != h {
                    problems.push(bad(format!(
                        "does not follow segment {pi}: its seal chains to another segment (reordered or replaced)"
                    )));
                }
                if !pk.is_final() {
                    problems.push(bad(format!(
                        "segment {pi} was not closed by a rotation seal before this one"
                    )));
                }
            }
            (_, None) if seal.segment > 0 => problems.push(bad(
                "the seal does not chain to the segment before it".into(),
            )),
            _ => {}
        }
        // The bytes.
        let led_cps: Vec<(u64, String)> = {
            let mut v: Vec<(u64, String)> = mine
                .iter()
                .filter(|e| e.segment == seal.segment && e.path.ends_with(&seal.file))
                .map(|e| (e.bytes, e.sha256.clone()))
                .collect();
            v.sort();
            v.dedup();
            v
        };
        let plain = !seg.is_zstd();
        match pass(
            path,
            seal.measure.bytes,
            &led_cps,
            plain,
            Vec::new(),
            ctx.progress.as_deref(),
        ) {
            Err(e) => problems.push(bad(format!("unreadable: {e}"))),
            Ok(p) => {
                let mut frames = p.walker.frames;
                let (mut first, mut last) = (p.walker.first, p.walker.last);
                if p.len < seal.measure.bytes {
                    let mut pr = bad(format!(
                        "truncated: the file has {} bytes, its seal covers {}",
                        p.len, seal.measure.bytes
                    ));
                    pr.offset = Some(p.len);
                    pr.frame = plain.then_some(p.walker.frames);
                    problems.push(pr);
                } else if p.sealed_hash.as_deref() != Some(seal.measure.sha256.as_str()) {
                    let (a, b) = p.bad_between.unwrap_or((0, seal.measure.bytes));
                    let mut pr = bad("the content differs from its seal (altered)".into());
                    pr.offset = Some(a);
                    pr.until = Some(b);
                    if plain
                        && let Ok(p2) = pass(
                            path,
                            seal.measure.bytes,
                            &[],
                            true,
                            vec![a, b.saturating_sub(1)],
                            None,
                        )
                    {
                        let fr: Vec<u64> = p2.walker.found.iter().map(|x| x.1).collect();
                        pr.frame = fr.first().copied();
                        if let (Some(x), Some(y)) = (fr.first(), fr.get(1))
                            && x != y
                        {
                            pr.what = format!(
                                "the content differs from its seal (altered), in frames {x} to {y}"
                            );
                        }
                    }
                    problems.push(pr);
                } else if plain {
                    if let Some((off, fr, why)) = &p.walker.error {
                        let mut pr = bad(why.clone());
                        pr.offset = Some(*off);
                        pr.frame = Some(*fr);
                        problems.push(pr);
                    }
                } else {
                    let (n, f1, l1, err) = zstd_frames(path, seal.measure.bytes);
                    frames = n;
                    first = f1;
                    last = l1;
                    if let Some(e) = err.filter(|_| n < seal.measure.frames) {
                        problems.push(bad(format!("the sealed zstd stream does not decode: {e}")));
                    }
                }
                if problems.iter().all(|x| x.segment != idx)
                    && (frames != seal.measure.frames
                        || time_str(first) != seal.measure.first
                        || time_str(last) != seal.measure.last)
                {
                    problems.push(bad(format!(
                        "holds {frames} frames where its seal says {} (a frame header was altered)",
                        seal.measure.frames
                    )));
                }
                // Past the seal.
                if p.len > seal.measure.bytes {
                    let extra = p.len - seal.measure.bytes;
                    if seal.kind.is_final() {
                        let mut pr = bad(format!(
                            "{extra} bytes were added after the segment's final seal"
                        ));
                        pr.offset = Some(seal.measure.bytes);
                        problems.push(pr);
                    } else if i == last_index {
                        // The ledger may hold a later checkpoint than the file (a kill between the two writes).
                        let later = mine
                            .iter()
                            .filter(|e| {
                                e.segment == seal.segment
                                    && e.bytes > seal.measure.bytes
                                    && e.bytes <= p.len
                            })
                            .max_by_key(|e| e.bytes);
                        let covered = later.filter(|e| {
                            sha256_prefix(path, e.bytes).as_deref() == Some(e.sha256.as_str())
                        });
                        let from = covered.map_or(seal.measure.bytes, |e| e.bytes);
                        if from < p.len {
                            unsealed = Some(Unsealed {
                                segment: seal.segment,
                                file: path.display().to_string(),
                                from_byte: from,
                                bytes: p.len - from,
                                from_frame: covered.map_or(seal.measure.frames, |e| e.frames),
                                sealed_until: covered.map_or(seal.time.clone(), |e| e.time.clone()),
                            });
                        }
                        partial = true;
                    } else {
                        problems.push(bad(format!(
                            "{extra} bytes past its last seal, in a segment that is not the last"
                        )));
                    }
                }
                if report.first.is_none() {
                    report.first.clone_from(&seal.measure.first);
                }
                if seal.measure.last.is_some() {
                    report.last.clone_from(&seal.measure.last);
                }
                report.frames += seal.measure.frames;
                report.bytes += seal.measure.bytes;
                segments.push(SegmentReport {
                    index: idx,
                    file: path.display().to_string(),
                    kind: Some(seal.kind),
                    file_bytes: p.len,
                    sealed_bytes: seal.measure.bytes,
                    frames: seal.measure.frames,
                    zstd: !plain,
                    key,
                });
            }
        }
        // The sidecar.
        let ws = seg.winsize_path();
        if seal.measure.winsize_bytes > 0 || ws.exists() {
            match sha256_prefix(&ws, seal.measure.winsize_bytes) {
                Some(h) if h == seal.measure.winsize_sha256 => {}
                Some(_) => problems.push(Problem::about(
                    idx,
                    Some(&ws),
                    "the terminal sizes differ from their seal (altered)",
                )),
                None => problems.push(Problem::about(
                    idx,
                    Some(&ws),
                    "the terminal-size file is missing or truncated",
                )),
            }
        }
        // The ledger's view of this seal.
        if ctx.ledger.is_some() {
            let seal_hash = crate::sha256_hex(text.as_bytes());
            match mine.iter().find(|e| e.seq == seal.seq) {
                None => problems.push(bad(format!(
                    "seal {} is not in the ledger (the ledger was cut, or the seal was made elsewhere)",
                    seal.seq
                ))),
                Some(e) if e.seal_sha256 != seal_hash => problems.push(bad(format!(
                    "seal {} differs from the one the ledger recorded (replaced)",
                    seal.seq
                ))),
                Some(_) => {}
            }
            if let Some(prev) = &seal.measure.prev_seal_sha256
                && seal.seq > 0
                && !mine
                    .iter()
                    .any(|e| e.seq + 1 == seal.seq && e.seal_sha256 == *prev)
            {
                problems.push(bad(format!(
                    "seal {} does not chain to the ledger's seal {}",
                    seal.seq,
                    seal.seq - 1
                )));
            }
        }
        prev_final = Some((seal.segment, seal.measure.sha256.clone(), seal.kind));
    }
    // The session's end.
    match &prev_final {
        Some((_, _, Kind::Close)) => {}
        Some((i, _, Kind::Rotate)) => match mine.iter().find(|e| e.segment == i + 1) {
            Some(e) => problems.push(Problem::about(
                Some(i + 1),
                None,
                format!(
                    "segment {} is missing: the session went on after segment {i} (the ledger sealed it as {})",
                    i + 1,
                    e.path
                ),
            )),
            // Killed, or live, right after a rotation; or its last segments
            // dropped: not closed, so not verified, and said.
            None => partial = true,
        },
        Some(_) => partial = true,
        None => {}
    }
    // Segments the ledger knows of beyond those found.
    if let Some(maxl) = mine.iter().map(|e| e.segment).max()
        && maxl >= expected_index
        && prev_final.as_ref().is_none_or(|p| p.2 != Kind::Rotate)
    {
        for m in expected_index..=maxl {
            if let Some(e) = mine.iter().find(|e| e.segment == m) {
                problems.push(Problem::about(
                    Some(m),
                    None,
                    format!(
                        "segment {m} is missing (the ledger sealed it as {})",
                        e.path
                    ),
                ));
            }
        }
    }
    if mine.iter().any(|e| e.kind == Kind::Close)
        && partial
        && prev_final.as_ref().is_some_and(|p| p.2 != Kind::Close)
    {
        problems.push(Problem::about(None, None, "the ledger recorded the session's close, but its close seal is gone (cut back to a checkpoint)"));
    }
    let mut seqs: Vec<u64> = mine.iter().map(|e| e.seq).collect();
    seqs.sort_unstable();
    for w in seqs.windows(2).filter(|w| w[0] == w[1]) {
        problems.push(Problem::about(
            None,
            None,
            format!(
                "the ledger holds two seals numbered {} for this session (one was forged)",
                w[0]
            ),
        ));
    }
    if ctx.ledger.is_some() && mine.is_empty() && !s.segments.iter().all(|g| g.seal.is_none()) {
        problems.push(Problem::about(
            None,
            None,
            "the ledger has no entry for this session",
        ));
    }
    report.status = if !problems.is_empty() {
        Status::Failed
    } else if partial {
        Status::Partial
    } else {
        Status::Verified
    };
    report.segments = segments;
    report.unsealed = unsealed;
    report.problems = problems;
    report
}

/// Sessions the ledger names under `dir` that have no file left there.
#[must_use]
pub fn vanished(ledger: &[Entry], dir: &Path, found: &[SessionFiles]) -> Vec<Report> {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let mut seen: BTreeMap<&str, &Entry> = BTreeMap::new();
    for e in ledger {
        // A file there now is of a session begun after the search, not gone.
        if Path::new(&e.path).starts_with(&dir)
            && !found.iter().any(|s| s.uniqid == e.uniqid)
            && !Path::new(&e.path).exists()
        {
            seen.entry(e.uniqid.as_str()).or_insert(e);
        }
    }
    seen.into_values()
        .map(|e| Report {
            uniqid: e.uniqid.clone(),
            status: Status::Failed,
            account: Some(e.account.clone()),
            target: Some(e.target.clone()),
            bastion: None,
            first: None,
            last: None,
            frames: 0,
            bytes: 0,
            segments: Vec::new(),
            ledger: "checked",
            unsealed: None,
            problems: vec![Problem::about(
                None,
                Some(Path::new(&e.path)),
                format!(
                    "the session was recorded (ledger entry {}, {}) but its recordings and seals are gone",
                    e.n, e.time
                ),
            )],
        })
        .collect()
}
