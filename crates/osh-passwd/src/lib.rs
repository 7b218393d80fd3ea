//! Egress passwords, as The Bastion hands them out: a random password of a
//! chosen length, and the hashes an admin installs on the target (Unix
//! `crypt` formats, and Cisco's type 8 and type 9 for network devices).
//!
//! The salts derive from the password itself (HMAC-SHA256, one label per
//! format), so a listing shows the same hashes every time without storing
//! them, as The Bastion's listing does.

use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

/// The characters of a password: letters, digits and the three specials
/// that picky network devices (TL1) accept.
const CHARSET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+%#";

/// The alphabet of crypt salts and of Cisco's base64.
const CRYPT64: &[u8] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The sizes a password may have.
pub const SIZES: std::ops::RangeInclusive<usize> = 8..=127;

/// Why a password could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

/// A new random password of `size` characters (within [`SIZES`]).
pub fn generate(size: usize) -> Result<String, Error> {
    if !SIZES.contains(&size) {
        return Err(Error(format!(
            "The size must be between {} and {}",
            SIZES.start(),
            SIZES.end()
        )));
    }
    let mut out = String::with_capacity(size);
    // Rejection sampling: no character is likelier than another.
    let limit = 256 - 256 % CHARSET.len();
    let mut buf = [0u8; 64];
    while out.len() < size {
        getrandom::fill(&mut buf).map_err(|e| Error(format!("no randomness: {e}")))?;
        for b in buf {
            if usize::from(b) < limit && out.len() < size {
                out.push(char::from(CHARSET[usize::from(b) % CHARSET.len()]));
            }
        }
    }
    Ok(out)
}

/// The hashes of a password, by The Bastion's names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hashes {
    /// `$1$`: md5crypt.
    pub md5crypt: String,
    /// `$5$`: sha256crypt.
    pub sha256crypt: String,
    /// `$6$`: sha512crypt.
    pub sha512crypt: String,
    /// Cisco type 8: PBKDF2-HMAC-SHA256, 20,000 rounds.
    pub type8: String,
    /// Cisco type 9: scrypt, N=16384, r=1, p=1.
    pub type9: String,
}

/// A salt of `len` crypt64 characters for `label`, from the password.
fn salt(password: &str, label: &str, len: usize) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(password.as_bytes()) else {
        return ".".repeat(len);
    };
    mac.update(label.as_bytes());
    let d = mac.finalize().into_bytes();
    d.iter()
        .take(len)
        .map(|b| char::from(CRYPT64[usize::from(*b) % CRYPT64.len()]))
        .collect()
}

/// Base64 with the crypt64 alphabet, unpadded, as Cisco writes it.
fn cisco64(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        let chars = chunk.len() + 1;
        for i in 0..chars {
            let idx = (n >> (18 - 6 * i)) & 63;
            out.push(char::from(CRYPT64[idx as usize]));
        }
    }
    out
}

/// Every hash of `password`. The crypt formats are old (pwhash marks them
/// deprecated for storing users' passwords); they are what the targets'
/// own password files and devices take, which is what these are for.
#[allow(deprecated)]
pub fn hashes(password: &str) -> Result<Hashes, Error> {
    fn bad(what: &'static str) -> impl Fn(pwhash::error::Error) -> Error {
        move |e| Error(format!("{what}: {e}"))
    }
    let setup = |prefix: &str, label: &str, len| format!("{prefix}{}$", salt(password, label, len));
    let md5crypt = pwhash::md5_crypt::hash_with(setup("$1$", "$1", 8).as_str(), password)
        .map_err(bad("md5crypt"))?;
    let sha256crypt = pwhash::sha256_crypt::hash_with(setup("$5$", "$5", 16).as_str(), password)
        .map_err(bad("sha256crypt"))?;
    let sha512crypt = pwhash::sha512_crypt::hash_with(setup("$6$", "$6", 16).as_str(), password)
        .map_err(bad("sha512crypt"))?;
    let s8 = salt(password, "$8", 14);
    let mut k8 = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), s8.as_bytes(), 20_000, &mut k8);
    let s9 = salt(password, "$9", 14);
    let mut k9 = [0u8; 32];
    let params = scrypt::Params::new(14, 1, 1, 32).map_err(|e| Error(format!("scrypt: {e}")))?;
    scrypt::scrypt(password.as_bytes(), s9.as_bytes(), &params, &mut k9)
        .map_err(|e| Error(format!("scrypt: {e}")))?;
    Ok(Hashes {
        md5crypt,
        sha256crypt,
        sha512crypt,
        type8: format!("$8${s8}${}", cisco64(&k8)),
        type9: format!("$9${s9}${}", cisco64(&k9)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_have_the_size_and_characters_asked() {
        let p = generate(17).unwrap_or_default();
        assert_eq!(p.len(), 17);
        assert!(p.bytes().all(|b| CHARSET.contains(&b)));
        assert_ne!(generate(17).unwrap_or_default(), p);
        assert!(generate(7).is_err() && generate(128).is_err());
    }

    #[test]
    fn hashes_verify_and_are_stable() {
        let h = hashes("correct horse").unwrap_or_else(|e| panic!("{e:?}"));
        assert!(h.md5crypt.starts_with("$1$"));
        assert!(pwhash::unix::verify("correct horse", &h.md5crypt));
        assert!(pwhash::unix::verify("correct horse", &h.sha256crypt));
        assert!(pwhash::unix::verify("correct horse", &h.sha512crypt));
        assert!(!pwhash::unix::verify("wrong", &h.sha512crypt));
        assert_eq!(hashes("correct horse").ok(), Some(h.clone()));
        // $8$ + 14 salt + $ + 43 characters of a 32-byte hash, as Cisco prints it.
        assert_eq!(h.type8.len(), 3 + 14 + 1 + 43);
        assert_eq!(h.type9.len(), 3 + 14 + 1 + 43);
        assert_eq!(cisco64(b"\xff\xff\xff"), "zzzz");
        assert_eq!(cisco64(&[0, 0, 0]), "....");
    }
}
