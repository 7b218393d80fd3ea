//! Encryption in layers, with the real `gpg` and `age`.
//!
//! Each layer is one list of recipients: any one of them can take the layer
//! off. The Bastion's use: layer 1 the auditors, layer 2 the sysadmins, so
//! that sysadmins can hand an auditor a file only auditors can read. A layer
//! is GPG (key IDs or fingerprints; signed with the signing key, so the
//! holder of each layer can check who made it) or age (`age1...` or
//! `ssh-ed25519 ...` recipients; age has no signatures: a recording's own
//! seal proves its bytes once decrypted). Layer files are `FILE.gpg`,
//! `FILE.gpg.gpg`, `FILE.gpg.age`, ...; intermediate files are removed.

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::tool::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Gpg,
    Age,
}

impl Kind {
    #[must_use]
    pub fn ext(self) -> &'static str {
        match self {
            Self::Gpg => "gpg",
            Self::Age => "age",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Layer {
    pub kind: Kind,
    pub recipients: Vec<String>,
}

fn is_age_recipient(r: &str) -> bool {
    r.starts_with("age1") || r.starts_with("ssh-ed25519 ") || r.starts_with("ssh-rsa ")
}

/// A GPG key ID or fingerprint (hex, optional 0x), or an e-mail in `<>`:
/// what gpg's `-r` takes, nothing it could read as an option.
pub fn is_gpg_recipient(r: &str) -> bool {
    let hex = r.strip_prefix("0x").unwrap_or(r);
    (hex.len() >= 8 && hex.len() <= 40 && hex.chars().all(|c| c.is_ascii_hexdigit()))
        || (r.starts_with('<')
            && r.ends_with('>')
            && r.len() > 2
            && !r.contains(char::is_whitespace))
}

/// `recipients`: an array of layers, each an array of recipients.
pub fn parse(v: &Value) -> Result<Vec<Layer>> {
    let bad = |why: &str| {
        Error::new(format!(
            "recipients: {why} (an array of layers, each an array of GPG key IDs or age recipients)"
        ))
    };
    let Value::Array(layers) = v else {
        return Err(bad("not an array"));
    };
    let mut out = Vec::new();
    for (i, l) in layers.iter().enumerate() {
        let Value::Array(rs) = l else {
            return Err(bad(&format!("layer {} is not an array", i + 1)));
        };
        let rs: Vec<String> = rs
            .iter()
            .map(|r| {
                r.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| bad(&format!("layer {} has a non-string recipient", i + 1)))
            })
            .collect::<Result<_>>()?;
        if rs.is_empty() {
            return Err(bad(&format!("layer {} is empty", i + 1)));
        }
        let kind = if rs.iter().all(|r| is_gpg_recipient(r)) {
            Kind::Gpg
        } else if rs.iter().all(|r| is_age_recipient(r)) {
            Kind::Age
        } else {
            return Err(bad(&format!(
                "layer {} mixes GPG and age recipients or has one that is neither: {}",
                i + 1,
                rs.join(", ")
            )));
        };
        out.push(Layer {
            kind,
            recipients: rs,
        });
    }
    Ok(out)
}

/// Who signs the GPG layers.
#[derive(Debug, Clone)]
pub struct Signer {
    pub key: String,
    pub passphrase: String,
}

#[derive(Debug, Clone)]
pub struct Encryptor {
    pub layers: Vec<Layer>,
    pub signer: Option<Signer>,
    /// GNUPGHOME for gpg; `None`: root's own keyring.
    pub gnupghome: Option<PathBuf>,
    /// Show gpg's and age's own output (`--verbose` twice).
    pub raw_output: bool,
}

impl Encryptor {
    /// What the final file of `dest` is called.
    #[must_use]
    pub fn final_name(&self, dest: &Path) -> PathBuf {
        let mut s = dest.as_os_str().to_owned();
        for l in &self.layers {
            s.push(".");
            s.push(l.kind.ext());
        }
        PathBuf::from(s)
    }

    fn command(&self, layer: &Layer, input: &Path, output: &Path) -> (Command, Option<String>) {
        match layer.kind {
            Kind::Gpg => {
                let mut c = Command::new("gpg");
                if let Some(h) = &self.gnupghome {
                    c.env("GNUPGHOME", h);
                }
                c.args(["--batch", "--yes", "--no-tty", "--trust-model", "always"]);
                let mut pass = None;
                if let Some(s) = &self.signer {
                    c.args([
                        "--pinentry-mode",
                        "loopback",
                        "--passphrase-fd",
                        "0",
                        "--local-user",
                        &s.key,
                        "--sign",
                    ]);
                    pass = Some(s.passphrase.clone());
                }
                c.arg("--encrypt");
                for r in &layer.recipients {
                    c.arg("--recipient").arg(r);
                }
                c.arg("--output").arg(output).arg("--").arg(input);
                (c, pass)
            }
            Kind::Age => {
                let mut c = Command::new("age");
                c.arg("--encrypt");
                for r in &layer.recipients {
                    c.arg("--recipient").arg(r);
                }
                c.arg("--output").arg(output).arg("--").arg(input);
                (c, None)
            }
        }
    }

    fn one_layer(&self, layer: &Layer, input: &Path, output: &Path) -> Result<()> {
        let tmp = PathBuf::from(format!("{}.part", output.display()));
        let _ = std::fs::remove_file(&tmp);
        let (mut cmd, pass) = self.command(layer, input, &tmp);
        cmd.stdin(if pass.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        if !self.raw_output {
            cmd.stdout(Stdio::null()).stderr(Stdio::piped());
        }
        let name = layer.kind.ext();
        let mut child = cmd
            .spawn()
            .map_err(|e| Error::new(format!("can't run {name}: {e} (is it installed?)")))?;
        if let (Some(p), Some(mut stdin)) = (pass, child.stdin.take()) {
            let _ = writeln!(stdin, "{p}");
        }
        let out = child
            .wait_with_output()
            .map_err(|e| Error::new(format!("{name}: {e}")))?;
        let done = out.status.success()
            && std::fs::metadata(&tmp).is_ok_and(|m| m.len() > 0)
            && File::open(&tmp).and_then(|f| f.sync_all()).is_ok();
        if !done {
            let _ = std::fs::remove_file(&tmp);
            let said = String::from_utf8_lossy(&out.stderr);
            let said = said.trim().lines().last().unwrap_or("no output");
            return Err(Error::new(format!(
                "{name} failed on {} ({}): {said}",
                input.display(),
                out.status
            )));
        }
        std::fs::rename(&tmp, output).map_err(|e| Error::new(format!("{}: {e}", output.display())))
    }

    /// Encrypt `src` into `dest` + one extension per layer; returns the final
    /// file, complete and synced. Nothing is left behind on failure.
    pub fn encrypt(&self, src: &Path, dest: &Path) -> Result<PathBuf> {
        let mut input = src.to_path_buf();
        let mut made: Vec<PathBuf> = Vec::new();
        let mut name = dest.as_os_str().to_owned();
        for layer in &self.layers {
            name.push(".");
            name.push(layer.kind.ext());
            let output = PathBuf::from(&name);
            if let Err(e) = self.one_layer(layer, &input, &output) {
                for f in &made {
                    let _ = std::fs::remove_file(f);
                }
                return Err(e);
            }
            // An intermediate layer is not kept: only the full set protects.
            if input != src {
                let _ = std::fs::remove_file(&input);
                made.retain(|f| *f != input);
            }
            made.push(output.clone());
            input = output;
        }
        if let Some(dir) = input.parent() {
            let _ = File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn layers_are_all_gpg_or_all_age() {
        let l = parse(&json!([
            ["0xAAAABBBBCCCCDDDD", "EEEEFFFF00001111"],
            ["age1qqqqqqqq", "ssh-ed25519 AAAAC3Nz x"]
        ]))
        .unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!((l[0].kind, l[1].kind), (Kind::Gpg, Kind::Age));
        assert_eq!(l[1].recipients.len(), 2);
        assert!(parse(&json!([["AAAABBBB", "age1qqqq"]])).is_err(), "mixed");
        assert!(parse(&json!([[]])).is_err(), "empty layer");
        assert!(
            parse(&json!(["AAAABBBB"])).is_err(),
            "not an array of arrays"
        );
        assert!(parse(&json!([["--homedir=/tmp"]])).is_err(), "an option");
        assert!(parse(&json!([["-rAAAABBBB"]])).is_err(), "an option");
        assert!(parse(&json!([[1]])).is_err());
    }

    #[test]
    fn final_names_add_one_extension_per_layer() {
        let e = Encryptor {
            layers: parse(&json!([["AAAABBBB"], ["age1qqqq"]])).unwrap(),
            signer: None,
            gnupghome: None,
            raw_output: false,
        };
        assert_eq!(
            e.final_name(Path::new("/x/a.ttyrec")),
            Path::new("/x/a.ttyrec.gpg.age")
        );
    }
}
