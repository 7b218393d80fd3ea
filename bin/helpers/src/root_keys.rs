//! `osh-rootListIngressKeys` (as root): the keys that open a root login on
//! the bastion's host, for audit.
//!
//! Every line sshd could read is shown, a line that is not a key we can
//! parse included (with why): an auditor asking who can be root must not
//! be shown a shorter list than sshd has.

use std::path::Path;

use osh_core::helper::Caller;
use osh_core::requests::RootListIngressKeys;
use osh_core::sshkey::{KeyError, PublicKey};
use osh_core::{Reply, Result, Value, json};

/// Root's key files, as The Bastion lists them (`--all-files`).
const FILES: &[&str] = &["/root/.ssh/authorized_keys", "/root/.ssh/authorized_keys2"];

/// The entries of one authorized_keys text from `file`, numbered from `first`.
#[must_use]
pub fn entries(text: &str, file: &str, first: usize) -> Vec<Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .enumerate()
        .map(|(i, line)| {
            let mut v = match PublicKey::parse(line) {
                Ok(k) => {
                    let mut v = json!(k);
                    v["validity"] = json!("OK");
                    v
                }
                Err(e) => json!({
                    "line": osh_core::ui::clean_bounded(line, 1000),
                    "validity": match e {
                        KeyError::PrivateKey => "KO_PRIVATE_KEY",
                        KeyError::NotAKey(_) => "KO_NOT_A_KEY",
                    },
                }),
            };
            v["id"] = json!(first + i);
            v["file"] = json!(file);
            v
        })
        .collect()
}

/// The helper's logic for `rootListIngressKeys`.
pub fn list(_caller: &Caller, _req: RootListIngressKeys) -> Result<Reply> {
    let mut keys = Vec::new();
    for file in FILES {
        // No file is no key; a file root can't read is an error, not "none".
        match std::fs::read_to_string(Path::new(file)) {
            Ok(text) => {
                let more = entries(&text, file, keys.len() + 1);
                keys.extend(more);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Reply::from(e)),
        }
    }
    Ok(Reply::ok(json!({"account": "root", "keys": keys})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_sshd_reads_is_listed() {
        let text = "# a comment\n\
                    ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKYJ8LuCkj8PBM8dV5S6FUSZ1b4Up44vEzY0SS1mcRHJ ops@host\n\
                    \n\
                    restrict,command=\"x\" not-a-key-type AAAA\n";
        let v = entries(text, "/root/.ssh/authorized_keys", 3);
        assert_eq!(v.len(), 2);
        assert_eq!(v[0]["validity"], "OK");
        assert_eq!(v[0]["id"], 3);
        assert_eq!(v[0]["file"], "/root/.ssh/authorized_keys");
        assert_eq!(v[1]["validity"], "KO_NOT_A_KEY");
        assert_eq!(v[1]["id"], 4);
        assert!(v[1]["line"].as_str().unwrap().contains("not-a-key-type"));
    }
}
