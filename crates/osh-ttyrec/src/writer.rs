//! The recording on disk: segments, rotation, file naming, the terminal-size
//! sidecar, and the checks that make recording fail closed. The recorder
//! writes through it; the player, the seal verifier and the cron tools read
//! what it writes with the codec beside it.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};
use std::time::{Duration, Instant, SystemTime};

use jiff::Zoned;

/// Expand a file-name template: `#usec#` and then strftime sequences, local time.
pub fn expand(template: &str, now: &Zoned) -> Result<String, String> {
    let usec = format!("{:06}", now.subsec_nanosecond() / 1000);
    let t = template.replace("#usec#", &usec);
    jiff::fmt::strtime::format(&t, now)
        .map_err(|e| format!("bad file name template {template:?}: {e}"))
}

/// A file that hashes (SHA-256) every byte written to it: what a seal
/// covers is exactly what is on disk, compressed or not.
/// Unsealed recordings are not hashed (`hash` is `None`): no cost when
/// nothing will use it.
struct Hashed {
    file: File,
    hash: Option<Sha256>,
    bytes: u64,
}

impl Hashed {
    fn new(file: File, hashing: bool) -> Self {
        Self {
            file,
            hash: hashing.then(Sha256::new),
            bytes: 0,
        }
    }

    fn digest(&self) -> String {
        self.hash
            .as_ref()
            .map(|h| hex(&h.clone().finalize()))
            .unwrap_or_default()
    }
}

impl Write for Hashed {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        if let Some(h) = self.hash.as_mut() {
            h.update(&buf[..n]);
        }
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

enum Sink {
    Plain(Hashed),
    Zstd(zstd::stream::write::Encoder<'static, Hashed>),
}

impl Sink {
    fn hashed(&self) -> &Hashed {
        match self {
            Self::Plain(f) => f,
            Self::Zstd(z) => z.get_ref(),
        }
    }
}

/// Why a seal is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealPoint {
    /// The session starts (segment 0, empty).
    Open,
    /// A new segment after a rotation, or a periodic checkpoint.
    Checkpoint,
    /// The segment is complete; the next one follows.
    Rotate,
    /// The session is over.
    Close,
}

/// A segment as it stands when a seal is asked for.
#[derive(Debug, Clone)]
pub struct SegmentState<'a> {
    /// The segment's index (0 first).
    pub index: u32,
    /// Its file.
    pub path: &'a Path,
    /// Frames written to it.
    pub frames: u64,
    /// Bytes on disk.
    pub bytes: u64,
    /// SHA-256 of those bytes.
    pub sha256: String,
    /// First frame's time.
    pub first: Option<(u64, u32)>,
    /// Last frame's time.
    pub last: Option<(u64, u32)>,
    /// Bytes of the terminal-size sidecar.
    pub winsize_bytes: u64,
    /// Their SHA-256.
    pub winsize_sha256: String,
    /// The previous segment's final hash.
    pub prev_segment_sha256: Option<&'a str>,
}

/// Who signs the seals (the recorder asks the seal keeper). An error ends
/// the session: an unsealed recording is not what was promised.
pub trait Sealer {
    /// Seal the segment as it stands.
    ///
    /// # Errors
    /// When the seal can't be made or written.
    fn seal(&mut self, point: SealPoint, state: &SegmentState<'_>) -> io::Result<()>;

    /// Finish a seal made in the background if it is done (the open seal
    /// runs beside the session's start rather than before it).
    ///
    /// # Errors
    /// When that seal failed.
    fn poll(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// Whether a seal is still being made in the background.
    fn busy(&self) -> bool {
        false
    }
}

/// Settings of a recording.
#[derive(Debug, Clone)]
pub struct Settings {
    /// zstd level, or `None` for plain frames.
    pub zstd: Option<i32>,
    /// zstd: flush at least this often.
    pub max_flush: Duration,
    /// Rotate past this many bytes of frames (0: never).
    pub rotate_size: u64,
    /// Rotate past this age (zero: never).
    pub rotate_age: Duration,
    /// Template for the next segments' names.
    pub template: Option<String>,
    /// Seal a checkpoint at least this often while output flows (zero: never).
    pub checkpoint_every: Duration,
    /// Seal a checkpoint past this many bytes since the last seal (0: never).
    pub checkpoint_bytes: u64,
}

/// A recording in progress.
pub struct Recording {
    settings: Settings,
    sink: Sink,
    sidecar: Hashed,
    path: PathBuf,
    index: u32,
    bytes: u64,
    frames: u64,
    first: Option<(u64, u32)>,
    last: Option<(u64, u32)>,
    opened: Instant,
    last_flush: Instant,
    size: Option<(u16, u16)>,
    sealer: Option<Box<dyn Sealer>>,
    prev_segment: Option<String>,
    /// Frames and frame bytes of the segment at the last seal, and when it was made.
    sealed_at: (u64, u64, Instant),
    /// Every segment written, in order.
    pub files: Vec<PathBuf>,
    /// Frames bytes written over all segments.
    pub total: u64,
}

fn now_parts() -> (u64, u32) {
    let d = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    (d.as_secs(), d.subsec_micros())
}

fn create(path: &PathBuf) -> io::Result<File> {
    // create_new: a segment never overwrites evidence; 0600: recordings are the account's alone.
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

/// The files of a new segment: the recording (`.zst` added in zstd mode) and its sidecar.
fn segment_files(
    path: PathBuf,
    settings: &Settings,
    hashing: bool,
) -> io::Result<(PathBuf, Sink, Hashed)> {
    let path = if settings.zstd.is_some() && !path.to_string_lossy().ends_with(".zst") {
        PathBuf::from(format!("{}.zst", path.display()))
    } else {
        path
    };
    let file = Hashed::new(create(&path)?, hashing);
    let sink = match settings.zstd {
        Some(level) => Sink::Zstd(zstd::stream::write::Encoder::new(file, level)?),
        None => Sink::Plain(file),
    };
    // `NAME.winsize` sorts after `NAME`: a listing never shows it first.
    let sidecar = Hashed::new(
        create(&PathBuf::from(format!("{}.winsize", path.display())))?,
        hashing,
    );
    Ok((path, sink, sidecar))
}

impl Recording {
    /// Start recording into `path`.
    pub fn open(path: PathBuf, settings: Settings, size: Option<(u16, u16)>) -> io::Result<Self> {
        Self::open_sealed(path, settings, size, None)
    }

    /// Start recording into `path`, sealed by `sealer` (the open seal is
    /// made before this returns: no seal, no session).
    pub fn open_sealed(
        path: PathBuf,
        settings: Settings,
        size: Option<(u16, u16)>,
        sealer: Option<Box<dyn Sealer>>,
    ) -> io::Result<Self> {
        let (path, sink, sidecar) = segment_files(path, &settings, sealer.is_some())?;
        let mut r = Self {
            settings,
            sink,
            sidecar,
            path: path.clone(),
            index: 0,
            bytes: 0,
            frames: 0,
            first: None,
            last: None,
            opened: Instant::now(),
            last_flush: Instant::now(),
            size: None,
            sealer,
            prev_segment: None,
            sealed_at: (0, 0, Instant::now()),
            files: vec![path],
            total: 0,
        };
        if let Some((c, l)) = size {
            r.resize(c, l)?;
        }
        r.seal(SealPoint::Open)?;
        Ok(r)
    }

    /// Current segment.
    #[must_use]
    pub fn path(&self) -> &PathBuf {
        &self.path
    }

    fn seal(&mut self, point: SealPoint) -> io::Result<()> {
        self.sealed_at = (self.frames, self.bytes, Instant::now());
        let Some(sealer) = self.sealer.as_mut() else {
            return Ok(());
        };
        let h = self.sink.hashed();
        let state = SegmentState {
            index: self.index,
            path: &self.path,
            frames: self.frames,
            bytes: h.bytes,
            sha256: h.digest(),
            first: self.first,
            last: self.last,
            winsize_bytes: self.sidecar.bytes,
            winsize_sha256: self.sidecar.digest(),
            prev_segment_sha256: self.prev_segment.as_deref(),
        };
        sealer.seal(point, &state)
    }

    /// Whether a checkpoint is due: new bytes since the last seal, and
    /// enough of them or for long enough.
    fn checkpoint_due(&self) -> bool {
        let (frames, bytes, at) = self.sealed_at;
        self.sealer.is_some()
            && self.frames > frames
            && ((self.settings.checkpoint_bytes > 0
                && self.bytes - bytes >= self.settings.checkpoint_bytes)
                || (!self.settings.checkpoint_every.is_zero()
                    && at.elapsed() >= self.settings.checkpoint_every))
    }

    /// Seal a checkpoint now (zstd: what is buffered is flushed first, so
    /// that the seal covers it).
    pub fn checkpoint(&mut self) -> io::Result<()> {
        if self.frames == self.sealed_at.0 {
            // Nothing new: the last seal still holds.
            return Ok(());
        }
        if let Sink::Zstd(z) = &mut self.sink {
            z.flush()?;
            self.last_flush = Instant::now();
        }
        self.seal(SealPoint::Checkpoint)
    }

    /// Record one frame of output. Returns only once the frame is in the file
    /// (plain mode) or in the compressor (zstd mode); any failure, including
    /// the file having been unlinked, is an error the session must end on.
    pub fn frame(&mut self, data: &[u8]) -> io::Result<()> {
        // Rotation happens before a frame, not after one: a session never
        // ends on an empty segment.
        if self.bytes > 0
            && ((self.settings.rotate_size > 0 && self.bytes >= self.settings.rotate_size)
                || (!self.settings.rotate_age.is_zero()
                    && self.opened.elapsed() >= self.settings.rotate_age))
        {
            self.rotate()?;
        }
        let (sec, usec) = now_parts();
        match &mut self.sink {
            Sink::Plain(f) => crate::write_frame(f, sec, usec, data)?,
            Sink::Zstd(z) => crate::write_frame(z, sec, usec, data)?,
        }
        // A write to an unlinked file still succeeds: check that it is still there.
        if self.sink.hashed().file.metadata()?.nlink() == 0 {
            return Err(io::Error::other(format!(
                "the recording {} was deleted",
                self.path.display()
            )));
        }
        let n = 12 + data.len() as u64;
        self.bytes += n;
        self.total += n;
        self.frames += 1;
        self.first.get_or_insert((sec, usec));
        self.last = Some((sec, usec));
        self.tick()
    }

    /// zstd: flush if the last flush is older than the maximum; and seal a
    /// checkpoint if one is due. Call it from the poll loop's timeout too,
    /// so that an idle session is flushed and sealed.
    pub fn tick(&mut self) -> io::Result<()> {
        if let Sink::Zstd(z) = &mut self.sink
            && self.last_flush.elapsed() >= self.settings.max_flush
        {
            z.flush()?;
            self.last_flush = Instant::now();
        }
        if let Some(sealer) = self.sealer.as_mut() {
            sealer.poll()?;
        }
        if self.checkpoint_due() {
            self.checkpoint()?;
        }
        Ok(())
    }

    /// When the next zstd flush or checkpoint is due, if any.
    #[must_use]
    pub fn next_flush(&self) -> Option<Duration> {
        let flush = matches!(self.sink, Sink::Zstd(_)).then(|| {
            self.settings
                .max_flush
                .saturating_sub(self.last_flush.elapsed())
        });
        let pending = self.frames > self.sealed_at.0;
        let seal = (self.sealer.is_some() && pending && !self.settings.checkpoint_every.is_zero())
            .then(|| {
                self.settings
                    .checkpoint_every
                    .saturating_sub(self.sealed_at.2.elapsed())
            });
        // A seal in the background is looked at again soon: its failure ends the session.
        let background = self
            .sealer
            .as_ref()
            .is_some_and(|s| s.busy())
            .then_some(Duration::from_millis(5));
        [flush, seal, background].into_iter().flatten().min()
    }

    /// Note a terminal size (at start and at every resize) in the sidecar.
    pub fn resize(&mut self, cols: u16, rows: u16) -> io::Result<()> {
        if self.size == Some((cols, rows)) {
            return Ok(());
        }
        self.size = Some((cols, rows));
        let (sec, usec) = now_parts();
        self.sidecar
            .write_all(format!("{sec}.{usec:06} {cols} {rows}\n").as_bytes())
    }

    fn close_segment(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Plain(f) => f.file.sync_all()?,
            Sink::Zstd(z) => {
                z.do_finish()?;
                z.get_ref().file.sync_all()?;
            }
        }
        self.sidecar.file.sync_all()
    }

    /// Close this segment (synced to disk, sealed) and continue in a new file
    /// named from the template (or the first name with a counter, without one).
    pub fn rotate(&mut self) -> io::Result<()> {
        self.close_segment()?;
        self.seal(SealPoint::Rotate)?;
        let now = Zoned::now();
        let base = match &self.settings.template {
            Some(t) => expand(t, &now).map_err(io::Error::other)?,
            None => format!("{}.{}", self.files[0].display(), self.files.len()),
        };
        let mut candidate = PathBuf::from(&base);
        let mut n = 1;
        while candidate.exists() || PathBuf::from(format!("{}.zst", candidate.display())).exists() {
            candidate = PathBuf::from(format!("{base}.{n}"));
            n += 1;
        }
        let (path, sink, sidecar) =
            segment_files(candidate, &self.settings, self.sealer.is_some())?;
        self.prev_segment = Some(self.sink.hashed().digest());
        self.sink = sink;
        self.sidecar = sidecar;
        self.path = path.clone();
        self.files.push(path);
        self.index += 1;
        self.bytes = 0;
        self.frames = 0;
        self.first = None;
        self.last = None;
        self.opened = Instant::now();
        self.last_flush = Instant::now();
        if let Some((c, l)) = self.size.take() {
            self.resize(c, l)?;
        }
        self.seal(SealPoint::Checkpoint)
    }

    /// End the recording, synced to disk and sealed.
    pub fn finish(mut self) -> io::Result<Vec<PathBuf>> {
        self.close_segment()?;
        self.seal(SealPoint::Close)?;
        Ok(self.files)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let now: Zoned = "2026-11-22T01:36:23.063631[UTC]".parse().unwrap();
        assert_eq!(
            expand("/h/%Y-%m-%d.%H-%M-%S.#usec#.x.ttyrec", &now).unwrap(),
            "/h/2026-11-22.01-36-23.063631.x.ttyrec"
        );
    }
}
