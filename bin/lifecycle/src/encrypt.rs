//! `osh-encrypt-rsync`: encrypt old recordings and logs in layers, move them
//! out of the accounts' homes, push them to an escrow host, remove them
//! locally once they are there.
//!
//! A file is removed from its home only once its last layer is written,
//! synced and renamed into place, and the source is still the file that was
//! encrypted (same inode, size and mtime as before: nothing was appended
//! meanwhile). An encrypted file is removed from the bastion only by rsync's
//! `--remove-source-files`, which removes what the receiver confirmed it
//! holds. A recording is archived with its sidecars (`.winsize`, `.seal`,
//! `.seal.sig`), each encrypted the same way, and leaves a `NAME.archived`
//! note behind so `selfPlaySession` can say where it went.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, MetadataExt as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;

use serde_json::{Map, Value};

use crate::layers::{self, Encryptor, Signer};
use crate::live;
use crate::tool::{Error, Reporter, Result};

pub const TOOL: &str = "osh-encrypt-rsync";
const DAY: u64 = 86_400;
/// A log or database file younger than this may be this month's, still written.
const MIN_LOG_DAYS: i64 = 31;

/// The config file's keys (The Bastion's names and defaults).
#[derive(Debug, Clone)]
pub struct Config {
    pub logfile: String,
    pub syslog_facility: String,
    pub verbose: u8,
    pub encryptor: Encryptor,
    pub encrypt_dir: PathBuf,
    pub ttyrec_delay_days: i64,
    pub user_logs_delay_days: i64,
    pub user_sqlites_delay_days: i64,
    pub rsync_destination: String,
    pub rsync_rsh: String,
    pub rsync_delay_before_remove_days: i64,
}

fn string(m: &Map<String, Value>, k: &str, default: &str) -> Result<String> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(default.to_owned()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(v) => Err(Error::new(format!("{k}: expected a string, got {v}"))),
    }
}

fn int(m: &Map<String, Value>, k: &str, default: i64) -> Result<i64> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => v
            .as_i64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            .ok_or_else(|| Error::new(format!("{k}: expected an integer, got {v}"))),
    }
}

/// A delay: `-1` (never) or at least `min` days.
fn delay(m: &Map<String, Value>, k: &str, default: i64, min: i64) -> Result<i64> {
    let v = int(m, k, default)?;
    if v == -1 || v >= min {
        Ok(v)
    } else {
        Err(Error::new(format!(
            "{k}: {v} is not allowed (-1 for never, or at least {min})"
        )))
    }
}

impl Config {
    /// `None`: not configured yet (no recipients), which is how it ships.
    pub fn from_map(m: &Map<String, Value>) -> Result<Option<Self>> {
        let layers = match m.get("recipients") {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Array(a)) if a.is_empty() => return Ok(None),
            Some(v) => layers::parse(v)?,
        };
        let signing_key = string(m, "signing_key", "")?;
        if !signing_key.is_empty() && !layers::is_gpg_recipient(&signing_key) {
            return Err(Error::new(format!(
                "signing_key: {signing_key:?} is not a GPG key ID or fingerprint"
            )));
        }
        let passphrase = string(m, "signing_key_passphrase", "")?;
        let gpg = layers.iter().any(|l| l.kind == layers::Kind::Gpg);
        if gpg && signing_key.is_empty() {
            return Err(Error::new(
                "signing_key: mandatory when a layer is GPG (every GPG layer is signed)",
            ));
        }
        let signer = (!signing_key.is_empty()).then_some(Signer {
            key: signing_key,
            passphrase,
        });
        let verbose = u8::try_from(int(m, "verbose", 0)?.clamp(0, 2)).unwrap_or(0);
        let ttyrec_default = int(m, "encrypt_and_move_delay_days", 14)?;
        let encrypt_dir = PathBuf::from(string(
            m,
            "encrypt_and_move_to_directory",
            "/home/.encrypt",
        )?);
        if !encrypt_dir.is_absolute()
            || encrypt_dir
                .components()
                .any(|c| c == std::path::Component::ParentDir)
        {
            return Err(Error::new(
                "encrypt_and_move_to_directory: must be an absolute path without ..",
            ));
        }
        let gnupghome = string(m, "gpg_homedir", "")?;
        Ok(Some(Self {
            logfile: string(m, "logfile", "")?,
            syslog_facility: string(m, "syslog_facility", "local6")?,
            verbose,
            encryptor: Encryptor {
                layers,
                signer,
                gnupghome: (!gnupghome.is_empty()).then(|| PathBuf::from(gnupghome)),
                raw_output: verbose >= 2,
            },
            encrypt_dir,
            ttyrec_delay_days: delay(m, "encrypt_and_move_ttyrec_delay_days", ttyrec_default, 0)?,
            user_logs_delay_days: delay(
                m,
                "encrypt_and_move_user_logs_delay_days",
                31,
                MIN_LOG_DAYS,
            )?,
            user_sqlites_delay_days: delay(
                m,
                "encrypt_and_move_user_sqlites_delay_days",
                31,
                MIN_LOG_DAYS,
            )?,
            rsync_destination: string(m, "rsync_destination", "")?,
            rsync_rsh: string(m, "rsync_rsh", "")?,
            rsync_delay_before_remove_days: delay(m, "rsync_delay_before_remove_days", 0, 0)?,
        }))
    }
}

/// The command line's switches (The Bastion's).
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub dry_run: bool,
    pub encrypt_only: bool,
    pub force_encrypt: bool,
    pub rsync_only: bool,
    pub force_delete: bool,
    pub no_delete: bool,
    /// Where the accounts' homes are (`/home`).
    pub home: PathBuf,
    pub recorder: PathBuf,
}

/// What is archived together: a recording and its sidecars, or one log file.
#[derive(Debug, Clone)]
pub struct Item {
    pub files: Vec<PathBuf>,
    pub bytes: u64,
    pub recording: bool,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Outcome {
    pub eligible: usize,
    pub encrypted_files: usize,
    pub encrypted_bytes: u64,
    pub failed: usize,
    pub live_skipped: usize,
    pub pushed: Option<bool>,
    pub removed_local: usize,
}

fn older_than(md: &std::fs::Metadata, days: i64, now: SystemTime) -> bool {
    days >= 0 && crate::tool::unchanged_for(md, days.unsigned_abs() * DAY, now)
}

fn regular(p: &Path) -> Option<std::fs::Metadata> {
    std::fs::symlink_metadata(p)
        .ok()
        .filter(|m| m.file_type().is_file())
}

/// The homes to walk: every directory of `/home` but dot-directories (the
/// encrypt directory by default) and the encrypt directory wherever it is.
fn homes(home: &Path, encrypt_dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(home)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .filter(|p| {
            std::fs::symlink_metadata(p).is_ok_and(|m| m.is_dir()) && !p.starts_with(encrypt_dir)
        })
        .collect();
    out.sort();
    out
}

/// The files due for archiving, and how many were held back because a live
/// recorder writes them.
#[must_use]
pub fn eligible(cfg: &Config, opts: &Options, now: SystemTime) -> (Vec<Item>, usize) {
    let open: BTreeSet<PathBuf> = live::open_files(&opts.recorder);
    let force = |d: i64, min: i64| {
        if opts.force_encrypt && d > min {
            min
        } else {
            d
        }
    };
    let ttyrec_days = force(cfg.ttyrec_delay_days, 0);
    let log_days = force(cfg.user_logs_delay_days, MIN_LOG_DAYS);
    let sqlite_days = force(cfg.user_sqlites_delay_days, MIN_LOG_DAYS);
    let mut items = Vec::new();
    let mut held = 0;
    for h in homes(&opts.home, &cfg.encrypt_dir) {
        // Recordings: HOME/ttyrec/*/FILE, each with its sidecars.
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(h.join("ttyrec"))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| std::fs::symlink_metadata(p).is_ok_and(|m| m.is_dir()))
            .collect();
        dirs.sort();
        for d in dirs {
            let mut names: Vec<PathBuf> = std::fs::read_dir(&d)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .filter(|p| regular(p).is_some())
                .filter(|p| {
                    let n = p.to_string_lossy();
                    !n.ends_with(".archived") && !n.ends_with(".part")
                })
                .collect();
            names.sort();
            let set: BTreeSet<PathBuf> = names.iter().cloned().collect();
            for f in &names {
                // A sidecar goes with its segment when the segment is there.
                if live::is_sidecar(f) && set.contains(&segment_of(f)) {
                    continue;
                }
                let mut files = vec![f.clone()];
                for ext in [".winsize", ".seal", ".seal.sig"] {
                    let s = PathBuf::from(format!("{}{ext}", f.display()));
                    if set.contains(&s) {
                        files.push(s);
                    }
                }
                let Some(md) = regular(f) else { continue };
                if !older_than(&md, ttyrec_days, now) {
                    continue;
                }
                if files.iter().any(|x| open.contains(x)) {
                    held += 1;
                    continue;
                }
                let bytes = files
                    .iter()
                    .filter_map(|x| regular(x))
                    .map(|m| m.len())
                    .sum();
                items.push(Item {
                    files,
                    bytes,
                    recording: true,
                });
            }
        }
        // Logs and databases: HOME/*.log, HOME/*.sqlite (the global ones in logkeeper's).
        let mut flat: Vec<PathBuf> = std::fs::read_dir(&h)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect();
        flat.sort();
        for f in flat {
            let n = f.to_string_lossy().into_owned();
            let days = if n.ends_with(".log") {
                log_days
            } else if n.ends_with(".sqlite") {
                sqlite_days
            } else {
                continue;
            };
            let Some(md) = regular(&f) else { continue };
            if !older_than(&md, days, now) {
                continue;
            }
            items.push(Item {
                files: vec![f],
                bytes: md.len(),
                recording: false,
            });
        }
    }
    (items, held)
}

/// `NAME` for `NAME.winsize`, `NAME.seal`, `NAME.seal.sig`.
fn segment_of(sidecar: &Path) -> PathBuf {
    let n = sidecar.to_string_lossy();
    for ext in [".seal.sig", ".seal", ".winsize"] {
        if let Some(b) = n.strip_suffix(ext) {
            return PathBuf::from(b);
        }
    }
    sidecar.to_path_buf()
}

/// Where `src` goes: the encrypt directory plus its path under the homes.
fn destination(cfg: &Config, opts: &Options, src: &Path) -> Result<PathBuf> {
    let rel = src.strip_prefix(&opts.home).map_err(|_| {
        Error::new(format!(
            "{} is not under {}",
            src.display(),
            opts.home.display()
        ))
    })?;
    Ok(cfg.encrypt_dir.join(rel))
}

fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    a.ino() == b.ino()
        && a.dev() == b.dev()
        && a.len() == b.len()
        && a.mtime() == b.mtime()
        && a.mtime_nsec() == b.mtime_nsec()
}

/// Encrypt one file; remove the source once the encrypted copy is whole.
/// The encrypted file, and the size of what it holds.
fn archive_file(cfg: &Config, opts: &Options, src: &Path) -> Result<(PathBuf, u64)> {
    // A database is archived as one file: its write-ahead log merged first.
    if src.extension().is_some_and(|x| x == "sqlite") {
        osh_sqllog::finalize(src).map_err(|e| {
            Error::new(format!(
                "{}: can't merge its write-ahead log ({e}): kept, will be tried again",
                src.display()
            ))
        })?;
    }
    let before = regular(src).ok_or_else(|| Error::new(format!("{} is gone", src.display())))?;
    let dest = destination(cfg, opts, src)?;
    if let Some(dir) = dest.parent() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| Error::new(format!("{}: {e}", dir.display())))?;
    }
    let out = cfg.encryptor.encrypt(src, &dest)?;
    let after = regular(src);
    if !after.as_ref().is_some_and(|a| same_file(&before, a)) {
        let _ = std::fs::remove_file(&out);
        return Err(Error::new(format!(
            "{} changed while it was encrypted: kept, will be tried again",
            src.display()
        )));
    }
    std::fs::remove_file(src).map_err(|e| {
        Error::new(format!(
            "{}: encrypted, but can't remove the source: {e}",
            src.display()
        ))
    })?;
    Ok((out, before.len()))
}

/// Leave `SEGMENT.archived` where the recording was, for its account to read.
fn leave_note(segment: &Path, archived: &[PathBuf]) {
    let note = serde_json::json!({
        "archived": jiff::Timestamp::now().to_string(),
        "by": TOOL,
        "files": archived.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
    });
    let path = PathBuf::from(format!("{}.archived", segment.display()));
    let _ = osh_core::fsx::write_atomic(&path, format!("{note}\n").as_bytes(), None, 0o644);
}

/// The encryption phase.
pub fn encrypt_phase(cfg: &Config, opts: &Options, log: &mut Reporter, out: &mut Outcome) {
    let (items, held) = eligible(cfg, opts, SystemTime::now());
    out.eligible = items.iter().map(|i| i.files.len()).sum();
    out.live_skipped = held;
    if held > 0 {
        log.detail(
            1,
            &format!("{held} recording(s) left alone: a live session still writes them"),
        );
    }
    let total: u64 = items.iter().map(|i| i.bytes).sum();
    if opts.dry_run {
        for i in &items {
            for f in &i.files {
                let to = destination(cfg, opts, f).map(|d| cfg.encryptor.final_name(&d));
                match to {
                    Ok(to) => log.info(&format!(
                        "would encrypt {} to {}",
                        f.display(),
                        to.display()
                    )),
                    Err(e) => log.warn(&e.message),
                }
            }
        }
        return;
    }
    let bar = crate::tool::progress(total, "encrypting");
    for i in &items {
        let mut archived = Vec::new();
        for f in &i.files {
            let planned = regular(f).map_or(0, |m| m.len());
            match archive_file(cfg, opts, f) {
                Ok((to, size)) => {
                    log.info(&format!("Encrypting {} to {}", f.display(), to.display()));
                    out.encrypted_files += 1;
                    out.encrypted_bytes += size;
                    archived.push(to);
                }
                Err(e) => {
                    out.failed += 1;
                    log.error(&e.message);
                }
            }
            if let Some(b) = &bar {
                b.inc(planned);
            }
        }
        if i.recording && !archived.is_empty() {
            leave_note(&i.files[0], &archived);
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
}

fn rsync(cfg: &Config, extra: &[&str], files_from: Option<&[u8]>) -> Result<()> {
    let mut c = Command::new("rsync");
    c.args(["--prune-empty-dirs", "--one-file-system", "-a"]);
    if !cfg.rsync_rsh.is_empty() {
        c.arg("--rsh").arg(&cfg.rsync_rsh);
    }
    c.args(extra);
    let src = format!("{}/", cfg.encrypt_dir.display());
    let dst = format!("{}/", cfg.rsync_destination.trim_end_matches('/'));
    c.arg("--").arg(src).arg(dst);
    c.stdin(if files_from.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    c.stdout(Stdio::null()).stderr(Stdio::piped());
    let mut child = c
        .spawn()
        .map_err(|e| Error::new(format!("can't run rsync: {e} (is it installed?)")))?;
    if let (Some(list), Some(mut stdin)) = (files_from, child.stdin.take()) {
        let _ = stdin.write_all(list);
    }
    let o = child
        .wait_with_output()
        .map_err(|e| Error::new(format!("rsync: {e}")))?;
    if o.status.success() {
        return Ok(());
    }
    let said = String::from_utf8_lossy(&o.stderr);
    Err(Error::new(format!(
        "push to {} failed (rsync {}): {}; the encrypted files stay in {}",
        cfg.rsync_destination,
        o.status,
        said.trim().lines().next().unwrap_or(""),
        cfg.encrypt_dir.display()
    )))
}

/// Encrypted files old enough to go, relative to the encrypt directory.
fn removable(cfg: &Config, days: i64) -> Vec<PathBuf> {
    let now = SystemTime::now();
    let mut out = Vec::new();
    let mut stack = vec![cfg.encrypt_dir.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            let Ok(md) = std::fs::symlink_metadata(&p) else {
                continue;
            };
            if md.is_dir() {
                stack.push(p);
            } else if md.is_file()
                && (p.extension().is_some_and(|x| x == "gpg" || x == "age"))
                && (days == 0 || older_than(&md, days, now))
                && let Ok(rel) = p.strip_prefix(&cfg.encrypt_dir)
            {
                out.push(rel.to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// The push phase: everything to the escrow, then the local removal of
/// what is old enough, by rsync itself (it removes only what it confirmed).
pub fn rsync_phase(
    cfg: &Config,
    opts: &Options,
    log: &mut Reporter,
    out: &mut Outcome,
) -> Result<()> {
    if cfg.rsync_destination.is_empty() {
        log.detail(1, "no rsync_destination: the encrypted files stay here");
        return Ok(());
    }
    if opts.dry_run {
        log.info(&format!(
            "would push {} to {}",
            cfg.encrypt_dir.display(),
            cfg.rsync_destination
        ));
        return Ok(());
    }
    if !cfg.encrypt_dir.is_dir() {
        return Ok(());
    }
    log.detail(
        1,
        &format!(
            "pushing {} to {}",
            cfg.encrypt_dir.display(),
            cfg.rsync_destination
        ),
    );
    if let Err(e) = rsync(cfg, &[], None) {
        out.pushed = Some(false);
        return Err(e);
    }
    out.pushed = Some(true);
    let days = if opts.force_delete {
        0
    } else {
        cfg.rsync_delay_before_remove_days
    };
    if opts.no_delete || days < 0 {
        return Ok(());
    }
    let files = removable(cfg, days);
    if files.is_empty() {
        return Ok(());
    }
    let mut list = Vec::new();
    for f in &files {
        list.extend_from_slice(f.as_os_str().as_encoded_bytes());
        list.push(0);
    }
    rsync(
        cfg,
        &["--remove-source-files", "--from0", "--files-from=-"],
        Some(&list),
    )?;
    out.removed_local = files
        .iter()
        .filter(|f| !cfg.encrypt_dir.join(f).exists())
        .count();
    log.detail(
        1,
        &format!(
            "{} encrypted file(s) removed here, the escrow has them",
            out.removed_local
        ),
    );
    Ok(())
}

/// `--config-test`: sign and encrypt a scratch file through every layer.
pub fn config_test(cfg: &Config) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("osh-encrypt-rsync-test.{}", std::process::id()));
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&dir)
        .map_err(|e| Error::new(format!("{}: {e}", dir.display())))?;
    let src = dir.join("test");
    let r = std::fs::write(&src, b"osh-encrypt-rsync config test\n")
        .map_err(|e| Error::new(format!("{}: {e}", src.display())))
        .and_then(|()| cfg.encryptor.encrypt(&src, &src));
    let _ = std::fs::remove_dir_all(&dir);
    r.map(|_| ())
}

/// Both phases, as the options say.
pub fn run(cfg: &Config, opts: &Options, log: &mut Reporter) -> (Outcome, Result<()>) {
    let mut out = Outcome::default();
    if !opts.rsync_only {
        encrypt_phase(cfg, opts, log, &mut out);
    }
    let pushed = if opts.encrypt_only {
        Ok(())
    } else {
        rsync_phase(cfg, opts, log, &mut out)
    };
    let result = match pushed {
        Err(e) => Err(e),
        Ok(()) if out.failed > 0 => Err(Error::new(format!(
            "{} file(s) could not be archived (see above); they were kept",
            out.failed
        ))),
        Ok(()) => Ok(()),
    };
    (out, result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::Duration;

    fn conf(v: Value) -> Result<Option<Config>> {
        Config::from_map(v.as_object().unwrap())
    }

    #[test]
    fn config_keys_and_limits() {
        assert!(
            conf(json!({})).unwrap().is_none(),
            "no recipients: not configured"
        );
        assert!(conf(json!({"recipients": []})).unwrap().is_none());
        assert!(
            conf(json!({"recipients": [["AAAABBBB"]]})).is_err(),
            "GPG layers need a signing key"
        );
        let c = conf(json!({"recipients": [["age1qqqq"]]}))
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                c.ttyrec_delay_days,
                c.user_logs_delay_days,
                c.user_sqlites_delay_days
            ),
            (14, 31, 31)
        );
        assert_eq!(c.encrypt_dir, Path::new("/home/.encrypt"));
        assert_eq!(
            (c.rsync_delay_before_remove_days, c.syslog_facility.as_str()),
            (0, "local6")
        );
        let legacy = conf(json!({"recipients": [["age1qqqq"]], "encrypt_and_move_delay_days": 3}))
            .unwrap()
            .unwrap();
        assert_eq!(legacy.ttyrec_delay_days, 3);
        let never = conf(
            json!({"recipients": [["age1qqqq"]], "encrypt_and_move_user_logs_delay_days": -1}),
        )
        .unwrap()
        .unwrap();
        assert_eq!(never.user_logs_delay_days, -1);
        for bad in [
            json!({"recipients": [["age1qqqq"]], "encrypt_and_move_user_logs_delay_days": 10}),
            json!({"recipients": [["age1qqqq"]], "encrypt_and_move_user_sqlites_delay_days": 0}),
            json!({"recipients": [["age1qqqq"]], "rsync_delay_before_remove_days": -2}),
            json!({"recipients": [["age1qqqq"]], "encrypt_and_move_to_directory": "relative"}),
            json!({"recipients": [["age1qqqq"]], "encrypt_and_move_to_directory": "/home/../etc"}),
            json!({"recipients": [["age1qqqq"]], "verbose": "lots"}),
            json!({"recipients": [["age1qqqq"]], "signing_key": "--homedir=/tmp"}),
        ] {
            assert!(conf(bad.clone()).is_err(), "{bad}");
        }
    }

    fn file(p: &Path, age_days: u64) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let f = std::fs::File::create(p).unwrap();
        f.set_modified(SystemTime::now() - Duration::from_secs(age_days * DAY))
            .unwrap();
    }

    #[test]
    fn eligibility_by_kind_and_age_with_sidecars_together() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        let seg = h.join("acc/ttyrec/10.0.0.1/a.ttyrec");
        for p in [
            seg.clone(),
            h.join("acc/ttyrec/10.0.0.1/a.ttyrec.winsize"),
            h.join("acc/ttyrec/10.0.0.1/a.ttyrec.seal"),
            h.join("acc/ttyrec/10.0.0.1/a.ttyrec.seal.sig"),
        ] {
            file(&p, 20);
        }
        file(&h.join("acc/ttyrec/10.0.0.1/b.ttyrec"), 2);
        file(&h.join("acc/ttyrec/10.0.0.1/old.ttyrec.archived"), 40);
        file(&h.join("acc/acc-log-202601.log"), 40);
        file(&h.join("acc/acc-log-202601.sqlite"), 20);
        file(&h.join("acc/notes.txt"), 400);
        file(&h.join("logkeeper/global-log-202601.log"), 40);
        file(&h.join(".encrypt/acc/x.log"), 400);
        let cfg = conf(json!({"recipients": [["age1qqqq"]], "encrypt_and_move_to_directory": h.join(".encrypt")})).unwrap().unwrap();
        let opts = Options {
            home: h.to_path_buf(),
            recorder: "/nonexistent/ttyrec".into(),
            ..Options::default()
        };
        let (items, held) = eligible(&cfg, &opts, SystemTime::now());
        assert_eq!(held, 0);
        let names: Vec<Vec<String>> = items
            .iter()
            .map(|i| {
                i.files
                    .iter()
                    .map(|f| f.strip_prefix(h).unwrap().display().to_string())
                    .collect()
            })
            .collect();
        assert_eq!(
            names,
            [
                vec![
                    "acc/ttyrec/10.0.0.1/a.ttyrec".to_owned(),
                    "acc/ttyrec/10.0.0.1/a.ttyrec.winsize".to_owned(),
                    "acc/ttyrec/10.0.0.1/a.ttyrec.seal".to_owned(),
                    "acc/ttyrec/10.0.0.1/a.ttyrec.seal.sig".to_owned()
                ],
                vec!["acc/acc-log-202601.log".to_owned()],
                vec!["logkeeper/global-log-202601.log".to_owned()],
            ]
        );
        assert!(items[0].recording && !items[1].recording);
        // --force-encrypt: recordings at once, logs and databases still wait 31 days.
        let forced = Options {
            force_encrypt: true,
            ..opts
        };
        let (items, _) = eligible(&cfg, &forced, SystemTime::now());
        let all: Vec<String> = items
            .iter()
            .flat_map(|i| i.files.iter().map(|f| f.display().to_string()))
            .collect();
        assert!(all.iter().any(|f| f.ends_with("b.ttyrec")));
        assert!(!all.iter().any(|f| f.ends_with(".sqlite")));
        assert_eq!(
            destination(&cfg, &forced, &seg).unwrap(),
            h.join(".encrypt/acc/ttyrec/10.0.0.1/a.ttyrec")
        );
    }
}
