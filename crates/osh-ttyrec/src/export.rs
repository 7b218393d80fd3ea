//! A recording in the formats other tools read: JSON frames (base64 data,
//! relative and absolute times), asciicast v2 (`asciinema play|cat`), one
//! plain ttyrec (`ttyplay`), the raw output bytes, or the text a person saw.

use std::io::{self, Read, Write};
use std::path::Path;

use base64::Engine as _;

use crate::text::Screen;
use crate::{Frame, FrameReader, ZSTD_MAGIC};

/// A terminal size from the `.winsize` sidecar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resize {
    /// When (seconds).
    pub sec: u64,
    /// When (microseconds).
    pub usec: u32,
    /// Columns.
    pub cols: u16,
    /// Rows.
    pub rows: u16,
}

impl Resize {
    fn at(&self) -> f64 {
        self.sec as f64 + f64::from(self.usec) / 1e6
    }
}

/// The sizes of a `.winsize` sidecar (`epoch.usec COLS ROWS` per line);
/// lines that are not that are skipped.
#[must_use]
pub fn parse_winsize(text: &str) -> Vec<Resize> {
    text.lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let (s, u) = w.next()?.split_once('.')?;
            Some(Resize {
                sec: s.parse().ok()?,
                usec: u.parse().ok()?,
                cols: w.next()?.parse().ok()?,
                rows: w.next()?.parse().ok()?,
            })
        })
        .collect()
}

/// Frames of a segment file, plain or zstd (by its magic number), read as they come.
///
/// # Errors
/// When it can't be opened.
pub fn open_frames(path: &Path) -> io::Result<FrameReader<Box<dyn Read>>> {
    let mut f = std::fs::File::open(path)?;
    let mut magic = [0u8; 4];
    let n = f.read(&mut magic)?;
    let head = io::Cursor::new(magic[..n].to_vec());
    let reader: Box<dyn Read> = if n == 4 && magic == ZSTD_MAGIC {
        Box::new(zstd::stream::read::Decoder::new(head.chain(f))?)
    } else {
        Box::new(io::BufReader::with_capacity(1 << 20, head.chain(f)))
    };
    Ok(FrameReader::new(reader))
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `{"session", "verification", "frames": [{"t", "time", "data"}]}`.
    Json,
    /// asciicast v2.
    Asciicast,
    /// One plain ttyrec.
    Ttyrec,
    /// The output bytes.
    Raw,
    /// The text shown, escapes interpreted.
    Text,
}

impl Format {
    /// By name, as `--format` takes it.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "json" => Some(Self::Json),
            "asciinema" | "asciicast" | "cast" => Some(Self::Asciicast),
            "ttyrec" => Some(Self::Ttyrec),
            "raw" => Some(Self::Raw),
            "text" => Some(Self::Text),
            _ => None,
        }
    }
}

/// Bytes to UTF-8 text across frame boundaries: a character split between
/// two frames is kept whole; invalid bytes become U+FFFD.
#[derive(Debug, Default)]
pub struct Utf8Carry {
    pending: Vec<u8>,
}

impl Utf8Carry {
    /// The text of `data` after what was pending.
    pub fn push(&mut self, data: &[u8]) -> String {
        self.pending.extend_from_slice(data);
        let mut out = String::with_capacity(self.pending.len());
        let mut rest: &[u8] = &self.pending;
        loop {
            match std::str::from_utf8(rest) {
                Ok(s) => {
                    out.push_str(s);
                    rest = &[];
                    break;
                }
                Err(e) => {
                    let (good, bad) = rest.split_at(e.valid_up_to());
                    out.push_str(std::str::from_utf8(good).unwrap_or_default());
                    match e.error_len() {
                        Some(n) => {
                            out.push('\u{FFFD}');
                            rest = &bad[n..];
                        }
                        // An incomplete character at the end: wait for the rest.
                        None => {
                            rest = bad;
                            break;
                        }
                    }
                }
            }
        }
        self.pending = rest.to_vec();
        out
    }

    /// What is left at the end.
    pub fn finish(&mut self) -> String {
        let s = String::from_utf8_lossy(&self.pending).into_owned();
        self.pending.clear();
        s
    }
}

/// Writes a recording in one format, frame by frame.
pub struct Exporter<W: Write> {
    format: Format,
    out: W,
    meta: serde_json::Value,
    resizes: Vec<Resize>,
    next_resize: usize,
    start: Option<f64>,
    count: u64,
    utf8: Utf8Carry,
    screen: Screen,
    last_t: f64,
}

fn rfc3339(sec: u64, usec: u32) -> String {
    jiff::Timestamp::new(
        i64::try_from(sec).unwrap_or(i64::MAX),
        i32::try_from(usec * 1000).unwrap_or(0),
    )
    .map(|t| t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())
    .unwrap_or_default()
}

impl<W: Write> Exporter<W> {
    /// Start an export of a session described by `meta` (for JSON:
    /// `{"session": .., "verification": ..}`; for asciicast: `title`).
    ///
    /// # Errors
    /// When writing fails.
    pub fn new(
        format: Format,
        mut out: W,
        meta: serde_json::Value,
        resizes: Vec<Resize>,
    ) -> io::Result<Self> {
        if format == Format::Json {
            let mut head = serde_json::Map::new();
            head.insert("version".into(), 1.into());
            if let serde_json::Value::Object(m) = &meta {
                for (k, v) in m {
                    head.insert(k.clone(), v.clone());
                }
            }
            let text = serde_json::to_string(&serde_json::Value::Object(head))?;
            // The object stays open for the frames, which follow as they are read.
            out.write_all(&text.as_bytes()[..text.len() - 1])?;
            out.write_all(if text.len() > 2 {
                b",\"frames\":["
            } else {
                b"\"frames\":["
            })?;
        }
        Ok(Self {
            format,
            out,
            meta,
            resizes,
            next_resize: 0,
            start: None,
            count: 0,
            utf8: Utf8Carry::default(),
            screen: Screen::default(),
            last_t: 0.0,
        })
    }

    fn cast_header(&mut self, start: f64, sec: u64) -> io::Result<()> {
        // The size in force when the output starts.
        let size = self
            .resizes
            .iter()
            .take_while(|r| r.at() <= start)
            .last()
            .or(self.resizes.first())
            .map_or((80, 24), |r| (r.cols, r.rows));
        self.next_resize = self
            .resizes
            .iter()
            .take_while(|r| r.at() <= start)
            .count()
            .max(usize::from(!self.resizes.is_empty()));
        let mut h = serde_json::json!({
            "version": 2,
            "width": size.0,
            "height": size.1,
            "timestamp": sec,
        });
        if let Some(t) = self.meta.get("title") {
            h["title"] = t.clone();
        }
        if let Some(e) = self.meta.get("env") {
            h["env"] = e.clone();
        }
        writeln!(self.out, "{h}")
    }

    /// Write one frame.
    ///
    /// # Errors
    /// When writing fails.
    pub fn frame(&mut self, f: &Frame) -> io::Result<()> {
        let at = f.sec as f64 + f64::from(f.usec) / 1e6;
        let first = self.start.is_none();
        let start = *self.start.get_or_insert(at);
        // Times never go backwards in what we write, even if the clock did.
        let t = (at - start).max(self.last_t);
        self.last_t = t;
        match self.format {
            Format::Json => {
                if !first {
                    self.out.write_all(b",")?;
                }
                let data = base64::engine::general_purpose::STANDARD.encode(&f.data);
                write!(
                    self.out,
                    "\n{{\"t\":{t:.6},\"time\":\"{}\",\"data\":\"{data}\"}}",
                    rfc3339(f.sec, f.usec)
                )?;
            }
            Format::Asciicast => {
                if first {
                    self.cast_header(start, f.sec)?;
                }
                while let Some(r) = self
                    .resizes
                    .get(self.next_resize)
                    .copied()
                    .filter(|r| r.at() <= at)
                {
                    let rt = (r.at() - start).max(0.0).min(t);
                    writeln!(
                        self.out,
                        "{}",
                        serde_json::json!([round6(rt), "r", format!("{}x{}", r.cols, r.rows)])
                    )?;
                    self.next_resize += 1;
                }
                let text = self.utf8.push(&f.data);
                if !text.is_empty() {
                    writeln!(self.out, "{}", serde_json::json!([round6(t), "o", text]))?;
                }
            }
            Format::Ttyrec => crate::write_frame(&mut self.out, f.sec, f.usec, &f.data)?,
            Format::Raw => self.out.write_all(&f.data)?,
            Format::Text => {
                let text = self.screen.feed(&f.data);
                self.out.write_all(text.as_bytes())?;
            }
        }
        self.count += 1;
        Ok(())
    }

    /// Frames written.
    #[must_use]
    pub fn frames(&self) -> u64 {
        self.count
    }

    /// End the export; the writer back.
    ///
    /// # Errors
    /// When writing fails.
    pub fn finish(mut self) -> io::Result<W> {
        match self.format {
            Format::Json => self.out.write_all(b"\n]}\n")?,
            Format::Asciicast => {
                if self.start.is_none() {
                    self.cast_header(0.0, 0)?;
                }
                let rest = self.utf8.finish();
                if !rest.is_empty() {
                    writeln!(
                        self.out,
                        "{}",
                        serde_json::json!([round6(self.last_t), "o", rest])
                    )?;
                }
            }
            Format::Text => {
                let rest = self.screen.finish();
                self.out.write_all(rest.as_bytes())?;
            }
            Format::Ttyrec | Format::Raw => {}
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

fn round6(t: f64) -> f64 {
    (t * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fr(sec: u64, usec: u32, d: &[u8]) -> Frame {
        Frame {
            sec,
            usec,
            data: d.to_vec(),
        }
    }

    #[test]
    fn utf8_split_across_frames() {
        let mut c = Utf8Carry::default();
        let e = "é".as_bytes();
        assert_eq!(c.push(&[b'a', e[0]]), "a");
        assert_eq!(c.push(&[e[1], b'b', 0xff]), "éb\u{FFFD}");
        assert_eq!(c.finish(), "");
    }

    #[test]
    fn cast_and_json() {
        let rs = parse_winsize("100.000000 120 40\n101.500000 100 30\nnot a line\n");
        assert_eq!(rs.len(), 2);
        let mut e = Exporter::new(
            Format::Asciicast,
            Vec::new(),
            serde_json::json!({"title": "s"}),
            rs.clone(),
        )
        .unwrap();
        e.frame(&fr(100, 500_000, b"hi")).unwrap();
        e.frame(&fr(102, 0, b"\xc3")).unwrap();
        e.frame(&fr(102, 1, b"\xa9")).unwrap();
        let out = String::from_utf8(e.finish().unwrap()).unwrap();
        let lines: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines[0]["width"], 120);
        assert_eq!(lines[0]["timestamp"], 100);
        assert_eq!(lines[1], serde_json::json!([0.0, "o", "hi"]));
        assert_eq!(lines[2], serde_json::json!([1.0, "r", "100x30"]));
        assert_eq!(lines[3], serde_json::json!([1.500001, "o", "é"]));
        let mut j = Exporter::new(
            Format::Json,
            Vec::new(),
            serde_json::json!({"session": {"uniqid": "x"}}),
            vec![],
        )
        .unwrap();
        j.frame(&fr(100, 0, b"\x00\xff")).unwrap();
        j.frame(&fr(101, 250_000, b"ok")).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&j.finish().unwrap()).unwrap();
        assert_eq!(v["session"]["uniqid"], "x");
        assert_eq!(v["frames"][1]["t"], 1.25);
        assert_eq!(v["frames"][0]["data"], "AP8=");
        assert_eq!(v["frames"][1]["time"], "1970-01-01T00:01:41.250000Z");
    }
}
