//! Sealed recordings.
//!
//! While it records, the recorder hashes every segment (SHA-256 of the bytes
//! on disk, compressed or not) and its terminal-size sidecar. At the session's
//! start, at every checkpoint, at every rotation and at the end it asks
//! `osh-seal` (setuid to the seal keeper, the only reader of the bastion's
//! signing key) to sign a [`Seal`]: a small JSON document naming the session,
//! the segment and its hash so far, chained to the previous segment's final
//! hash and to the previous seal. The seal is written beside the segment
//! (`SEGMENT.seal`, and its SSHSIG in `SEGMENT.seal.sig`, which
//! `ssh-keygen -Y verify` checks), appended to the keeper's hash-chained
//! [`ledger`], and sent to syslog as a witness copy.
//!
//! What signs: [`keys::Signer`]; what verifies, offline, with nothing but
//! the public keys: [`keys::Keyring`] and [`verify`].

pub mod export;
pub mod keeper;
pub mod keys;
pub mod ledger;
pub mod verify;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// SSHSIG namespace of seals (`ssh-keygen -Y verify -n osh-seal`).
pub const SEAL_NAMESPACE: &str = "osh-seal";
/// SSHSIG namespace of ledger entries.
pub const LEDGER_NAMESPACE: &str = "osh-ledger";
/// The principal of the bastion's keys in `allowed_signers`.
pub const PRINCIPAL: &str = "osh-seal";
/// The seal keeper's home: its private key, the published keys, the ledger.
pub const KEEPER_HOME: &str = "/home/sealkeeper";
/// The private key (0400, the keeper's).
pub const PRIVATE_KEY: &str = "/home/sealkeeper/private/seal_ed25519";
/// Every public key the bastion ever sealed with, for `ssh-keygen -Y verify`.
pub const ALLOWED_SIGNERS: &str = "/home/sealkeeper/allowed_signers";
/// The public key sealing now.
pub const PUBLIC_KEY: &str = "/home/sealkeeper/seal_ed25519.pub";
/// The ledger's directory (`ledger-YYYYMM.jsonl`).
pub const LEDGER_DIR: &str = "/home/sealkeeper/ledger";
/// The format tag of a seal.
pub const FORMAT: &str = "osh-seal-v1";

/// Extension of a seal beside its segment, and of its signature.
pub const SEAL_EXT: &str = "seal";
/// Extension of a seal's SSHSIG.
pub const SIG_EXT: &str = "seal.sig";

/// When a seal was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The session started: segment 0, nothing recorded yet.
    Open,
    /// A periodic checkpoint of the current segment.
    Checkpoint,
    /// The segment's end, as the recorder moves to the next one.
    Rotate,
    /// The session's end: its last segment's final seal.
    Close,
}

impl Kind {
    /// As written.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Checkpoint => "checkpoint",
            Self::Rotate => "rotate",
            Self::Close => "close",
        }
    }

    /// Whether the segment is complete at this seal.
    #[must_use]
    pub fn is_final(self) -> bool {
        matches!(self, Self::Rotate | Self::Close)
    }
}

/// What the recorder measured of a segment when it asked for a seal: the
/// part of a seal the keeper signs as it is given (the rest it names itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measure {
    /// Frames in the segment so far.
    pub frames: u64,
    /// Bytes of the segment file so far (sealed from the file's start).
    pub bytes: u64,
    /// SHA-256 of those bytes.
    pub sha256: String,
    /// First frame's time (`sec.usec`), if any.
    pub first: Option<String>,
    /// Last frame's time.
    pub last: Option<String>,
    /// Bytes of the `.winsize` sidecar so far.
    pub winsize_bytes: u64,
    /// Their SHA-256.
    pub winsize_sha256: String,
    /// The previous segment's final hash (a chain across segments).
    pub prev_segment_sha256: Option<String>,
    /// SHA-256 of the previous seal of the session (a chain of seals).
    pub prev_seal_sha256: Option<String>,
}

/// What the recorder asks the keeper to seal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealRequest {
    /// Why now.
    pub kind: Kind,
    /// The session.
    pub uniqid: String,
    /// `user@host:port`, or the plugin's name.
    pub target: String,
    /// 0 for the first segment.
    pub segment: u32,
    /// The segment's full path.
    pub path: String,
    /// This seal's number in the session (0 for the open seal).
    pub seq: u64,
    /// The segment as measured.
    #[serde(flatten)]
    pub measure: Measure,
}

/// A signed statement about a segment: the document written as
/// `SEGMENT.seal`. Field order is the written order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seal {
    /// [`FORMAT`].
    pub format: String,
    /// Why it was made.
    pub kind: Kind,
    /// Its number in the session.
    pub seq: u64,
    /// The bastion's name.
    pub bastion: String,
    /// The session.
    pub uniqid: String,
    /// The account, as the seal keeper saw its caller (not as claimed).
    pub account: String,
    /// Where the session went.
    pub target: String,
    /// The segment's index.
    pub segment: u32,
    /// The segment's file name (no directory: the files may move).
    pub file: String,
    /// What it seals of the segment.
    #[serde(flatten)]
    pub measure: Measure,
    /// When it was signed (UTC, RFC 3339).
    pub time: String,
    /// The signing key's fingerprint (`SHA256:...`).
    pub key: String,
}

impl Seal {
    /// The exact bytes written and signed: one line of JSON.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut s = serde_json::to_string(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Parse a seal document.
    ///
    /// # Errors
    /// When it is not a seal of our format.
    pub fn parse(text: &str) -> Result<Self, String> {
        let s: Self = serde_json::from_str(text).map_err(|e| format!("not a seal: {e}"))?;
        if s.format != FORMAT {
            return Err(format!("unknown seal format {:?}", s.format));
        }
        Ok(s)
    }
}

/// Lower-case hex of `bytes`.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// SHA-256 of `bytes`, in hex.
#[must_use]
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// SHA-256 of nothing: the hash of a segment before its first byte.
#[must_use]
pub fn empty_sha256() -> String {
    sha256_hex(b"")
}

/// Whether `s` is a SHA-256 in lower-case hex.
#[must_use]
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The seal and signature paths of a segment.
#[must_use]
pub fn seal_paths(segment: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let s = segment.as_os_str().to_string_lossy();
    (
        std::path::PathBuf::from(format!("{s}.{SEAL_EXT}")),
        std::path::PathBuf::from(format!("{s}.{SIG_EXT}")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes() {
        assert_eq!(
            empty_sha256(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert!(is_sha256(&empty_sha256()));
        assert!(!is_sha256("E3B0") && !is_sha256(&"g".repeat(64)));
    }
}
