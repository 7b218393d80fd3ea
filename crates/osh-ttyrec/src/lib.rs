//! The ttyrec format, as ovh-ttyrec writes it and `ttyplay` reads it.
//!
//! A recording is a sequence of frames: a 12-byte header of three little-endian
//! u32 (`sec`, `usec`, `len`) then `len` bytes of terminal output. Seconds past
//! 2106 do not fit 32 bits; since `usec` < 2^20, OVH stores bits 32..43 of the
//! seconds in the top 12 bits of the `usec` word, which classic readers ignore
//! after masking. A recording may be one zstd stream of such frames.
//!
//! Our own codec rather than the `ttyrec` crate: that crate knows neither the
//! 44-bit extension nor zstd, and a reader of evidence must say exactly where
//! a file stops making sense ([`ReadError::Truncated`]) rather than guess.

pub mod export;
pub mod text;
pub mod writer;

use std::io::{self, Read, Write};

/// Largest frame accepted when reading: a bigger length is corruption, not data.
pub const MAX_FRAME: u32 = 16 * 1024 * 1024;

const USEC_MASK: u32 = 0x000F_FFFF;

/// The zstd frame magic number, little-endian on disk.
pub const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];

/// One frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Seconds since the epoch (up to 44 bits).
    pub sec: u64,
    /// Microseconds, below 1,000,000.
    pub usec: u32,
    /// Terminal output.
    pub data: Vec<u8>,
}

/// Encode a frame header.
#[must_use]
pub fn header(sec: u64, usec: u32, len: u32) -> [u8; 12] {
    let low = (sec & 0xFFFF_FFFF) as u32;
    let high = ((sec >> 32) & 0xFFF) as u32;
    let usec_word = (usec & USEC_MASK) | (high << 20);
    let mut h = [0u8; 12];
    h[..4].copy_from_slice(&low.to_le_bytes());
    h[4..8].copy_from_slice(&usec_word.to_le_bytes());
    h[8..].copy_from_slice(&len.to_le_bytes());
    h
}

/// Decode a frame header into (sec, usec, len).
#[must_use]
pub fn parse_header(h: &[u8; 12]) -> (u64, u32, u32) {
    let word = |i: usize| u32::from_le_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
    let (low, usec_word, len) = (word(0), word(4), word(8));
    let sec = u64::from(low) | (u64::from(usec_word >> 20) << 32);
    (sec, usec_word & USEC_MASK, len)
}

/// Write one frame to `w`: header and data in one vectored write where the
/// writer supports it (a file: one syscall, no copy), looping on short writes.
pub fn write_frame<W: Write>(w: &mut W, sec: u64, usec: u32, data: &[u8]) -> io::Result<()> {
    let len = u32::try_from(data.len()).map_err(|_| io::Error::other("frame too large"))?;
    let h = header(sec, usec, len);
    let total = h.len() + data.len();
    let mut done = 0;
    while done < total {
        let n = if done < h.len() {
            w.write_vectored(&[io::IoSlice::new(&h[done..]), io::IoSlice::new(data)])?
        } else {
            w.write(&data[done - h.len()..])?
        };
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        done += n;
    }
    Ok(())
}

/// Why reading stopped early.
#[derive(Debug)]
pub enum ReadError {
    /// The stream ends inside a frame: everything before `offset` was whole.
    Truncated {
        /// Bytes of frames read whole.
        offset: u64,
    },
    /// A header announces an impossible frame.
    Corrupt {
        /// Where that header starts.
        offset: u64,
    },
    /// The underlying reader failed.
    Io(io::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Truncated { offset } => write!(f, "truncated after byte {offset}"),
            Self::Corrupt { offset } => write!(f, "corrupt frame header at byte {offset}"),
            Self::Io(e) => write!(f, "{e}"),
        }
    }
}

/// Reads frames one by one.
pub struct FrameReader<R> {
    inner: R,
    offset: u64,
}

impl<R: Read> FrameReader<R> {
    /// Frames from a plain (uncompressed) stream.
    pub fn new(inner: R) -> Self {
        Self { inner, offset: 0 }
    }

    /// Bytes of whole frames read so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The next frame, `Ok(None)` at a clean end.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, ReadError> {
        let mut h = [0u8; 12];
        let got = read_full(&mut self.inner, &mut h).map_err(ReadError::Io)?;
        if got == 0 {
            return Ok(None);
        }
        if got < 12 {
            return Err(ReadError::Truncated {
                offset: self.offset,
            });
        }
        let (sec, usec, len) = parse_header(&h);
        if len > MAX_FRAME || usec >= 1_000_000 {
            return Err(ReadError::Corrupt {
                offset: self.offset,
            });
        }
        let mut data = vec![0u8; len as usize];
        if read_full(&mut self.inner, &mut data).map_err(ReadError::Io)? < data.len() {
            return Err(ReadError::Truncated {
                offset: self.offset,
            });
        }
        self.offset += 12 + u64::from(len);
        Ok(Some(Frame { sec, usec, data }))
    }
}

fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            // A zstd stream cut short (a recorder killed mid-write) reads as an
            // error from the decoder: what came before is still good.
            Err(e) if n > 0 || e.kind() == io::ErrorKind::UnexpectedEof => return Ok(n),
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// All frames of a recording, plain or zstd (detected by its magic number),
/// and how it ended: `None` if cleanly, else the error after the last whole frame.
pub fn read_all(bytes: &[u8]) -> (Vec<Frame>, Option<ReadError>) {
    let mut frames = Vec::new();
    let reader: Box<dyn Read> = if bytes.starts_with(&ZSTD_MAGIC) {
        match zstd::stream::read::Decoder::new(bytes) {
            Ok(d) => Box::new(d),
            Err(e) => return (frames, Some(ReadError::Io(e))),
        }
    } else {
        Box::new(bytes)
    };
    let mut r = FrameReader::new(reader);
    loop {
        match r.next_frame() {
            Ok(Some(f)) => frames.push(f),
            Ok(None) => return (frames, None),
            Err(e) => return (frames, Some(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn classic_header_layout() {
        let h = header(0x6560_0000, 123_456, 5);
        assert_eq!(&h[..4], &0x6560_0000u32.to_le_bytes());
        assert_eq!(&h[4..8], &123_456u32.to_le_bytes());
        assert_eq!(&h[8..], &5u32.to_le_bytes());
    }

    #[test]
    fn seconds_beyond_2106() {
        let sec = (1u64 << 40) + 7;
        let (s, u, l) = parse_header(&header(sec, 999_999, 3));
        assert_eq!((s, u, l), (sec, 999_999, 3));
        // A classic reader masking usec still sees a valid usec.
        let h = header(sec, 999_999, 3);
        assert_eq!(
            u32::from_le_bytes([h[4], h[5], h[6], h[7]]) & USEC_MASK,
            999_999
        );
    }

    #[test]
    fn truncation_is_located() {
        let mut buf = Vec::new();
        write_frame(&mut buf, 1, 2, b"hello").unwrap();
        write_frame(&mut buf, 3, 4, b"world").unwrap();
        let (f, end) = read_all(&buf[..buf.len() - 2]);
        assert_eq!(f.len(), 1);
        assert!(matches!(end, Some(ReadError::Truncated { offset: 17 })));
        let (f, end) = read_all(&buf);
        assert_eq!((f.len(), end.is_none()), (2, true));
    }

    #[test]
    fn zstd_round_trip_and_cut() {
        let mut enc = zstd::stream::write::Encoder::new(Vec::new(), 3).unwrap();
        for i in 0..100u32 {
            write_frame(&mut enc, u64::from(i), i, format!("frame {i}\n").as_bytes()).unwrap();
        }
        enc.flush().unwrap();
        let flushed_len = enc.get_ref().len();
        for i in 100..200u32 {
            write_frame(&mut enc, u64::from(i), i, format!("frame {i}\n").as_bytes()).unwrap();
        }
        let full = enc.finish().unwrap();
        let (f, end) = read_all(&full);
        assert_eq!((f.len(), end.is_none()), (200, true));
        // What was flushed before a crash reads back whole.
        let (f, _) = read_all(&full[..flushed_len]);
        assert_eq!(f.len(), 100);
        assert_eq!(f[99].data, b"frame 99\n");
    }

    proptest! {
        #[test]
        fn frames_round_trip(frames in proptest::collection::vec((0u64..(1 << 44), 0u32..1_000_000, proptest::collection::vec(any::<u8>(), 0..300)), 0..20)) {
            let mut buf = Vec::new();
            for (s, u, d) in &frames { write_frame(&mut buf, *s, *u, d).unwrap(); }
            let (back, end) = read_all(&buf);
            prop_assert!(end.is_none());
            let back: Vec<_> = back.into_iter().map(|f| (f.sec, f.usec, f.data)).collect();
            prop_assert_eq!(back, frames);
        }

        #[test]
        fn reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..500)) {
            let _ = read_all(&bytes);
        }
    }
}
