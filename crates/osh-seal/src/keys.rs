//! The bastion's signing key and the keys that verify.
//!
//! Signing is done by the seal keeper alone ([`Signer`]). Verifying needs only
//! the public keys, kept as OpenSSH's `allowed_signers` file ([`Keyring`]):
//! the same file `ssh-keygen -Y verify -f` reads. A rotated key stays in it
//! with a `valid-before` time, so old seals still verify and a seal claimed
//! after that time by the retired key does not.

use std::path::Path;

use jiff::Timestamp;
use ssh_key::{HashAlg, LineEnding, PrivateKey, PublicKey, SshSig};

/// The bastion's private key, loaded by the keeper.
#[derive(Debug)]
pub struct Signer {
    key: PrivateKey,
    fingerprint: String,
}

impl Signer {
    /// Load an unencrypted OpenSSH private key (ed25519).
    ///
    /// # Errors
    /// Unreadable, encrypted or not an ed25519 key.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("can't read the signing key {}: {e}", path.display()))?;
        Self::from_openssh(&text)
    }

    /// From the text of an OpenSSH private key.
    ///
    /// # Errors
    /// Encrypted or not an ed25519 key.
    pub fn from_openssh(text: &str) -> Result<Self, String> {
        let key = PrivateKey::from_openssh(text).map_err(|e| format!("bad signing key: {e}"))?;
        if key.is_encrypted() {
            return Err("the signing key is passphrase-protected".into());
        }
        if key.algorithm() != ssh_key::Algorithm::Ed25519 {
            return Err(format!(
                "the signing key is {}, not ed25519",
                key.algorithm()
            ));
        }
        let fingerprint = key.public_key().fingerprint(HashAlg::Sha256).to_string();
        Ok(Self { key, fingerprint })
    }

    /// `SHA256:...` of the public key.
    #[must_use]
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The public key, OpenSSH one-line form.
    #[must_use]
    pub fn public_openssh(&self) -> String {
        self.key.public_key().to_openssh().unwrap_or_default()
    }

    /// An armored SSHSIG of `msg` in `namespace`, as `ssh-keygen -Y sign` writes it.
    ///
    /// # Errors
    /// When signing fails.
    pub fn sign(&self, namespace: &str, msg: &[u8]) -> Result<String, String> {
        let sig = self
            .key
            .sign(namespace, HashAlg::Sha512, msg)
            .map_err(|e| format!("signing failed: {e}"))?;
        sig.to_pem(LineEnding::LF)
            .map_err(|e| format!("signature encoding failed: {e}"))
    }
}

/// One line of `allowed_signers`.
#[derive(Debug, Clone)]
pub struct Allowed {
    /// Principals (comma-separated patterns in the file; we keep them whole).
    pub principals: String,
    /// `namespaces="..."`, if restricted.
    pub namespaces: Option<Vec<String>>,
    /// `valid-after`.
    pub valid_after: Option<Timestamp>,
    /// `valid-before`.
    pub valid_before: Option<Timestamp>,
    /// The key.
    pub key: PublicKey,
}

/// The keys that verify, from an `allowed_signers` file or a public key.
#[derive(Debug, Clone, Default)]
pub struct Keyring {
    /// Every key, with its limits.
    pub keys: Vec<Allowed>,
}

/// `YYYYMMDD[HHMM[SS]][Z]`, as `allowed_signers` times are written (UTC when
/// `Z`-suffixed, local time otherwise).
fn parse_time(v: &str) -> Option<Timestamp> {
    let (digits, utc) = match v.strip_suffix('Z').or_else(|| v.strip_suffix('z')) {
        Some(d) => (d, true),
        None => (v, false),
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let pad = match digits.len() {
        8 => format!("{digits}000000"),
        12 => format!("{digits}00"),
        14 => digits.to_owned(),
        _ => return None,
    };
    let dt = jiff::civil::DateTime::strptime("%Y%m%d%H%M%S", &pad).ok()?;
    let tz = if utc {
        jiff::tz::TimeZone::UTC
    } else {
        jiff::tz::TimeZone::system()
    };
    dt.to_zoned(tz).ok().map(|z| z.timestamp())
}

/// Split an options field `a="x,y",b` on commas outside quotes.
fn split_options(s: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    for c in s.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

impl Keyring {
    /// Parse `allowed_signers` text: `principals [options] keytype base64 [comment]`.
    ///
    /// # Errors
    /// A line that is none of that, with its number.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut keys = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |why: &str| format!("allowed_signers line {}: {why}", n + 1);
            let (principals, rest) = line
                .split_once(char::is_whitespace)
                .ok_or_else(|| bad("no key"))?;
            let rest = rest.trim_start();
            // Options come before the key type, which always starts with ssh- or ecdsa- / sk-.
            let is_keytype =
                |w: &str| w.starts_with("ssh-") || w.starts_with("ecdsa-") || w.starts_with("sk-");
            let (options, keytext) = match rest.split_once(char::is_whitespace) {
                Some((first, after)) if !is_keytype(first) => (Some(first), after.trim_start()),
                _ => (None, rest),
            };
            let key =
                PublicKey::from_openssh(keytext).map_err(|e| bad(&format!("bad key: {e}")))?;
            let mut s = Allowed {
                principals: principals.to_owned(),
                namespaces: None,
                valid_after: None,
                valid_before: None,
                key,
            };
            for opt in options.map(split_options).unwrap_or_default() {
                let (k, v) = opt.split_once('=').unwrap_or((opt.as_str(), ""));
                match k.to_ascii_lowercase().as_str() {
                    "namespaces" => s.namespaces = Some(v.split(',').map(str::to_owned).collect()),
                    "valid-after" => {
                        s.valid_after = Some(parse_time(v).ok_or_else(|| bad("bad valid-after"))?)
                    }
                    "valid-before" => {
                        s.valid_before = Some(parse_time(v).ok_or_else(|| bad("bad valid-before"))?)
                    }
                    "cert-authority" => {
                        return Err(bad("certificate authorities are not used for seals"));
                    }
                    _ => {}
                }
            }
            keys.push(s);
        }
        Ok(Self { keys })
    }

    /// Read an `allowed_signers` file, or a single public key file (`.pub`).
    ///
    /// # Errors
    /// Unreadable or malformed.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("can't read {}: {e}", path.display()))?;
        if let Ok(k) = PublicKey::from_openssh(text.trim()) {
            return Ok(Self {
                keys: vec![Allowed {
                    principals: crate::PRINCIPAL.into(),
                    namespaces: None,
                    valid_after: None,
                    valid_before: None,
                    key: k,
                }],
            });
        }
        Self::parse(&text)
    }

    /// Check an armored SSHSIG of `msg` in `namespace`, made at `at`: the
    /// fingerprint of the key that made it.
    ///
    /// # Errors
    /// What is wrong, in words.
    pub fn verify(
        &self,
        namespace: &str,
        msg: &[u8],
        pem: &str,
        at: Option<Timestamp>,
    ) -> Result<String, String> {
        let sig = SshSig::from_pem(pem).map_err(|e| format!("unreadable signature: {e}"))?;
        if sig.namespace() != namespace {
            return Err(format!(
                "signature made for {:?}, not {namespace:?}",
                sig.namespace()
            ));
        }
        let signer = self
            .keys
            .iter()
            .find(|s| s.key.key_data() == sig.public_key())
            .ok_or("signed by a key that is not among the bastion's keys")?;
        if let Some(ns) = &signer.namespaces
            && !ns.iter().any(|n| n == namespace)
        {
            return Err(format!("the key is not allowed to sign {namespace}"));
        }
        if let Some(at) = at {
            if signer.valid_after.is_some_and(|t| at < t) {
                return Err("signed before the key's valid-after time".into());
            }
            if signer.valid_before.is_some_and(|t| at >= t) {
                return Err("signed after the key was retired (valid-before)".into());
            }
        }
        signer
            .key
            .verify(namespace, msg, &sig)
            .map_err(|_| "the signature does not match the content".to_owned())?;
        Ok(signer.key.fingerprint(HashAlg::Sha256).to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A throwaway key made with `ssh-keygen -t ed25519 -N ''` for the tests only.
    const KEY: &str = include_str!("../testdata/seal_test_key");

    #[test]
    fn sign_and_verify_with_limits() {
        let s = Signer::from_openssh(KEY).unwrap();
        let pem = s.sign("osh-seal", b"hello").unwrap();
        let ring = Keyring::parse(&format!(
            "# the bastion's keys\nosh-seal namespaces=\"osh-seal,osh-ledger\",valid-after=\"20260101Z\" {}\n",
            s.public_openssh()
        ))
        .unwrap();
        let now = Timestamp::now();
        assert_eq!(
            ring.verify("osh-seal", b"hello", &pem, Some(now)).unwrap(),
            s.fingerprint()
        );
        assert!(ring.verify("osh-seal", b"hellp", &pem, Some(now)).is_err());
        assert!(ring.verify("file", b"hello", &pem, Some(now)).is_err());
        let early: Timestamp = "2025-06-01T00:00:00Z".parse().unwrap();
        assert!(
            ring.verify("osh-seal", b"hello", &pem, Some(early))
                .unwrap_err()
                .contains("valid-after")
        );
        let retired = Keyring::parse(&format!(
            "osh-seal valid-before=\"20260601120000Z\" {}\n",
            s.public_openssh()
        ))
        .unwrap();
        assert!(
            retired
                .verify("osh-seal", b"hello", &pem, Some(now))
                .unwrap_err()
                .contains("retired")
        );
        assert!(
            Keyring::default()
                .verify("osh-seal", b"hello", &pem, None)
                .is_err()
        );
        assert!(Keyring::parse("osh-seal ssh-ed25519 notbase64\n").is_err());
    }
}
