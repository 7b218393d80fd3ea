//! `export --follow`: a live session's frames as they are recorded, across
//! its rotations, until its close seal.

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

use osh_seal::verify::{self, SessionFiles};
use osh_seal::{Kind, Seal};
use osh_ttyrec::{Frame, FrameReader, ZSTD_MAGIC};

const POLL: Duration = Duration::from_millis(200);

fn seal_of(path: &Path) -> Option<Seal> {
    let (seal, _) = osh_seal::seal_paths(path);
    Seal::parse(&std::fs::read_to_string(seal).ok()?).ok()
}

/// A segment file that is still being written: at its end, wait for more
/// until its seal says it is complete.
struct Growing {
    file: std::fs::File,
    path: PathBuf,
    pos: u64,
}

impl Read for Growing {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.file.read(buf)?;
            if n > 0 {
                self.pos += n as u64;
                return Ok(n);
            }
            if seal_of(&self.path).is_some_and(|s| s.kind.is_final() && self.pos >= s.measure.bytes)
            {
                return Ok(0);
            }
            std::thread::sleep(POLL);
        }
    }
}

/// The segment of index `k` of session `uniqid` in `dir`, once it exists.
fn segment(dir: &Path, uniqid: &str, k: u32) -> io::Result<PathBuf> {
    for _ in 0..300 {
        if let Ok(found) = verify::find(&dir.to_string_lossy(), &[]) {
            let hit = found
                .iter()
                .filter(|s| s.uniqid == uniqid)
                .flat_map(|s| &s.segments)
                .find(|g| g.seal.as_ref().is_some_and(|x| x.0.segment == k))
                .map(|g| g.path.clone());
            if let Some(p) = hit {
                return Ok(p);
            }
        }
        std::thread::sleep(POLL);
    }
    Err(io::Error::other(format!(
        "segment {k} of session {uniqid} did not appear"
    )))
}

/// Hand every frame of the session to `each`, waiting for the live ones.
pub fn frames(s: &SessionFiles, each: &mut dyn FnMut(&Frame) -> io::Result<()>) -> io::Result<()> {
    let dir = s
        .segments
        .first()
        .and_then(|g| g.path.parent())
        .map(Path::to_path_buf)
        .ok_or_else(|| io::Error::other("no segment to follow"))?;
    let mut k = 0u32;
    loop {
        let path = segment(&dir, &s.uniqid, k)?;
        let file = std::fs::File::open(&path)?;
        let mut magic = [0u8; 4];
        // A zstd segment starts with its magic number once anything is written.
        let zstd = path.to_string_lossy().ends_with(".zst");
        let reader: Box<dyn Read> = if zstd {
            let mut g = Growing {
                file,
                path: path.clone(),
                pos: 0,
            };
            g.read_exact(&mut magic)?;
            if magic != ZSTD_MAGIC {
                return Err(io::Error::other(format!(
                    "{}: not a zstd stream",
                    path.display()
                )));
            }
            Box::new(zstd::stream::read::Decoder::new(
                io::Cursor::new(magic.to_vec()).chain(g),
            )?)
        } else {
            Box::new(Growing {
                file,
                path: path.clone(),
                pos: 0,
            })
        };
        let mut fr = FrameReader::new(reader);
        loop {
            match fr.next_frame() {
                Ok(Some(f)) => each(&f)?,
                Ok(None) => break,
                Err(e) => return Err(io::Error::other(e.to_string())),
            }
        }
        match seal_of(&path).map(|x| x.kind) {
            Some(Kind::Close) | None => return Ok(()),
            _ => k += 1,
        }
    }
}
