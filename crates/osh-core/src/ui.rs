//! Human output, in The Bastion's layout: a header naming the host and version,
//! `~ `-prefixed lines, and a footer naming the command.
//!
//! Anything a user or a remote host controls goes through [`clean`] before it is
//! printed, so a crafted comment cannot drive an admin's terminal with escape
//! sequences.

use std::io::Write as _;

/// osh's version, as shown in headers and logged in `version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Replace control characters with a visible `\xNN`.
#[must_use]
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.push_str(&format!("\\x{:02x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// [`clean`], cut after `max` characters with a note of how much was left
/// out: an error quotes what it refuses, but never echoes 100 KB back.
#[must_use]
pub fn clean_bounded(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => clean(s),
        Some((at, _)) => format!("{}... ({} more bytes)", clean(&s[..at]), s.len() - at),
    }
}

/// Where human text goes: stdout, or stderr for plugins whose stdout is data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Out {
    stderr: bool,
    quiet: bool,
}

impl Out {
    /// From the environment osh gives plugins (`FORCE_STDERR`, `PLUGIN_QUIET`).
    #[must_use]
    pub fn from_env() -> Self {
        Self {
            stderr: std::env::var_os("FORCE_STDERR").is_some(),
            quiet: std::env::var_os("PLUGIN_QUIET").is_some(),
        }
    }

    /// Human text to stderr (used by the shell for its own errors).
    #[must_use]
    pub fn stderr() -> Self {
        Self {
            stderr: true,
            quiet: false,
        }
    }

    fn write(self, text: &str) {
        // A closed pipe must not turn into a panic: the envelope may still matter.
        if self.stderr {
            let _ = std::io::stderr().lock().write_all(text.as_bytes());
        } else {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        }
    }

    /// `---HOST------...---osh-VERSION---` then `=> title`.
    pub fn header(self, title: &str) {
        if self.quiet {
            return;
        }
        let host = nix::unistd::gethostname()
            .ok()
            .and_then(|h| h.into_string().ok())
            .unwrap_or_default();
        let right = format!("osh-{VERSION}");
        let fill = 80usize.saturating_sub(3 + host.len() + 3 + right.len() + 3);
        self.write(&format!(
            "---{host}{}{right}---\n=> {}\n{}\n",
            "-".repeat(fill + 3),
            clean(title),
            "-".repeat(80)
        ));
    }

    /// `-----...</name>---`.
    pub fn footer(self, name: &str) {
        if self.quiet {
            return;
        }
        let tag = format!("</{name}>---");
        self.write(&format!(
            "{}{tag}\n",
            "-".repeat(80usize.saturating_sub(tag.len()))
        ));
    }

    /// One `~ ` line per line of `text`.
    pub fn info(self, text: &str) {
        let mut s = String::new();
        for line in text.split('\n') {
            s.push_str("~ ");
            s.push_str(line);
            s.push('\n');
        }
        self.write(&s);
    }

    /// Raw lines, no prefix.
    pub fn raw(self, text: &str) {
        self.write(text);
    }
}

/// An error line to stderr, prefixed as The Bastion prints critical messages.
pub fn crit(msg: &str) {
    let _ = writeln!(std::io::stderr().lock(), "~ {msg}");
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn cleans_escapes() {
        assert_eq!(clean("a\x1b[31mb\nc"), "a\\x1b[31mb\\x0ac");
        assert_eq!(clean("café"), "café");
    }
}

/// `bastionCommand` with its tokens replaced, as users should alias it. One
/// pass over the template, so a replaced value is never itself re-read as a token.
fn alias_command(template: &str, account: &str, bastion: &str, host: &str) -> String {
    const TOKENS: &[&str] = &["ACCOUNT", "USER", "BASTIONNAME", "CACHENAME", "HOSTNAME"];
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while !rest.is_empty() {
        if let Some(tok) = TOKENS.iter().find(|t| rest.starts_with(**t)) {
            out.push_str(match *tok {
                "ACCOUNT" | "USER" => account,
                "HOSTNAME" => host,
                _ => bastion,
            });
            rest = &rest[tok.len()..];
        } else {
            let c = rest.chars().next().unwrap_or_default();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// The alias users should set, as true as this bastion can tell: the host
/// name only if it resolves (else the address the caller reached us at), and
/// the port when it is not 22 and the configured command does not give one.
fn true_alias(template: &str, account: &str, bastion: &str, host: &str) -> String {
    let conn = std::env::var("SSH_CONNECTION").unwrap_or_default();
    let mut it = conn.split_whitespace().skip(2);
    let (ip, port) = (it.next().unwrap_or(""), it.next().unwrap_or("22"));
    let resolves = std::net::ToSocketAddrs::to_socket_addrs(&(host, 22)).is_ok();
    let shown_host = if resolves || ip.is_empty() { host } else { ip };
    let alias = alias_command(template, account, bastion, shown_host);
    let target = format!("{account}@{shown_host}");
    if port != "22" && template.contains("HOSTNAME") && !template.contains(" -p ") {
        alias.replacen(&target, &format!("{target} -p {port}"), 1)
    } else {
        alias
    }
}

/// The `alias` an account should set to reach this bastion
/// (`bastionCommand` with its tokens replaced), as `info` shows it.
#[must_use]
pub fn alias(config: &crate::config::Config, account: &str) -> String {
    let host = nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_default();
    true_alias(&config.bastionCommand, account, &config.bastionName, &host)
}

#[cfg(test)]
mod alias_tests {
    #[test]
    fn alias() {
        assert_eq!(
            super::alias_command("ssh ACCOUNT@HOSTNAME -t -- ", "bob", "b", "h"),
            "ssh bob@h -t -- "
        );
    }
}
