//! What `osh-seal` (setuid to the seal keeper) does with a request: check
//! it, name the account from the caller's real uid (never from the
//! request), sign the seal, and append it to the ledger.

use std::path::Path;

use crate::keys::Signer;
use crate::ledger::{self, Entry};
use crate::{FORMAT, Kind, SEAL_NAMESPACE, Seal, SealRequest, is_sha256};

/// A made seal: its document, its signature, and its ledger entry.
#[derive(Debug, Clone)]
pub struct Made {
    /// The seal.
    pub seal: Seal,
    /// Its text, as signed and written.
    pub text: String,
    /// Its armored SSHSIG.
    pub sig: String,
    /// The ledger entry written for it.
    pub entry: Entry,
}

fn time_ok(t: Option<&String>) -> bool {
    t.is_none_or(|t| {
        t.split_once('.').is_some_and(|(s, u)| {
            !s.is_empty()
                && s.len() <= 14
                && u.len() == 6
                && (s.to_owned() + u).bytes().all(|b| b.is_ascii_digit())
        })
    })
}

fn text_ok(s: &str, max: usize) -> bool {
    !s.is_empty() && s.len() <= max && !s.chars().any(char::is_control)
}

/// Check a request from an account.
///
/// # Errors
/// What is wrong with it.
pub fn check(r: &SealRequest) -> Result<(), String> {
    if r.uniqid.is_empty()
        || r.uniqid.len() > 64
        || !r.uniqid.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Err("bad uniqid".into());
    }
    if !text_ok(&r.target, 512) {
        return Err("bad target".into());
    }
    if !r.path.starts_with('/') || !text_ok(&r.path, 4096) || r.path.split('/').any(|c| c == "..") {
        return Err("bad path".into());
    }
    if !is_sha256(&r.measure.sha256) || !is_sha256(&r.measure.winsize_sha256) {
        return Err("bad hash".into());
    }
    for h in [&r.measure.prev_segment_sha256, &r.measure.prev_seal_sha256]
        .into_iter()
        .flatten()
    {
        if !is_sha256(h) {
            return Err("bad previous hash".into());
        }
    }
    if !time_ok(r.measure.first.as_ref()) || !time_ok(r.measure.last.as_ref()) {
        return Err("bad frame time".into());
    }
    let first_seal = r.kind == Kind::Open;
    if first_seal != (r.seq == 0) || first_seal != r.measure.prev_seal_sha256.is_none() {
        return Err("only the open seal is the first of its session".into());
    }
    if first_seal && (r.segment != 0 || r.measure.frames != 0) {
        return Err("the open seal is of an empty first segment".into());
    }
    if (r.segment == 0) != r.measure.prev_segment_sha256.is_none() {
        return Err("every segment but the first chains to the one before".into());
    }
    Ok(())
}

/// Make the seal `r` asks for, for `account` on `bastion`, at `now`, and
/// append it to the ledger in `ledger_dir` (`month` is `YYYYMM`).
///
/// # Errors
/// A refused request, or the ledger or the key failing.
pub fn make(
    r: &SealRequest,
    account: &str,
    bastion: &str,
    signer: &Signer,
    ledger_dir: &Path,
    now: jiff::Timestamp,
    month: &str,
) -> Result<Made, String> {
    check(r)?;
    let file = Path::new(&r.path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or("bad path")?;
    let seal = Seal {
        format: FORMAT.into(),
        kind: r.kind,
        seq: r.seq,
        bastion: bastion.to_owned(),
        uniqid: r.uniqid.clone(),
        account: account.to_owned(),
        target: r.target.clone(),
        segment: r.segment,
        file,
        measure: r.measure.clone(),
        time: now.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        key: signer.fingerprint().to_owned(),
    };
    let text = seal.to_text();
    let sig = signer.sign(SEAL_NAMESPACE, text.as_bytes())?;
    let entry = Entry::of_seal(&seal, &crate::sha256_hex(text.as_bytes()), &r.path);
    // A final seal is synced: the ledger then holds the session's end even if the host dies.
    let entry = ledger::append(ledger_dir, signer, entry, month, seal.kind.is_final())?;
    Ok(Made {
        seal,
        text,
        sig,
        entry,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Keyring;

    fn req(kind: Kind, seq: u64, segment: u32) -> SealRequest {
        SealRequest {
            kind,
            uniqid: "0123456789ab".into(),
            target: "root@192.0.2.1:22".into(),
            segment,
            path: format!("/home/bob/ttyrec/192.0.2.1/s.0123456789ab.{segment}.ttyrec"),
            seq,
            measure: crate::Measure {
                frames: 0,
                bytes: 0,
                sha256: crate::empty_sha256(),
                first: None,
                last: None,
                winsize_bytes: 0,
                winsize_sha256: crate::empty_sha256(),
                prev_segment_sha256: (segment > 0).then(crate::empty_sha256),
                prev_seal_sha256: (seq > 0).then(crate::empty_sha256),
            },
        }
    }

    #[test]
    fn seals_chain_in_the_ledger() {
        let dir = tempfile::tempdir().unwrap();
        let key = include_str!("../testdata/seal_test_key");
        let signer = Signer::from_openssh(key).unwrap();
        let ring = Keyring::parse(&format!("osh-seal {}", signer.public_openssh())).unwrap();
        let now = jiff::Timestamp::now();
        let a = make(
            &req(Kind::Open, 0, 0),
            "bob",
            "b1",
            &signer,
            dir.path(),
            now,
            "202611",
        )
        .unwrap();
        assert_eq!(a.seal.account, "bob");
        ring.verify(SEAL_NAMESPACE, a.text.as_bytes(), &a.sig, Some(now))
            .unwrap();
        let b = make(
            &req(Kind::Close, 1, 0),
            "bob",
            "b1",
            &signer,
            dir.path(),
            now,
            "202612",
        )
        .unwrap();
        assert_eq!((a.entry.n, b.entry.n), (0, 1));
        let checked = ledger::check(dir.path(), &ring);
        assert!(checked.problems.is_empty(), "{:?}", checked.problems);
        assert_eq!(checked.entries.len(), 2);
        // An edited line is caught, and so is the chain after it.
        let f = ledger::file_for(dir.path(), "202611");
        let text = std::fs::read_to_string(&f).unwrap().replace("bob", "eve");
        std::fs::write(&f, text).unwrap();
        let checked = ledger::check(dir.path(), &ring);
        assert_eq!(checked.problems.len(), 2, "{:?}", checked.problems);
    }

    #[test]
    fn refusals() {
        assert!(check(&req(Kind::Open, 0, 0)).is_ok());
        let mut r = req(Kind::Open, 0, 0);
        r.uniqid = "../x".into();
        assert!(check(&r).is_err());
        let mut r = req(Kind::Checkpoint, 1, 0);
        r.target = "a\nb".into();
        assert!(check(&r).is_err());
        assert!(check(&req(Kind::Checkpoint, 0, 0)).is_err());
        assert!(check(&req(Kind::Open, 1, 0)).is_err());
        let mut r = req(Kind::Checkpoint, 2, 1);
        r.measure.prev_segment_sha256 = None;
        assert!(check(&r).is_err());
        let mut r = req(Kind::Checkpoint, 2, 0);
        r.path = "/home/bob/../alice/x".into();
        assert!(check(&r).is_err());
    }
}
