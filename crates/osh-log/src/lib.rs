//! osh's log events.
//!
//! This crate owns the one textual format every sink shares: `TYPE key="value" ...`,
//! escaped exactly as The Bastion does it so that existing parsers of its logs keep
//! working. A caller builds an [`Event`] and hands it to a [`Logger`]; the logger
//! renders the line once and passes the same string to every [`Sink`], so syslog and
//! the flat files can never disagree. A sink never fails the caller: it reports how
//! it went in a [`SinkStatus`] so that the other sinks can say so (the `globalsql` /
//! `accountsql` fields of The Bastion's access logs).

mod file;
mod format;
mod syslog;

pub use file::AccessLogSink;
pub use format::{Event, escape_value, parse_line, unescape_value};
pub use syslog::{Facility, MAX_DATAGRAM, Severity, SyslogSink};

use jiff::Zoned;

/// The bastion's time zone, read once per process from `/etc/localtime`
/// (or `TZ`). jiff's own lookup of the system zone walks the whole zoneinfo
/// tree to match the name: over a millisecond in every short-lived process.
#[must_use]
pub fn zone() -> jiff::tz::TimeZone {
    static ZONE: std::sync::OnceLock<jiff::tz::TimeZone> = std::sync::OnceLock::new();
    ZONE.get_or_init(|| {
        if std::env::var_os("TZ").is_some() {
            return jiff::tz::TimeZone::system();
        }
        let name = std::fs::read_link("/etc/localtime")
            .ok()
            .and_then(|t| {
                let t = t.to_string_lossy().into_owned();
                t.split_once("zoneinfo/").map(|(_, n)| n.to_owned())
            })
            .unwrap_or_else(|| "localtime".into());
        std::fs::read("/etc/localtime")
            .ok()
            .and_then(|b| jiff::tz::TimeZone::tzif(&name, &b).ok())
            .unwrap_or(jiff::tz::TimeZone::UTC)
    })
    .clone()
}

/// Now, in the bastion's zone ([`zone`]).
#[must_use]
pub fn now() -> Zoned {
    jiff::Timestamp::now().to_zoned(zone())
}

/// How a sink fared with one event. Never an error the caller must handle:
/// traceability failures are reported, not raised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SinkStatus {
    /// Written.
    Ok,
    /// The sink is disabled by configuration.
    Disabled,
    /// The sink tried and failed; the text says why.
    Failed(String),
}

impl SinkStatus {
    /// The word The Bastion writes in `globalsql`/`accountsql`-style fields.
    #[must_use]
    pub fn as_field(&self) -> String {
        match self {
            Self::Ok => "ok".into(),
            Self::Disabled => "no".into(),
            Self::Failed(why) => format!("error {why}"),
        }
    }
}

/// A destination for rendered events.
pub trait Sink {
    /// A short name, used when a sink reports its own failure in another sink.
    fn name(&self) -> &'static str;
    /// Write one already-rendered line. `at` is the event's time (local zone).
    fn write(&mut self, event: &Event, line: &str, at: &Zoned) -> SinkStatus;
    /// For a sink that stores the event itself (a database row): called
    /// before the line is rendered, each outcome becomes the value of the
    /// field it names (`globalsql`, `accountsql`, `accountsql_close`) if the
    /// event has that field, so the other sinks say how it went.
    fn record(&mut self, _event: &Event, _at: &Zoned) -> Vec<(&'static str, SinkStatus)> {
        Vec::new()
    }
}

/// The common prefix of every event, in The Bastion's order (copied into
/// the `warn` a failing sink causes).
pub const PREFIX: &[&str] = &[
    "uniqid",
    "version",
    "pid",
    "ppid",
    "sysuser",
    "sudo_user",
    "uid",
    "gid",
];

/// Fans one event out to every configured sink.
#[derive(Default)]
pub struct Logger {
    sinks: Vec<Box<dyn Sink>>,
}

impl std::fmt::Debug for Logger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<_> = self.sinks.iter().map(|s| s.name()).collect();
        f.debug_struct("Logger").field("sinks", &names).finish()
    }
}

impl Logger {
    /// A logger with no sinks (logs nothing).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a sink; events go to sinks in the order they were added.
    pub fn add(&mut self, sink: Box<dyn Sink>) {
        self.sinks.push(sink);
    }

    /// Record `event` in the storing sinks, then render it once (with their
    /// outcomes in its fields) and write it to every sink. A storing sink
    /// that failed is also said in a `warn` event: never silent. Returns
    /// each sink's status, by name.
    pub fn log(&mut self, event: &Event) -> Vec<(&'static str, SinkStatus)> {
        self.log_kept(&mut event.clone())
    }

    /// [`Logger::log`], leaving `event` as it was written (the storing
    /// sinks' outcomes in its fields): an `open` whose `close` must repeat it.
    pub fn log_kept(&mut self, event: &mut Event) -> Vec<(&'static str, SinkStatus)> {
        let now = now();
        let mut failed = Vec::new();
        for s in &mut self.sinks {
            for (field, status) in s.record(event, &now) {
                if let SinkStatus::Failed(why) = &status {
                    failed.push(format!("{field} failed: {why}"));
                }
                if event.get(field).is_some() {
                    event.set(field, status.as_field());
                }
            }
        }
        let line = event.render();
        let out = self
            .sinks
            .iter_mut()
            .map(|s| (s.name(), s.write(event, &line, &now)))
            .collect();
        for msg in failed {
            let mut warn = Event::new("warn");
            for key in PREFIX {
                warn.push(key, event.get(key).unwrap_or_default());
            }
            warn.push("msg", msg);
            let wline = warn.render();
            for s in &mut self.sinks {
                s.write(&warn, &wline, &now);
            }
        }
        out
    }
}
