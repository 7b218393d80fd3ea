//! `osh-backup-acl-keys`: what a fresh bastion needs to become this one
//! again (accounts, groups, ACLs, keys, config, host keys), in one tarball,
//! encrypted and signed, pushed by scp, old ones pruned; and its restore.
//!
//! Recordings, logs and databases are not in it: they are evidence, and go
//! through osh-encrypt-rsync. The tarball is made by GNU tar with owners as
//! numbers, modes, ACLs and extended attributes, so a restore on a fresh
//! install gives every file back to the same uid with the same rights.

use std::os::unix::fs::DirBuilderExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use crate::layers::{Encryptor, Kind, Layer, Signer};
use crate::tool::{Error, Reporter, Result, shell_value};

pub const TOOL: &str = "osh-backup-acl-keys";

/// What goes in, when present (The Bastion's list, with osh's paths).
pub const ENTRIES: &[&str] = &[
    "/home/",
    "/etc/ssh",
    "/etc/passwd",
    "/etc/group",
    "/etc/shadow",
    "/etc/gshadow",
    "/etc/subuid",
    "/etc/subgid",
    "/etc/bastion",
    "/etc/sudoers.d",
    "/root/.ssh",
    "/root/.gnupg",
    "/var/otp",
    "/var/lib/osh",
];

/// What stays out: recordings, logs, databases, archives (and the backups);
/// and the seal key: whoever holds a backup must not be able to sign a
/// recording. A restored bastion gets a new seal key (the old one's public
/// half, in the restored `allowed_signers`, still verifies what it sealed).
pub const EXCLUDES: &[&str] = &[
    "home/sealkeeper/private",
    ".encrypt",
    "ttyrec",
    "*.sqlite",
    "*.sqlite-wal",
    "*.sqlite-shm",
    "*.log",
    "*.ttyrec",
    "*.ttyrec.zst",
    "*.gpg",
    "*.age",
    "*.gz",
    "*.zst",
    "*.archived",
];

#[derive(Debug, Clone)]
pub struct Config {
    pub logfile: String,
    pub facility: String,
    pub enabled: bool,
    pub destdir: PathBuf,
    pub days_to_keep: u64,
    pub gpg_keys: Vec<String>,
    pub signer: Option<Signer>,
    pub push_remote: String,
    pub push_options: Vec<String>,
}

impl Config {
    /// `None`: not configured (no DESTDIR), as it ships.
    pub fn from_pairs(c: &[(String, String)]) -> Result<Option<Self>> {
        let get = |k: &str| shell_value(c, k).unwrap_or("").to_owned();
        let destdir = get("DESTDIR");
        if destdir.is_empty() {
            return Ok(None);
        }
        let destdir = PathBuf::from(destdir);
        if !destdir.is_absolute() {
            return Err(Error::new("DESTDIR: must be an absolute path"));
        }
        let days = shell_value(c, "DAYSTOKEEP").unwrap_or("90");
        let days_to_keep: u64 = days.parse().ok().filter(|d| *d > 0).ok_or_else(|| {
            Error::new(format!("DAYSTOKEEP: {days:?} is not a number of days > 0"))
        })?;
        let key = get("SIGNING_KEY");
        // Each goes to gpg as an argument: nothing it could read as an option.
        let gpg_keys: Vec<String> = get("GPGKEYS")
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        if let Some(bad) = gpg_keys
            .iter()
            .chain(std::iter::once(&key))
            .find(|k| !k.is_empty() && !crate::layers::is_gpg_recipient(k))
        {
            return Err(Error::new(format!(
                "GPGKEYS/SIGNING_KEY: {bad:?} is not a GPG key ID or fingerprint"
            )));
        }
        let pass = get("SIGNING_KEY_PASSPHRASE");
        Ok(Some(Self {
            logfile: get("LOGFILE"),
            facility: shell_value(c, "LOG_FACILITY")
                .unwrap_or("local6")
                .to_owned(),
            enabled: shell_value(c, "ENABLED").is_none_or(crate::tool::truthy),
            destdir,
            days_to_keep,
            gpg_keys,
            signer: (!key.is_empty() && !pass.is_empty()).then_some(Signer {
                key,
                passphrase: pass,
            }),
            push_remote: get("PUSH_REMOTE"),
            push_options: get("PUSH_OPTIONS")
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
        }))
    }
}

/// What a backup run did.
#[derive(Debug, Default)]
pub struct Outcome {
    pub file: Option<PathBuf>,
    pub bytes: u64,
    pub encrypted: bool,
    pub pushed: Option<bool>,
    pub pruned: usize,
}

fn tar(tarfile: &Path, exclude_dir: &Path, log: &mut Reporter) -> Result<()> {
    let entries: Vec<&str> = ENTRIES
        .iter()
        .copied()
        .filter(|e| Path::new(e).exists())
        .collect();
    // A file changing while tar reads it (an account logging in) is not an
    // error worth a missing backup: try again, a little later each time.
    for attempt in 1..=10u64 {
        let mut c = Command::new("tar");
        c.arg("--create").arg("--gzip").arg("--file").arg(tarfile);
        c.args([
            "--preserve-permissions",
            "--xattrs",
            "--acls",
            "--one-file-system",
            "--numeric-owner",
        ]);
        c.arg(format!("--exclude={}", exclude_dir.display()));
        for x in EXCLUDES {
            c.arg(format!("--exclude={x}"));
        }
        c.arg("--").args(&entries);
        c.stdout(Stdio::null()).stderr(Stdio::piped());
        let o = c
            .output()
            .map_err(|e| Error::new(format!("can't run tar: {e}")))?;
        if o.status.success() {
            return Ok(());
        }
        let said = String::from_utf8_lossy(&o.stderr).into_owned();
        let transient = o.status.code() == Some(1)
            && (said.contains("changed as we read it")
                || said.contains("removed before we read it"));
        if !transient {
            return Err(Error::new(format!(
                "tar failed ({}): {}",
                o.status,
                said.trim()
            )));
        }
        log.detail(
            1,
            &format!("tar: a file changed while read (try {attempt}), trying again"),
        );
        std::thread::sleep(Duration::from_secs(attempt));
    }
    Err(Error::new("tar: files kept changing while read, 10 tries"))
}

/// Make today's backup, encrypt it, push it, prune old ones.
pub fn run(cfg: &Config, gnupghome: Option<&Path>, log: &mut Reporter) -> (Outcome, Result<()>) {
    let mut out = Outcome::default();
    let r = (|| {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&cfg.destdir)
            .map_err(|e| Error::new(format!("{}: {e}", cfg.destdir.display())))?;
        let date = jiff::Timestamp::now()
            .to_zoned(osh_log::zone())
            .strftime("%Y-%m-%d")
            .to_string();
        let tarfile = cfg.destdir.join(format!("backup-{date}.tar.gz"));
        log.info(&format!("Creating {}...", tarfile.display()));
        tar(&tarfile, &cfg.destdir, log)?;
        log.info("File created");
        let mut file = tarfile.clone();
        if cfg.gpg_keys.is_empty() {
            log.warn(&format!(
                "{} will not be encrypted! (no GPGKEYS specified): it holds private keys, keep it safe",
                tarfile.display()
            ));
        } else {
            let enc = Encryptor {
                layers: vec![Layer {
                    kind: Kind::Gpg,
                    recipients: cfg.gpg_keys.clone(),
                }],
                signer: cfg.signer.clone(),
                gnupghome: gnupghome.map(Path::to_path_buf),
                raw_output: log.verbose() >= 2,
            };
            let verb = if cfg.signer.is_some() {
                "Encrypting & signing"
            } else {
                "Encrypting"
            };
            log.info(&format!("{verb} {}...", tarfile.display()));
            file = enc.encrypt(&tarfile, &tarfile)?;
            std::fs::remove_file(&tarfile)
                .map_err(|e| Error::new(format!("{}: {e}", tarfile.display())))?;
            out.encrypted = true;
        }
        out.bytes = std::fs::metadata(&file).map_or(0, |m| m.len());
        out.file = Some(file.clone());
        // An unencrypted backup never leaves the host.
        if !cfg.push_remote.is_empty() && out.encrypted {
            log.info(&format!(
                "Pushing backup file ({}) remotely to {}...",
                file.display(),
                cfg.push_remote
            ));
            let o = Command::new("scp")
                .args(["-q", "-o", "BatchMode=yes"])
                .args(&cfg.push_options)
                .arg("--")
                .arg(&file)
                .arg(&cfg.push_remote)
                .stdin(Stdio::null())
                .output()
                .map_err(|e| Error::new(format!("can't run scp: {e}")))?;
            out.pushed = Some(o.status.success());
            if !o.status.success() {
                return Err(Error::new(format!(
                    "push to {} failed ({}): {}; the backup stays in {}",
                    cfg.push_remote,
                    o.status,
                    String::from_utf8_lossy(&o.stderr).trim(),
                    cfg.destdir.display()
                )));
            }
        }
        Ok(())
    })();
    out.pruned = prune(&cfg.destdir, cfg.days_to_keep, log);
    (out, r)
}

/// `backup-YYYY-MM-DD.tar.gz` and what encryption adds to it: the only
/// files pruning may remove.
fn is_backup_name(name: &str) -> bool {
    let Some(r) = name.strip_prefix("backup-") else {
        return false;
    };
    let date = r.as_bytes().get(..10).is_some_and(|d| {
        d.iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
    });
    date && matches!(&r[10..], ".tar.gz" | ".tar.gz.gpg")
}

/// Remove backups older than `days` (only our own names).
fn prune(dir: &Path, days: u64, log: &mut Reporter) -> usize {
    let limit = Duration::from_secs(days * 86_400);
    let now = SystemTime::now();
    let mut n = 0;
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let ours = is_backup_name(&name);
        let old = e
            .metadata()
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|a| a > limit);
        if ours && old && std::fs::remove_file(e.path()).is_ok() {
            log.detail(1, &format!("removed {name}, older than {days} days"));
            n += 1;
        }
    }
    n
}

/// Decrypt `file` to `out` and say who signed it. A bad signature, or no
/// decryption, is refused; a signature gpg can't check (the old bastion's
/// public key not imported) is said, not refused: the restore of a lost
/// bastion must not depend on a key that was on it.
fn decrypt(file: &Path, out: &Path, gnupghome: Option<&Path>, log: &mut Reporter) -> Result<()> {
    let mut gpg = Command::new("gpg");
    if let Some(h) = gnupghome {
        gpg.env("GNUPGHOME", h);
    }
    let o = gpg
        .args([
            "--batch",
            "--no-tty",
            "--yes",
            "--status-fd",
            "2",
            "--output",
        ])
        .arg(out)
        .args(["--decrypt", "--"])
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .output()
        .map_err(|e| Error::new(format!("can't run gpg: {e}")))?;
    let said = String::from_utf8_lossy(&o.stderr);
    let status: Vec<&str> = said
        .lines()
        .filter_map(|l| l.strip_prefix("[GNUPG:] "))
        .collect();
    let has = |k: &str| {
        status
            .iter()
            .find(|l| l.split_whitespace().next() == Some(k))
    };
    let human = said
        .lines()
        .filter(|l| !l.starts_with("[GNUPG:]"))
        .collect::<Vec<_>>()
        .join("; ");
    if has("DECRYPTION_OKAY").is_none() {
        return Err(Error::new(format!(
            "gpg could not decrypt {}: {human}",
            file.display()
        )));
    }
    if let Some(b) = has("BADSIG") {
        return Err(Error::new(format!(
            "{}: BAD signature ({b}): not restored",
            file.display()
        )));
    }
    if let Some(g) = has("GOODSIG") {
        log.info(&format!(
            "good signature: {}",
            g.trim_start_matches("GOODSIG ")
        ));
    } else if let Some(n) = has("NO_PUBKEY").or_else(|| has("ERRSIG")) {
        log.warn(&format!(
            "the signature could not be checked ({n}): import the old bastion's public signing key to check it"
        ));
    } else {
        log.warn("the backup is not signed");
    }
    Ok(())
}

/// Unpack a backup (decrypted first, to a private file, when it is `.gpg`:
/// nothing is unpacked before its signature is known good or absent) over `root`.
pub fn restore(
    file: &Path,
    root: &Path,
    gnupghome: Option<&Path>,
    log: &mut Reporter,
) -> Result<()> {
    let mut plain = file.to_path_buf();
    let scratch = std::env::temp_dir().join(format!("osh-restore.{}", std::process::id()));
    if file.extension().is_some_and(|x| x == "gpg") {
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&scratch)
            .map_err(|e| Error::new(format!("{}: {e}", scratch.display())))?;
        plain = scratch.join("backup.tar.gz");
        if let Err(e) = decrypt(file, &plain, gnupghome, log) {
            let _ = std::fs::remove_dir_all(&scratch);
            return Err(e);
        }
    }
    let out = Command::new("tar")
        .args([
            "--extract",
            "--gzip",
            "--preserve-permissions",
            "--same-owner",
            "--xattrs",
            "--acls",
            "--numeric-owner",
        ])
        .arg("--directory")
        .arg(root)
        .arg("--file")
        .arg(&plain)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| Error::new(format!("can't run tar: {e}")));
    let _ = std::fs::remove_dir_all(&scratch);
    let out = out?;
    if !out.status.success() {
        return Err(Error::new(format!(
            "tar failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    // The fresh install's seal key is not in the restored allowed_signers:
    // without it, the installer makes a new one and adds it there.
    let key = root.join(SEAL_KEY.trim_start_matches('/'));
    if key.exists() {
        std::fs::remove_file(&key).map_err(|e| Error::new(format!("{}: {e}", key.display())))?;
    }
    Ok(())
}

/// The seal key, never backed up.
const SEAL_KEY: &str = "/home/sealkeeper/private/seal_ed25519";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pruning_touches_only_backups() {
        assert!(is_backup_name("backup-2026-01-31.tar.gz"));
        assert!(is_backup_name("backup-2026-01-31.tar.gz.gpg"));
        for other in [
            "backup-2026-01-31.tar.gz.part",
            "backup-x.tar.gz",
            "notes.txt",
            "backup-2026-1-31.tar.gz",
            "backup-",
        ] {
            assert!(!is_backup_name(other), "{other}");
        }
    }

    #[test]
    fn config_needs_a_destination_and_sane_days() {
        let pairs = |v: &[(&str, &str)]| {
            v.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<Vec<_>>()
        };
        assert!(Config::from_pairs(&pairs(&[])).unwrap().is_none());
        let c = Config::from_pairs(&pairs(&[
            ("DESTDIR", "/root/b"),
            ("GPGKEYS", "AAAA1111 BBBB2222"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(c.days_to_keep, 90);
        assert_eq!(c.gpg_keys, ["AAAA1111", "BBBB2222"]);
        assert!(c.signer.is_none() && c.enabled);
        assert!(Config::from_pairs(&pairs(&[("DESTDIR", "relative")])).is_err());
        assert!(Config::from_pairs(&pairs(&[("DESTDIR", "/b"), ("DAYSTOKEEP", "0")])).is_err());
        assert!(Config::from_pairs(&pairs(&[("DESTDIR", "/b"), ("DAYSTOKEEP", "x")])).is_err());
        assert!(
            !Config::from_pairs(&pairs(&[("DESTDIR", "/b"), ("ENABLED", "0")]))
                .unwrap()
                .unwrap()
                .enabled
        );
        assert!(
            Config::from_pairs(&pairs(&[
                ("DESTDIR", "/b"),
                ("GPGKEYS", "AAAA1111 --homedir=/tmp")
            ]))
            .is_err()
        );
        assert!(Config::from_pairs(&pairs(&[("DESTDIR", "/b"), ("SIGNING_KEY", "-x")])).is_err());
    }
}
