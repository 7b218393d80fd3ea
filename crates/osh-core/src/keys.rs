//! Ingress and egress keys of accounts.
//!
//! The ingress policy lives here once, used by the plugins (early, friendly
//! errors) and by the helpers (which re-check everything, trusting no plugin).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::config::Config;
use crate::reply::{Reply, Result};
use crate::sshkey::{KeyError, PublicKey};

/// The most read from standard input for a pasted key: a public key line is
/// far shorter, and a client piping an endless stream must get an answer,
/// not a hang.
pub const MAX_PASTE: u64 = 16 * 1024;

/// Check a pasted ingress key against the configuration and apply the `from=`
/// policy (`ingressKeysFrom`, overridable only if `ingressKeysFromAllowOverride`).
pub fn ingress_policy(line: &str, config: &Config) -> Result<PublicKey> {
    let key = match PublicKey::parse(line) {
        Ok(k) => k,
        Err(KeyError::PrivateKey) => {
            return Err(Reply::new(
                crate::Code::KO_PRIVATE_KEY,
                "HOLY SH*T, this looks like a PRIVATE key, please never paste it anywhere! Generate a new key pair \
                 and give only the PUBLIC one (the .pub file).",
            ));
        }
        Err(KeyError::NotAKey(l)) => {
            let value = if l.trim().is_empty() {
                Value::Null
            } else {
                json!({"key": {"line": l}})
            };
            return Err(Reply::new(
                crate::Code::KO_NOT_A_KEY,
                "This doesn't look like an SSH public key, try again",
            )
            .with_value(value));
        }
    };
    let with_key = |r: Reply, k: &PublicKey| r.with_value(json!({"key": k}));
    let overridable = config.ingressKeysFromAllowOverride;
    // A from= of the user's that the policy replaces anyway is dropped, even
    // if it is malformed (a shell's leftover backslashes): it never reaches
    // the file. Any other option is refused below.
    let replaced_anyway = !overridable && is_lone_from(&key.prefix);
    if !key.prefix.is_empty() && !is_plain_from(&key.prefix) && !replaced_anyway {
        // cert-authority, command=, environment=, permitopen=... would each
        // change what the key lets in (a CA lets in every key it signed, of
        // any size); only a from= restriction is ours to keep.
        let msg = format!(
            "Only a from=\"...\" restriction may precede an ingress key, not '{}'",
            crate::ui::clean_bounded(&key.prefix, 80)
        );
        return Err(with_key(
            Reply::new(crate::Code::KO_FORBIDDEN_KEY_OPTION, msg),
            &key,
        ));
    }
    if !config
        .allowedIngressSshAlgorithms
        .contains(&key.algorithm())
    {
        let msg = format!(
            "This key's algorithm ({}) is not allowed on this bastion (allowed: {})",
            key.algorithm(),
            config.allowedIngressSshAlgorithms.join(", ")
        );
        return Err(with_key(
            Reply::new(crate::Code::KO_FORBIDDEN_ALGORITHM, msg),
            &key,
        ));
    }
    if key.family == "RSA" {
        let size = i64::from(key.size);
        if size < config.minimumIngressRsaKeySize {
            let msg = format!(
                "This key is {size} bits. This is too small, the minimum is {}",
                config.minimumIngressRsaKeySize
            );
            return Err(with_key(
                Reply::new(crate::Code::KO_KEY_SIZE_TOO_SMALL, msg),
                &key,
            ));
        }
        if size > config.maximumIngressRsaKeySize {
            let msg = format!(
                "This key is {size} bits. This is too big, the maximum is {}",
                config.maximumIngressRsaKeySize
            );
            return Err(with_key(
                Reply::new(crate::Code::KO_KEY_SIZE_TOO_BIG, msg),
                &key,
            ));
        }
    }
    // The from= that applies, as The Bastion decides it: the user's own if
    // the policy lets users override, else the policy's list (none if empty).
    Ok(if overridable && is_plain_from(&key.prefix) {
        key
    } else {
        key.with_from(&config.ingressKeysFrom)
    })
}

/// Whether an options word is one `from=` and nothing else, its quotes
/// possibly escaped (`from=\"a,b\"`, as a shell leaves them).
fn is_lone_from(prefix: &str) -> bool {
    let Some(v) = prefix.strip_prefix("from=") else {
        return false;
    };
    let v = v.strip_prefix('\\').unwrap_or(v);
    let Some(v) = v
        .strip_prefix(['"', '\''])
        .and_then(|v| v.strip_suffix(['"', '\'']))
    else {
        return false;
    };
    let v = v.strip_suffix('\\').unwrap_or(v);
    !v.is_empty()
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".:/*?!_,-".contains(&b))
}

/// Whether an options word is exactly `from="PATTERN,PATTERN..."`, patterns
/// being addresses, networks, host names and sshd's `*`, `?`, `!`.
fn is_plain_from(prefix: &str) -> bool {
    prefix
        .strip_prefix("from=\"")
        .and_then(|r| r.strip_suffix('"'))
        .is_some_and(|list| {
            !list.is_empty()
                && list.split(',').all(|p| {
                    !p.is_empty()
                        && p.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b".:/*?!_-".contains(&b))
                })
        })
}

/// Serialise changes to an account's `authorized_keys2`: deleting a key
/// rewrites the file and renames it into place, so an append racing with it
/// would land in the replaced file and be lost. A separate lock file, because
/// the key file's inode changes.
pub fn lock_authorized(home: &Path) -> Result<nix::fcntl::Flock<std::fs::File>> {
    crate::fsx::lock(&home.join(".ssh/.authorized_keys2.lock"), true, || {
        Reply::internal("a waiting lock was busy")
    })
}

/// The valid keys of an `authorized_keys2` file, in file order.
#[must_use]
pub fn read_authorized(path: &Path) -> Vec<PublicKey> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .filter_map(|l| PublicKey::parse(l).ok())
        .collect()
}

/// The JSON list of keys as `selfListIngressKeys` shows it (1-based ids).
#[must_use]
pub fn keys_value(keys: &[PublicKey]) -> Value {
    Value::Array(
        keys.iter()
            .enumerate()
            .map(|(i, k)| {
                let mut v = json!(k);
                v["id"] = json!(i + 1);
                v["validity"] = json!("OK");
                v
            })
            .collect(),
    )
}

/// The file names of an account's egress key pair created at `epoch`.
#[must_use]
pub fn egress_key_path(ssh_dir: &Path, algo: &str, size: i64, epoch: u64) -> PathBuf {
    ssh_dir.join(format!("id_{algo}{size}_private.{epoch}"))
}

/// Hold the account's one egress key generation at a time: an RSA-8192 key
/// costs many seconds of CPU, and an account must not be able to start them
/// in parallel. Not a wait: a second request is refused at once.
pub fn lock_generation(home: &Path) -> Result<nix::fcntl::Flock<std::fs::File>> {
    crate::fsx::lock(&home.join(".ssh/.egress-keygen.lock"), false, || {
        Reply::new(
            crate::Code::KO_KEY_GENERATION_RUNNING,
            "A key generation is already running for your account, wait for it to finish",
        )
    })
}

/// Generate an egress key pair with `ssh-keygen` (comment `ACCOUNT@bastionName:EPOCH`).
/// Returns the private key's path; the caller sets ownership and modes.
pub fn generate_egress(
    ssh_dir: &Path,
    account: &str,
    config: &Config,
    epoch: u64,
) -> Result<PathBuf> {
    let algo = config.defaultAccountEgressKeyAlgorithm.as_str();
    let size = config.defaultAccountEgressKeySize;
    let path = egress_key_path(ssh_dir, algo, size, epoch);
    let comment = format!("{account}@{}:{epoch}", config.bastionName);
    if path.exists() {
        return Err(Reply::new(
            crate::Code::KO_KEY_GENERATION_RUNNING,
            "A key of this kind was generated this very second, try again",
        ));
    }
    keygen(&path, algo, size, &comment)?;
    Ok(path)
}

/// The `from="..."` to put before an egress key on targets: `egressKeysFrom`,
/// or else every address of this host (`hostname -I`).
#[must_use]
pub fn egress_from(config: &Config) -> Vec<String> {
    if !config.egressKeysFrom.is_empty() {
        return config.egressKeysFrom.clone();
    }
    Command::new(crate::paths::tool::HOSTNAME)
        .arg("-I")
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// One egress key pair of an account.
#[derive(Debug, Clone)]
pub struct EgressKey {
    /// The private key file (`~/.ssh/id_<algo><size>_private.<epoch>`).
    pub private: PathBuf,
    /// Its public half.
    pub key: PublicKey,
    /// When it was made (the public file's mtime).
    pub mtime: Option<u64>,
}

/// An account's egress key pairs, newest first (the epoch ends the name).
#[must_use]
pub fn egress_keys(home: &Path) -> Vec<EgressKey> {
    key_pairs(&home.join(".ssh"), "_private.")
}

/// The key pairs `id_*MARKER<epoch>` of a directory, newest first: an
/// account's (`_private.`) or a group's (`_GROUP.`).
#[must_use]
pub fn key_pairs(dir: &Path, marker: &str) -> Vec<EgressKey> {
    let mut out: Vec<EgressKey> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let private = name.strip_suffix(".pub").filter(|n| {
                n.starts_with("id_")
                    && n.rsplit_once(marker).is_some_and(|(_, epoch)| {
                        !epoch.is_empty() && epoch.bytes().all(|b| b.is_ascii_digit())
                    })
            })?;
            let key = PublicKey::parse(&std::fs::read_to_string(e.path()).ok()?).ok()?;
            let mtime = e
                .metadata()
                .ok()?
                .modified()
                .ok()?
                .duration_since(std::time::UNIX_EPOCH)
                .ok()
                .map(|d| d.as_secs());
            Some(EgressKey {
                private: e.path().with_file_name(private),
                key,
                mtime,
            })
        })
        .collect();
    out.sort_by(|a, b| b.private.cmp(&a.private));
    out
}

/// The JSON of key pairs as listings show them: keyed by fingerprint, each
/// line with the `from="..."` to install on servers.
#[must_use]
pub fn pairs_value(pairs: &[EgressKey], from: &[String]) -> Value {
    let mut out = serde_json::Map::new();
    for k in pairs {
        let mut v = json!(k.key.with_from(from));
        v["fullpath"] = json!(k.private);
        v["mtime"] = json!(k.mtime);
        out.insert(k.key.fingerprint.clone(), v);
    }
    Value::Object(out)
}

/// The algorithm and size of a key to generate, from `--algo`/`--size`
/// as users give them, within the egress key policy.
pub fn egress_kind(config: &Config, algo: &str, size: Option<i64>) -> Result<(String, i64)> {
    if !config.allowedEgressSshAlgorithms.iter().any(|a| a == algo) {
        return Err(Reply::new(
            crate::Code::KO_FORBIDDEN_ALGORITHM,
            format!(
                "Allowed algorithms: {}",
                config.allowedEgressSshAlgorithms.join(", ")
            ),
        ));
    }
    let (min, max) = (
        config.minimumEgressRsaKeySize,
        config.maximumEgressRsaKeySize,
    );
    let size = match (algo, size) {
        ("ed25519", None | Some(256)) => 256,
        ("ecdsa", None) => 521,
        ("ecdsa", Some(s)) if [256, 384, 521].contains(&s) => s,
        ("rsa", None) => 4096.clamp(min, max),
        ("rsa", Some(s)) if s < min => {
            return Err(Reply::new(
                crate::Code::KO_KEY_SIZE_TOO_SMALL,
                format!(
                    "For the selected algorithm, minimum configured key size for Egress by policy is {min} bits"
                ),
            ));
        }
        ("rsa", Some(s)) if s > max => {
            // The Bastion has no maximum; osh enforces the documented one.
            return Err(Reply::invalid(format!(
                "For the selected algorithm, maximum configured key size for Egress by policy is {max} bits"
            )));
        }
        ("rsa", Some(s)) => s,
        _ => return Err(Reply::invalid("Invalid --size for this algorithm")),
    };
    Ok((algo.to_owned(), size))
}

/// Run `ssh-keygen` for a new pair at `path` (no passphrase, `comment`).
pub fn keygen(path: &Path, algo: &str, size: i64, comment: &str) -> Result<()> {
    let mut cmd = Command::new(crate::paths::tool::SSH_KEYGEN);
    cmd.args(["-q", "-N", "", "-t", algo, "-C", comment, "-f"])
        .arg(path);
    if algo != "ed25519" {
        cmd.args(["-b", &size.to_string()]);
    }
    let out = cmd.output().map_err(|e| {
        Reply::new(
            crate::Code::ERR_SSH_KEYGEN_FAILED,
            format!("Couldn't run ssh-keygen: {e}"),
        )
    })?;
    if !out.status.success() {
        return Err(Reply::new(
            crate::Code::ERR_SSH_KEYGEN_FAILED,
            format!(
                "ssh-keygen failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        ));
    }
    Ok(())
}

/// The egress keys as `selfListEgressKeys` shows them.
#[must_use]
pub fn egress_keys_value(home: &Path, from: &[String]) -> Value {
    pairs_value(&egress_keys(home), from)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSA1024: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDNbJemAKF6u4xZtbbkHtQeXeh9EvsYgBdUlnES1oBSS/ICKU7lcUrW4UvUpYLQ0+N1f0XaYfGO01BnEPwJDYJngkybh1Qwo6IbCBySpIFJG7ToK4M1U2arALGelwgoVP3AE+HoLjSH9W0ZisBvWtiyCekBWnzf+kD5hLkblPXYkQ== test@rsa1024";

    #[test]
    fn policy() {
        let cfg = Config::default();
        let r = ingress_policy(RSA1024, &cfg).unwrap_err();
        assert_eq!(r.code, "KO_KEY_SIZE_TOO_SMALL");
        assert_eq!(r.value["key"]["size"], 1024);
        assert!(r.msg.contains("This is too small"));
        let cfg2 = Config {
            minimumIngressRsaKeySize: 1024,
            ingressKeysFrom: vec!["10.0.0.0/8".into()],
            ..Config::default()
        };
        let k = ingress_policy(&format!("from=\"1.1.1.1\" {RSA1024}"), &cfg2).unwrap();
        assert_eq!(k.from_list, ["10.0.0.0/8"]);
        let cfg3 = Config {
            ingressKeysFromAllowOverride: true,
            ..cfg2.clone()
        };
        assert_eq!(
            ingress_policy(&format!("from=\"1.1.1.1\" {RSA1024}"), &cfg3)
                .unwrap()
                .from_list,
            ["1.1.1.1"]
        );
        assert_eq!(
            ingress_policy(RSA1024, &cfg3).unwrap().from_list,
            ["10.0.0.0/8"]
        );
        // The eight cases of The Bastion's 330 module: (list, override, key's from) -> from.
        let lone = format!("from=\"1.2.3.4,5.6.7.8\" {RSA1024}");
        let escaped = format!("from=\\\"1.2.3.4,5.6.7.8\\\" {RSA1024}");
        let wide = vec!["0.0.0.0/0".to_owned(), "255.255.255.255".to_owned()];
        let mine = vec!["1.2.3.4".to_owned(), "5.6.7.8".to_owned()];
        for (list, over, line, want) in [
            (&wide, true, RSA1024, &wide),
            (&wide, true, lone.as_str(), &mine),
            (&wide, false, RSA1024, &wide),
            (&wide, false, escaped.as_str(), &wide),
            (&vec![], true, RSA1024, &vec![]),
            (&vec![], true, lone.as_str(), &mine),
            (&vec![], false, RSA1024, &vec![]),
            (&vec![], false, lone.as_str(), &vec![]),
        ] {
            let cfg = Config {
                minimumIngressRsaKeySize: 1024,
                ingressKeysFrom: list.clone(),
                ingressKeysFromAllowOverride: over,
                ..Config::default()
            };
            let k = ingress_policy(line, &cfg).unwrap();
            assert_eq!(&k.from_list, want, "{list:?} {over} {line}");
            assert!(!k.line.contains('\\'), "{}", k.line);
        }
        // A malformed from= the user could keep is refused, not written.
        let cfg5 = Config {
            minimumIngressRsaKeySize: 1024,
            ingressKeysFromAllowOverride: true,
            ..Config::default()
        };
        assert_eq!(
            ingress_policy(&escaped, &cfg5).unwrap_err().code,
            "KO_FORBIDDEN_KEY_OPTION"
        );
        let cfg4 = Config {
            allowedIngressSshAlgorithms: vec!["ed25519".into()],
            ..cfg2
        };
        assert_eq!(
            ingress_policy(RSA1024, &cfg4).unwrap_err().code,
            "KO_FORBIDDEN_ALGORITHM"
        );
        assert_eq!(
            ingress_policy("-----BEGIN RSA PRIVATE KEY-----", &cfg)
                .unwrap_err()
                .code,
            "KO_PRIVATE_KEY"
        );
        for prefix in [
            "cert-authority",
            "from=\"1.1.1.1\",cert-authority",
            "command=\"/bin/sh\"",
            "restrict",
            "from=\"1.1.1.1\"x",
            "from=\"\"",
            "environment=\"A=B\"",
        ] {
            let r = ingress_policy(&format!("{prefix} {RSA1024}"), &cfg).unwrap_err();
            assert_eq!(r.code, "KO_FORBIDDEN_KEY_OPTION", "{prefix}");
        }
        let nk = ingress_policy("bogus", &cfg).unwrap_err();
        assert_eq!(
            (nk.code.as_str(), &nk.value["key"]["line"]),
            ("KO_NOT_A_KEY", &json!("bogus"))
        );
        assert_eq!(ingress_policy("", &cfg).unwrap_err().value, Value::Null);
    }
}
