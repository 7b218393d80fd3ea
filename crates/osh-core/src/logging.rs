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

/// Which access logs (flat files and SQLite) a session's `open` and
/// `close` go to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessLogs {
    /// `enableGlobalAccessLog`: `/home/logkeeper/global-log-YYYYMM.log`.
    pub global: bool,
    /// `enableAccountAccessLog`: `(home, account)` for `HOME/ACCOUNT-log-YYYYMM.log`.
    pub account: Option<(PathBuf, String)>,
    /// `enableGlobalSqlLog`: `/home/logkeeper/global-log-YYYYMM.sqlite`.
    pub global_sql: bool,
    /// `enableAccountSqlLog`: `(home, account)` for `HOME/ACCOUNT-log-YYYYMM.sqlite`.
    pub account_sql: Option<(PathBuf, String)>,
}

impl AccessLogs {
    /// What the configuration enables, for `account` (home, name) if known.
    #[must_use]
    pub fn of(config: &Config, account: Option<(&Path, &str)>) -> Self {
        let mine = |on: bool| {
            account
                .filter(|_| on)
                .map(|(h, n)| (h.to_path_buf(), n.to_owned()))
        };
        Self {
            global: config.enableGlobalAccessLog,
            account: mine(config.enableAccountAccessLog),
            global_sql: config.enableGlobalSqlLog,
            account_sql: mine(config.enableAccountSqlLog),
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
    // The databases first: their outcome is a field of the line the others write.
    if let Some((home, name)) = &files.account_sql {
        l.add(Box::new(osh_sqllog::AccountSql::new(home, name)));
    }
    if files.global || files.global_sql {
        l.add(Box::new(GlobalWriter));
    }
    if let Some((facility, tag)) = syslog {
        let facility = Facility::from_name(facility).unwrap_or(Facility::LOCAL7);
        l.add(Box::new(SyslogSink::new(DEV_LOG, facility, tag)));
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

/// The global access logs (flat file and database), written by
/// `osh-globallog`, setuid logkeeper: no account can write them itself, so
/// none can rewrite what another (or it) did. It runs with the storing
/// sinks, so the line the others write says how the database took it.
struct GlobalWriter;

impl GlobalWriter {
    fn run(event: &Event) -> std::result::Result<serde_json::Value, String> {
        use std::io::Write as _;
        use std::process::{Command, Stdio};
        let fields: Vec<serde_json::Value> = event
            .fields()
            .iter()
            .map(|(k, v)| serde_json::json!([k, v]))
            .collect();
        let body = serde_json::json!({"kind": event.kind(), "fields": fields}).to_string();
        let mut child = Command::new(crate::paths::globallog())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .env_clear()
            .spawn()
            .map_err(|e| format!("couldn't run osh-globallog: {e}"))?;
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(body.as_bytes());
        }
        let out = child
            .wait_with_output()
            .map_err(|e| format!("osh-globallog: {e}"))?;
        serde_json::from_slice(&out.stdout)
            .map_err(|_| format!("osh-globallog gave no answer ({})", out.status))
    }
}

impl osh_log::Sink for GlobalWriter {
    fn name(&self) -> &'static str {
        "globallog"
    }

    fn write(&mut self, _: &Event, _: &str, _: &jiff::Zoned) -> osh_log::SinkStatus {
        osh_log::SinkStatus::Disabled
    }

    fn record(
        &mut self,
        event: &Event,
        _: &jiff::Zoned,
    ) -> Vec<(&'static str, osh_log::SinkStatus)> {
        use osh_log::SinkStatus;
        if !matches!(event.kind(), "open" | "close") {
            return Vec::new();
        }
        let status = |v: &serde_json::Value, key: &str| match v[key].as_str() {
            Some("ok") => SinkStatus::Ok,
            Some("no") => SinkStatus::Disabled,
            Some(other) => {
                SinkStatus::Failed(other.strip_prefix("error ").unwrap_or(other).to_owned())
            }
            None => SinkStatus::Failed("no answer".into()),
        };
        match Self::run(event) {
            Ok(v) => {
                let mut out = vec![("globallog", status(&v, "globallog"))];
                if event.kind() == "open" {
                    out.push(("globalsql", status(&v, "globalsql")));
                }
                out
            }
            Err(why) => vec![("globalsql", SinkStatus::Failed(why))],
        }
    }
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

/// The `die` event of a panic: its message and place, the program, its
/// command line joined with `^` (as The Bastion's), and a backtrace.
#[must_use]
pub fn die_event(uniqid: &str, msg: &str, argv: &[String], trace: &str) -> Event {
    event("die", uniqid)
        .field("msg", msg)
        .field("program", argv.first().map_or("", String::as_str))
        .field("cmdline", argv.join("^"))
        .field("trace", trace)
}

/// Make a panic anywhere in this process a `die` event in the logs (the
/// configuration's sinks, or syslog by default), never a silent crash; the
/// usual message still goes to stderr.
pub fn log_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info.payload().downcast_ref::<&str>().map_or_else(
            || {
                info.payload()
                    .downcast_ref::<String>()
                    .cloned()
                    .unwrap_or_else(|| "panic".into())
            },
            |s| (*s).to_owned(),
        );
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let argv: Vec<String> = std::env::args_os()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let trace = std::backtrace::Backtrace::force_capture().to_string();
        let config = crate::config::load_default()
            .map(|l| l.config)
            .unwrap_or_default();
        logger(&config).log(&die_event(&uniqid(), &format!("{msg}{at}"), &argv, &trace));
        previous(info);
    }));
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
        assert_eq!(keys, osh_log::PREFIX);
    }
}
