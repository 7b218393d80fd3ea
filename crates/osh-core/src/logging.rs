//! The log context every osh process shares: the sinks built from the
//! configuration and the common prefix of fields (`uniqid version pid ppid
//! sysuser sudo_user uid gid`) that starts every event.

use osh_log::{Event, Facility, Logger, SyslogSink};

use crate::config::Config;
use crate::ui::VERSION;

/// The syslog socket.
pub const DEV_LOG: &str = "/dev/log";

/// A logger with the sinks the configuration enables.
#[must_use]
pub fn logger(config: &Config) -> Logger {
    syslog_logger(config.enableSyslog.then_some((
        config.syslogFacility.as_str(),
        config.syslogDescription.as_str(),
    )))
}

/// A logger to `/dev/log` with `(syslogFacility, syslogDescription)`, or to
/// nowhere with `None`: what [`logger`] builds from a configuration, for a
/// process (osh-connect) that is handed those two values instead.
#[must_use]
pub fn syslog_logger(syslog: Option<(&str, &str)>) -> Logger {
    let mut l = Logger::new();
    if let Some((facility, tag)) = syslog {
        let facility = Facility::from_name(facility).unwrap_or(Facility::LOCAL7);
        l.add(Box::new(SyslogSink::new(DEV_LOG, facility, tag)));
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
