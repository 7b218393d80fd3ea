//! The recorder's side of sealing: each seal is asked of `osh-seal` (the
//! seal keeper's setuid program, which alone reads the signing key), and
//! what it signs is written beside the segment, the signature first, each
//! through a temporary file and a rename, so a reader never sees half a seal.

use std::io::{self, Read as _, Write as _};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use osh_seal::{Kind, Measure, SealRequest};
use osh_ttyrec::writer::{SealPoint, Sealer, SegmentState};

/// Asks the keeper for seals, keeping the session's chain of seals.
pub struct Keeper {
    program: PathBuf,
    uniqid: String,
    target: String,
    seq: u64,
    prev_seal: Option<String>,
    /// The open seal, made while the session starts: its keeper and segment.
    pending: Option<(Child, PathBuf)>,
}

impl Keeper {
    pub fn new(program: &str, uniqid: &str, target: &str) -> Self {
        Self {
            program: PathBuf::from(program),
            uniqid: uniqid.to_owned(),
            target: target.to_owned(),
            seq: 0,
            prev_seal: None,
            pending: None,
        }
    }
}

fn time(t: Option<(u64, u32)>) -> Option<String> {
    t.map(|(s, u)| format!("{s}.{u:06}"))
}

fn replace(path: &Path, content: &str) -> io::Result<()> {
    let tmp = PathBuf::from(format!("{}.tmp", path.display()));
    let _ = std::fs::remove_file(&tmp);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)?;
    f.write_all(content.as_bytes())?;
    drop(f);
    std::fs::rename(&tmp, path)
}

fn fail(why: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("sealing failed: {why}"))
}

impl Keeper {
    /// Start the keeper on a request; its answer is read by [`Self::complete`].
    fn start(&self, point: SealPoint, st: &SegmentState<'_>) -> io::Result<Child> {
        let kind = match point {
            SealPoint::Open => Kind::Open,
            SealPoint::Checkpoint => Kind::Checkpoint,
            SealPoint::Rotate => Kind::Rotate,
            SealPoint::Close => Kind::Close,
        };
        let req = SealRequest {
            kind,
            uniqid: self.uniqid.clone(),
            target: self.target.clone(),
            segment: st.index,
            path: st.path.to_string_lossy().into_owned(),
            measure: Measure {
                frames: st.frames,
                bytes: st.bytes,
                sha256: st.sha256.clone(),
                first: time(st.first),
                last: time(st.last),
                winsize_bytes: st.winsize_bytes,
                winsize_sha256: st.winsize_sha256.clone(),
                prev_segment_sha256: st.prev_segment_sha256.map(str::to_owned),
                prev_seal_sha256: self.prev_seal.clone(),
            },
            seq: self.seq,
        };
        let mut child = Command::new(&self.program)
            .env_clear()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| fail(format!("can't run {}: {e}", self.program.display())))?;
        let body = osh_core::serde_json::to_vec(&req).map_err(fail)?;
        // The request is small: it fits the pipe, and closing stdin sends it.
        if let Some(mut i) = child.stdin.take() {
            i.write_all(&body).map_err(fail)?;
        }
        Ok(child)
    }

    /// The keeper's answer: the seal and its signature written beside `segment`.
    fn complete(&mut self, mut child: Child, segment: &Path) -> io::Result<()> {
        let mut out = String::new();
        if let Some(mut o) = child.stdout.take() {
            o.read_to_string(&mut out).map_err(fail)?;
        }
        let _ = child.wait();
        let v: osh_core::serde_json::Value = osh_core::serde_json::from_str(&out)
            .map_err(|_| fail("no answer from the seal keeper"))?;
        let (Some(text), Some(sig)) = (v["seal"].as_str(), v["sig"].as_str()) else {
            return Err(fail(v["error"].as_str().unwrap_or("refused")));
        };
        let (seal_path, sig_path) = osh_seal::seal_paths(segment);
        replace(&sig_path, sig)?;
        replace(&seal_path, text)?;
        self.prev_seal = Some(osh_seal::sha256_hex(text.as_bytes()));
        self.seq += 1;
        Ok(())
    }

    fn finish_pending(&mut self) -> io::Result<()> {
        match self.pending.take() {
            Some((child, segment)) => self.complete(child, &segment),
            None => Ok(()),
        }
    }
}

impl Sealer for Keeper {
    fn seal(&mut self, point: SealPoint, st: &SegmentState<'_>) -> io::Result<()> {
        // Seals chain: the one in the background is finished first.
        self.finish_pending()?;
        let child = self.start(point, st)?;
        if point == SealPoint::Open {
            // The session starts meanwhile; `poll` finishes it (or ends the
            // session if it failed) within milliseconds.
            self.pending = Some((child, st.path.to_path_buf()));
            return Ok(());
        }
        self.complete(child, st.path)
    }

    fn poll(&mut self) -> io::Result<()> {
        let done = match self.pending.as_mut() {
            Some((child, _)) => child.try_wait().map_err(fail)?.is_some(),
            None => false,
        };
        if done {
            self.finish_pending()?;
        }
        Ok(())
    }

    fn busy(&self) -> bool {
        self.pending.is_some()
    }
}
