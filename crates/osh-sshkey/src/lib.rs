//! OpenSSH public key lines, as accounts paste them.
//!
//! The key blob is decoded here rather than handed to `ssh-keygen -l` (what The
//! Bastion forks once per key): the wire format is small and fixed, and decoding
//! it ourselves also proves that the base64 is a key of the type it claims, not
//! just text that looks like one. Tests compare our size and fingerprint with
//! `ssh-keygen`'s on freshly generated keys.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use serde::Serialize;
use sha2::{Digest as _, Sha256};

/// The longest line accepted, as upstream.
pub const MAX_LINE: usize = 3000;

/// A parsed public key line. Serialises to The Bastion's key object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicKey {
    /// Options before the key type, e.g. `from="10.0.0.0/8"`; empty if none.
    pub prefix: String,
    /// `ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`, ...
    pub typecode: String,
    /// The key blob, base64 as pasted.
    pub base64: String,
    /// The comment, if any (at most 128 characters).
    pub comment: Option<String>,
    /// The normalised line: `[prefix ]typecode base64[ comment]`.
    pub line: String,
    /// The networks of a `from="..."` prefix.
    pub from_list: Vec<String>,
    /// Key size in bits.
    pub size: u32,
    /// `SHA256:` fingerprint, as `ssh-keygen -l` prints it.
    pub fingerprint: String,
    /// `RSA`, `ECDSA`, `ED25519`, `ECDSA-SK`, `ED25519-SK`, `DSA`.
    pub family: String,
}

/// Why a line is not an acceptable public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// Someone pasted a private key.
    PrivateKey,
    /// The line is not a public key; carries the cleaned line.
    NotAKey(String),
}

impl PublicKey {
    /// Parse one line: `[options ]type base64[ comment]`. CR and LF are removed first.
    pub fn parse(input: &str) -> Result<Self, KeyError> {
        let cleaned: String = input.chars().filter(|c| *c != '\r' && *c != '\n').collect();
        if cleaned.contains("PRIVATE KEY") {
            return Err(KeyError::PrivateKey);
        }
        let not_a_key = || KeyError::NotAKey(cleaned.clone());
        if cleaned.len() > MAX_LINE {
            return Err(not_a_key());
        }
        let words: Vec<&str> = cleaned.split_ascii_whitespace().collect();
        let type_at = words
            .iter()
            .position(|w| family_of(w).is_some())
            .ok_or_else(not_a_key)?;
        // At most one options word before the type (upstream's grammar).
        if type_at > 1 {
            return Err(not_a_key());
        }
        let prefix = if type_at == 1 {
            words[0].to_owned()
        } else {
            String::new()
        };
        let typecode = words[type_at].to_owned();
        let b64 = (*words.get(type_at + 1).ok_or_else(not_a_key)?).to_owned();
        if !b64
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
        {
            return Err(not_a_key());
        }
        let comment = {
            let rest = words.get(type_at + 2..).unwrap_or_default().join(" ");
            if rest.chars().count() > 128 {
                return Err(not_a_key());
            }
            (!rest.is_empty()).then_some(rest)
        };
        let blob = STANDARD.decode(&b64).map_err(|_| not_a_key())?;
        let size = key_size(&typecode, &blob).ok_or_else(not_a_key)?;
        let fingerprint = format!("SHA256:{}", STANDARD_NO_PAD.encode(Sha256::digest(&blob)));
        let from_list = parse_from(&prefix);
        let mut line = format!("{typecode} {b64}");
        if let Some(c) = &comment {
            line = format!("{line} {c}");
        }
        if !prefix.is_empty() {
            line = format!("{prefix} {line}");
        }
        Ok(Self {
            family: family_of(&typecode).unwrap_or_default().to_owned(),
            prefix,
            typecode,
            base64: b64,
            comment,
            line,
            from_list,
            size,
            fingerprint,
        })
    }

    /// The same key with a `from="a,b"` prefix (an empty list removes it).
    #[must_use]
    pub fn with_from(&self, from: &[String]) -> Self {
        let mut k = self.clone();
        k.prefix = if from.is_empty() {
            String::new()
        } else {
            format!("from=\"{}\"", from.join(","))
        };
        k.from_list = from.to_vec();
        let bare = match &k.comment {
            Some(c) => format!("{} {} {c}", k.typecode, k.base64),
            None => format!("{} {}", k.typecode, k.base64),
        };
        k.line = if k.prefix.is_empty() {
            bare
        } else {
            format!("{} {bare}", k.prefix)
        };
        k
    }

    /// A short id for the key, stable across listings (`id` and 8 hex
    /// digits of the SHA-256 of its blob), as `groupDelEgressKey --id` takes.
    #[must_use]
    pub fn id(&self) -> String {
        let d = Sha256::digest(self.base64.as_bytes());
        let hex: String = d.iter().take(4).map(|b| format!("{b:02x}")).collect();
        format!("id{hex}")
    }

    /// The algorithm name used in `allowed*SshAlgorithms` (`rsa`, `ecdsa`, `ed25519-sk`, ...).
    #[must_use]
    pub fn algorithm(&self) -> String {
        self.family.to_ascii_lowercase()
    }
}

fn family_of(typecode: &str) -> Option<&'static str> {
    Some(match typecode {
        "ssh-rsa" => "RSA",
        "ssh-dss" => "DSA",
        "ssh-ed25519" => "ED25519",
        "ecdsa-sha2-nistp256" | "ecdsa-sha2-nistp384" | "ecdsa-sha2-nistp521" => "ECDSA",
        "sk-ssh-ed25519@openssh.com" => "ED25519-SK",
        "sk-ecdsa-sha2-nistp256@openssh.com" => "ECDSA-SK",
        _ => return None,
    })
}

fn parse_from(prefix: &str) -> Vec<String> {
    let Some(rest) = prefix
        .strip_prefix("from=")
        .and_then(|r| r.strip_prefix(['"', '\'']))
    else {
        return Vec::new();
    };
    let list: String = rest
        .chars()
        .take_while(|c| !matches!(c, ' ' | '"' | '\''))
        .collect();
    list.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Reads SSH wire-format strings (u32 big-endian length + bytes).
struct Wire<'a>(&'a [u8]);

impl<'a> Wire<'a> {
    fn string(&mut self) -> Option<&'a [u8]> {
        let len_bytes: [u8; 4] = self.0.get(..4)?.try_into().ok()?;
        let len = usize::try_from(u32::from_be_bytes(len_bytes)).ok()?;
        let s = self.0.get(4..4 + len)?;
        self.0 = &self.0[4 + len..];
        Some(s)
    }
}

/// Bits of a big-endian unsigned integer (an SSH mpint without its sign byte).
fn mpint_bits(n: &[u8]) -> u32 {
    let n = match n.iter().position(|b| *b != 0) {
        Some(i) => &n[i..],
        None => return 0,
    };
    let len = u32::try_from(n.len()).unwrap_or(u32::MAX);
    len.saturating_mul(8) - n[0].leading_zeros()
}

fn key_size(typecode: &str, blob: &[u8]) -> Option<u32> {
    let mut w = Wire(blob);
    if w.string()? != typecode.as_bytes() {
        return None;
    }
    let size = match typecode {
        "ssh-rsa" => {
            let _e = w.string()?;
            mpint_bits(w.string()?)
        }
        "ssh-dss" => {
            let p = w.string()?;
            for _ in 0..3 {
                w.string()?;
            }
            mpint_bits(p)
        }
        "ssh-ed25519" | "sk-ssh-ed25519@openssh.com" => {
            if w.string()?.len() != 32 {
                return None;
            }
            if typecode.starts_with("sk-") {
                w.string()?;
            }
            256
        }
        _ => {
            let curve = w.string()?;
            let (name, bits, point_len) = match curve {
                b"nistp256" => ("nistp256", 256, 65),
                b"nistp384" => ("nistp384", 384, 97),
                b"nistp521" => ("nistp521", 521, 133),
                _ => return None,
            };
            if !typecode.contains(name) || w.string()?.len() != point_len {
                return None;
            }
            if typecode.starts_with("sk-") {
                w.string()?;
            }
            bits
        }
    };
    // Trailing garbage means the blob is not what it claims to be.
    w.0.is_empty().then_some(size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    // Vectors from The Bastion's 330-selfkeys functional test.
    const RSA1024: &str = "AAAAB3NzaC1yc2EAAAADAQABAAAAgQDNbJemAKF6u4xZtbbkHtQeXeh9EvsYgBdUlnES1oBSS/ICKU7lcUrW4UvUpYLQ0+N1f0XaYfGO01BnEPwJDYJngkybh1Qwo6IbCBySpIFJG7ToK4M1U2arALGelwgoVP3AE+HoLjSH9W0ZisBvWtiyCekBWnzf+kD5hLkblPXYkQ==";

    #[test]
    fn rsa1024_vector() {
        let k = PublicKey::parse(&format!("ssh-rsa {RSA1024} test@rsa1024\n")).unwrap();
        assert_eq!(k.size, 1024);
        assert_eq!(k.family, "RSA");
        assert_eq!(
            k.fingerprint,
            "SHA256:tHu5MD2vgUWxduQUnXqtHaRCCbez7CB9hOvD7zMZu/U"
        );
        assert_eq!(k.comment.as_deref(), Some("test@rsa1024"));
        assert_eq!(k.line, format!("ssh-rsa {RSA1024} test@rsa1024"));
        assert_eq!(k.prefix, "");
    }

    #[test]
    fn from_prefix() {
        let k =
            PublicKey::parse(&format!("from=\"1.2.3.4,10.0.0.0/8\" ssh-rsa {RSA1024}")).unwrap();
        assert_eq!(k.from_list, vec!["1.2.3.4", "10.0.0.0/8"]);
        assert_eq!(k.prefix, "from=\"1.2.3.4,10.0.0.0/8\"");
        let k2 = k.with_from(&[]);
        assert_eq!(k2.line, format!("ssh-rsa {RSA1024}"));
    }

    #[test]
    fn refusals() {
        assert_eq!(
            PublicKey::parse("-----BEGIN OPENSSH PRIVATE KEY-----\nabc"),
            Err(KeyError::PrivateKey)
        );
        assert!(matches!(PublicKey::parse("bogus"), Err(KeyError::NotAKey(l)) if l == "bogus"));
        assert!(matches!(PublicKey::parse(""), Err(KeyError::NotAKey(_))));
        // Type mismatch between the line and the blob.
        assert!(PublicKey::parse(&format!("ssh-ed25519 {RSA1024}")).is_err());
        // Truncated blob.
        assert!(PublicKey::parse(&format!("ssh-rsa {}", &RSA1024[..40])).is_err());
        // Too long a comment.
        assert!(PublicKey::parse(&format!("ssh-rsa {RSA1024} {}", "c".repeat(129))).is_err());
    }

    /// ssh-keygen is the oracle: our size and fingerprint must be its.
    #[test]
    fn matches_ssh_keygen() {
        if Command::new("ssh-keygen").arg("-?").output().is_err() {
            panic!("ssh-keygen is needed for this test (apt-get install openssh-client)");
        }
        let dir = tempfile::tempdir().unwrap();
        for (t, b) in [
            ("ed25519", ""),
            ("ecdsa", "256"),
            ("ecdsa", "384"),
            ("ecdsa", "521"),
            ("rsa", "2048"),
            ("rsa", "3072"),
        ] {
            let f = dir.path().join(format!("k{t}{b}"));
            let mut c = Command::new("ssh-keygen");
            c.args(["-q", "-N", "", "-C", "me@x", "-t", t, "-f"])
                .arg(&f);
            if !b.is_empty() {
                c.args(["-b", b]);
            }
            assert!(c.status().unwrap().success());
            let pubf = f.with_extension("pub");
            let line = std::fs::read_to_string(&pubf).unwrap();
            let k = PublicKey::parse(&line).unwrap();
            let out = Command::new("ssh-keygen")
                .arg("-l")
                .arg("-f")
                .arg(&pubf)
                .output()
                .unwrap();
            let out = String::from_utf8(out.stdout).unwrap();
            let expect = format!("{} {} me@x ({})", k.size, k.fingerprint, k.family);
            assert_eq!(out.trim(), expect);
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in ".{0,400}") {
            let _ = PublicKey::parse(&s);
        }
    }
}
