//! Egress passwords as The Bastion stores them: `HOME/pass/NAME` (the
//! current one), `NAME.1`, `NAME.2`... (the previous ones, kept for the
//! servers not changed yet), each with a `.metadata` of `KEY=value` lines.
//! Files are 0440 and the directory 0750: an account's are its own (and
//! keyreader's, in every account's group), a group's its members'.
//! Listings show the hashes ([`crate::passwd`]), never a password.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::reply::{Reply, Result};

/// One stored password and its metadata (keys in lower case).
pub type Stored = (String, Vec<(String, String)>);

/// `HOME/pass/NAME`.
#[must_use]
pub fn base(home: &Path, name: &str) -> PathBuf {
    home.join("pass").join(name)
}

/// The `n`th file of `base` (0: the current one), or its metadata.
fn nth(base: &Path, n: usize, meta: bool) -> PathBuf {
    let name = base
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let f = if n == 0 { name } else { format!("{name}.{n}") };
    base.with_file_name(if meta { format!("{f}.metadata") } else { f })
}

/// Every password of `base`, newest first.
pub fn list(base: &Path) -> std::io::Result<Vec<Stored>> {
    let mut out = Vec::new();
    for n in 0.. {
        let pass = match std::fs::read_to_string(nth(base, n, false)) {
            Ok(t) => t.trim_end_matches('\n').to_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => break,
            Err(e) => return Err(e),
        };
        let meta = std::fs::read_to_string(nth(base, n, true))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
            .collect();
        out.push((pass, meta));
    }
    Ok(out)
}

/// Store a new password at `base`, the previous ones moved down one
/// number, every file owned by `owner` (uid, gid), 0440.
pub fn store(base: &Path, pass: &str, owner: (u32, u32), created_by: &str) -> Result<()> {
    use crate::fsx::At as _;
    let dir = base
        .parent()
        .ok_or_else(|| Reply::internal("no password directory"))?;
    match std::fs::create_dir(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e).at(dir),
    }
    if nix::unistd::geteuid().is_root() {
        std::os::unix::fs::chown(dir, Some(owner.0), Some(owner.1)).at(dir)?;
    }
    std::fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o750)).at(dir)?;
    let lock_path = dir.join(".lock");
    let _lock = crate::fsx::lock(&lock_path, true, || Reply::internal("lock busy"))?;
    if nix::unistd::geteuid().is_root() {
        // The owner takes the same lock when it makes its own passwords.
        std::os::unix::fs::chown(&lock_path, Some(owner.0), Some(owner.1)).at(&lock_path)?;
    }
    let mut n = 0;
    while nth(base, n, false).exists() {
        n += 1;
    }
    while n > 0 {
        for meta in [false, true] {
            let from = nth(base, n - 1, meta);
            if from.exists() {
                std::fs::rename(&from, nth(base, n, meta)).at(&from)?;
            }
        }
        n -= 1;
    }
    let who = nix::unistd::geteuid().is_root().then_some(owner);
    crate::fsx::write_atomic(base, format!("{pass}\n").as_bytes(), who, 0o440)?;
    let meta = format!(
        "CREATED_BY={created_by}\nBASTION_VERSION={}\nCREATION_TIME={}\nCREATION_TIMESTAMP={}\n",
        crate::ui::VERSION,
        crate::log::now().strftime("%Y-%m-%d %H:%M:%S"),
        crate::time::epoch()
    );
    crate::fsx::write_atomic(&nth(base, 0, true), meta.as_bytes(), who, 0o440)
}

/// A new password of `size` stored at `base`; its hashes.
pub fn generate(base: &Path, size: usize, owner: (u32, u32), created_by: &str) -> Result<Value> {
    let pass = crate::passwd::generate(size).map_err(|e| Reply::invalid(e.0))?;
    let hashes = crate::passwd::hashes(&pass).map_err(|e| Reply::internal(e.0))?;
    store(base, &pass, owner, created_by)?;
    Ok(json!(hashes))
}

/// The listing of stored passwords: `[{id, metadata, hashes}]`, and its text.
pub fn listing(stored: &[Stored]) -> Result<(String, Value)> {
    let mut text = String::new();
    let mut value = Vec::new();
    for (i, (pass, meta)) in stored.iter().enumerate() {
        let hashes = json!(crate::passwd::hashes(pass).map_err(|e| Reply::internal(e.0))?);
        let meta: Map<String, Value> = meta.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        text.push_str(&format!(
            "Password {i}, created by {} on {}:\n{}",
            meta.get("created_by")
                .and_then(Value::as_str)
                .unwrap_or("?"),
            meta.get("creation_time")
                .and_then(Value::as_str)
                .unwrap_or("?"),
            hashes_text(&hashes)
        ));
        value.push(json!({"id": i, "metadata": meta, "hashes": hashes}));
    }
    Ok((text, Value::Array(value)))
}

/// The hashes as lines of text.
#[must_use]
pub fn hashes_text(hashes: &Value) -> String {
    hashes.as_object().map_or_else(String::new, |m| {
        m.iter()
            .map(|(k, v)| format!("  {k:>12}: {}\n", v.as_str().unwrap_or("")))
            .collect()
    })
}

/// `--size` as the password plugins take it (default 16).
pub fn size_option(p: &crate::getopt::Parsed) -> Result<usize> {
    let size = usize::try_from(p.int("size").unwrap_or(16)).unwrap_or(0);
    if crate::passwd::SIZES.contains(&size) {
        Ok(size)
    } else {
        Err(Reply::invalid("--size must be between 8 and 127"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_rotate_and_list_newest_first() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let b = base(dir.path(), "bob");
        let me = (
            nix::unistd::geteuid().as_raw(),
            nix::unistd::getegid().as_raw(),
        );
        for (p, who) in [("first-password", "a"), ("second-password", "b")] {
            store(&b, p, me, who).unwrap_or_else(|e| panic!("{e:?}"));
        }
        let l = list(&b).unwrap_or_default();
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].0, "second-password");
        assert!(l[0].1.contains(&("created_by".into(), "b".into())));
        assert_eq!(l[1].0, "first-password");
        let (_, v) = listing(&l).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(v[1]["metadata"]["created_by"], "a");
        assert!(
            v[0]["hashes"]["sha512crypt"]
                .as_str()
                .is_some_and(|h| h.starts_with("$6$"))
        );
    }
}
