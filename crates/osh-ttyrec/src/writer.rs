//! The recording on disk: segments, rotation, file naming, the terminal-size
//! sidecar, and the checks that make recording fail closed. The recorder
//! writes through it; the player, the seal verifier and the cron tools read
//! what it writes with the codec beside it.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _};
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use jiff::Zoned;

/// Expand a file-name template: `#usec#` and then strftime sequences, local time.
pub fn expand(template: &str, now: &Zoned) -> Result<String, String> {
    let usec = format!("{:06}", now.subsec_nanosecond() / 1000);
    let t = template.replace("#usec#", &usec);
    jiff::fmt::strtime::format(&t, now)
        .map_err(|e| format!("bad file name template {template:?}: {e}"))
}

enum Sink {
    Plain(File),
    Zstd(zstd::stream::write::Encoder<'static, File>),
}

impl Sink {
    fn file(&self) -> &File {
        match self {
            Self::Plain(f) => f,
            Self::Zstd(z) => z.get_ref(),
        }
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
}

/// A recording in progress.
pub struct Recording {
    settings: Settings,
    sink: Sink,
    sidecar: File,
    path: PathBuf,
    bytes: u64,
    opened: Instant,
    last_flush: Instant,
    size: Option<(u16, u16)>,
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

impl Recording {
    /// Start recording into `path`.
    pub fn open(path: PathBuf, settings: Settings, size: Option<(u16, u16)>) -> io::Result<Self> {
        let path = if settings.zstd.is_some() && !path.to_string_lossy().ends_with(".zst") {
            PathBuf::from(format!("{}.zst", path.display()))
        } else {
            path
        };
        let file = create(&path)?;
        let sink = match settings.zstd {
            Some(level) => Sink::Zstd(zstd::stream::write::Encoder::new(file, level)?),
            None => Sink::Plain(file),
        };
        // `NAME.winsize` sorts after `NAME`: a listing never shows it first.
        let sidecar = create(&PathBuf::from(format!("{}.winsize", path.display())))?;
        let mut r = Self {
            settings,
            sink,
            sidecar,
            path: path.clone(),
            bytes: 0,
            opened: Instant::now(),
            last_flush: Instant::now(),
            size: None,
            files: vec![path],
            total: 0,
        };
        if let Some((c, l)) = size {
            r.resize(c, l)?;
        }
        Ok(r)
    }

    /// Current segment.
    #[must_use]
    pub fn path(&self) -> &PathBuf {
        &self.path
    }

    /// Record one frame of output. Returns only once the frame is in the file
    /// (plain mode) or in the compressor (zstd mode); any failure, including
    /// the file having been unlinked, is an error the session must end on.
    pub fn frame(&mut self, data: &[u8]) -> io::Result<()> {
        let (sec, usec) = now_parts();
        match &mut self.sink {
            Sink::Plain(f) => crate::write_frame(f, sec, usec, data)?,
            Sink::Zstd(z) => crate::write_frame(z, sec, usec, data)?,
        }
        // A write to an unlinked file still succeeds: check that it is still there.
        if self.sink.file().metadata()?.nlink() == 0 {
            return Err(io::Error::other(format!(
                "the recording {} was deleted",
                self.path.display()
            )));
        }
        let n = 12 + data.len() as u64;
        self.bytes += n;
        self.total += n;
        self.tick()?;
        if (self.settings.rotate_size > 0 && self.bytes >= self.settings.rotate_size)
            || (!self.settings.rotate_age.is_zero()
                && self.opened.elapsed() >= self.settings.rotate_age)
        {
            self.rotate()?;
        }
        Ok(())
    }

    /// zstd: flush if the last flush is older than the maximum. Call it from
    /// the poll loop's timeout too, so that an idle session is flushed.
    pub fn tick(&mut self) -> io::Result<()> {
        if let Sink::Zstd(z) = &mut self.sink
            && self.last_flush.elapsed() >= self.settings.max_flush
        {
            z.flush()?;
            self.last_flush = Instant::now();
        }
        Ok(())
    }

    /// When the next zstd flush is due, if any.
    #[must_use]
    pub fn next_flush(&self) -> Option<Duration> {
        matches!(self.sink, Sink::Zstd(_)).then(|| {
            self.settings
                .max_flush
                .saturating_sub(self.last_flush.elapsed())
        })
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
            Sink::Plain(f) => f.sync_all()?,
            Sink::Zstd(z) => {
                z.do_finish()?;
                z.get_ref().sync_all()?;
            }
        }
        self.sidecar.sync_all()
    }

    /// Close this segment (synced to disk) and continue in a new file named from
    /// the template (or the first name with a counter, without one).
    pub fn rotate(&mut self) -> io::Result<()> {
        self.close_segment()?;
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
        let next = Self::open(candidate, self.settings.clone(), self.size)?;
        let files = std::mem::take(&mut self.files);
        let total = self.total;
        *self = next;
        self.files = [files, std::mem::take(&mut self.files)].concat();
        self.total = total;
        Ok(())
    }

    /// End the recording, synced to disk.
    pub fn finish(mut self) -> io::Result<Vec<PathBuf>> {
        self.close_segment()?;
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
