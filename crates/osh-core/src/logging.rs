//! The log context every osh process shares: the sinks built from the
//! configuration and the common prefix of fields (`uniqid version pid ppid
//! sysuser sudo_user uid gid`) that starts every event.

use std::path::{Path, PathBuf};

use osh_log::{AccessLogSink, Event, Facility, Logger, SyslogSink};

use crate::config::Config;
use crate::ui::VERSION;

/// The syslog socket.
pub const DEV_LOG: &str = "/dev/log";

/// A logger with the sinks the configuration enables (no account: no
/// per-account access log).
#[must_use]
pub fn logger(config: &Config) -> Logger {
    logger_with(
        config.enableSyslog.then_some((
            config.syslogFacility.as_str(),
            config.syslogDescription.as_str(),
        )),
        &AccessLogs::of(config, None),
    )
}

/// Which flat access logs a session's `open` and `close` go to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessLogs {
    /// `enableGlobalAccessLog`: `/home/logkeeper/global-log-YYYYMM.log`.
    pub global: bool,
    /// `enableAccountAccessLog`: `(home, account)` for `HOME/ACCOUNT-log-YYYYMM.log`.
    pub account: Option<(PathBuf, String)>,
}

impl AccessLogs {
    /// What the configuration enables, for `account` (home, name) if known.
    #[must_use]
    pub fn of(config: &Config, account: Option<(&Path, &str)>) -> Self {
        Self {
            global: config.enableGlobalAccessLog,
            account: account
                .filter(|_| config.enableAccountAccessLog)
                .map(|(h, n)| (h.to_path_buf(), n.to_owned())),
        }
    }
}

/// A logger to `/dev/log` with `(syslogFacility, syslogDescription)` (or no
/// syslog with `None`) and to the flat access logs `files`: what [`logger`]
/// builds from a configuration, for a process (osh-connect) that is handed
/// those values instead.
#[must_use]
pub fn logger_with(syslog: Option<(&str, &str)>, files: &AccessLogs) -> Logger {
    let mut l = Logger::new();
    if let Some((facility, tag)) = syslog {
        let facility = Facility::from_name(facility).unwrap_or(Facility::LOCAL7);
        l.add(Box::new(SyslogSink::new(DEV_LOG, facility, tag)));
    }
    if files.global {
        // Every account appends to it: group bastion-users, 0660, in a
        // directory they can write to but not list (0730).
        l.add(Box::new(AccessLogSink::new(
            "globallog",
            crate::paths::LOGKEEPER_HOME,
            "global",
            0o660,
            Some(crate::account::BASTION_USERS),
        )));
    }
    if let Some((home, name)) = &files.account {
        l.add(Box::new(AccessLogSink::new(
            "accountlog",
            home,
            name,
            0o640,
            None,
        )));
    }
    l
}

/// This process's uniqid: `UNIQID` if osh set one for us, else `-`.
#[must_use]
pub fn uniqid() -> String {
    std::env::var("UNIQID")
        .ok()
        .filter(|u| is_uniqid(u))
        .unwrap_or_else(|| "-".into())
}

/// 12 lowercase hex characters.
#[must_use]
pub fn is_uniqid(s: &str) -> bool {
    s.len() == 12
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A fresh uniqid: 6 random bytes from the kernel, in hex.
#[must_use]
pub fn new_uniqid() -> String {
    use std::io::Read as _;
    let mut b = [0u8; 6];
    let got = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut b));
    if got.is_err() {
        // No urandom: fall back to time and pid, still unique enough to correlate lines.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let mix = t.as_nanos() ^ (u128::from(std::process::id()) << 64);
        b.copy_from_slice(&mix.to_le_bytes()[..6]);
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// An event of type `kind` with the common prefix fields filled in.
#[must_use]
pub fn event(kind: &str, uniqid: &str) -> Event {
    let uid = nix::unistd::geteuid();
    // One passwd lookup per process, not per event.
    static SYSUSER: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let sysuser = SYSUSER.get_or_init(|| {
        crate::unix::user_by_uid(uid.as_raw())
            .map(|u| u.name)
            .unwrap_or_default()
    });
    Event::new(kind)
        .field("uniqid", uniqid)
        .field("version", VERSION)
        .field("pid", std::process::id().to_string())
        .field("ppid", nix::unistd::getppid().to_string())
        .field("sysuser", sysuser)
        .field("sudo_user", std::env::var("SUDO_USER").unwrap_or_default())
        .field("uid", uid.to_string())
        .field("gid", nix::unistd::getegid().to_string())
}

/// Log configuration warnings as `code-warning` events (never on stdout).
pub fn config_warnings(logger: &mut Logger, uniqid: &str, warnings: &[String]) {
    for w in warnings {
        logger.log(&event("code-warning", uniqid).field("msg", w));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniqids() {
        let a = new_uniqid();
        assert!(is_uniqid(&a), "{a}");
        assert_ne!(a, new_uniqid());
        assert!(!is_uniqid("ABCDEF012345") && !is_uniqid("abc") && !is_uniqid("0123456789ag"));
    }

    #[test]
    fn prefix_order() {
        let e = event("open", "0123456789ab");
        let keys: Vec<_> = e.fields().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "uniqid",
                "version",
                "pid",
                "ppid",
                "sysuser",
                "sudo_user",
                "uid",
                "gid"
            ]
        );
    }
}
