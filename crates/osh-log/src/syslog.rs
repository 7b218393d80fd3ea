//! A syslog sink speaking RFC 3164 on the local socket.
//!
//! Written here rather than taken from the `syslog` crate because that crate does
//! not reconnect when the daemon restarts (Geal/rust-syslog#21) and stamps UTC,
//! while local syslog(3) -- and so The Bastion's lines -- use local time. It sends
//! exactly what glibc's syslog(3) sends on `/dev/log`: `<PRI>Mmm dd HH:MM:SS
//! TAG: MESSAGE`. Unlike syslog(3) it never interprets `%m` in the message (the
//! Perl bastion's syslog copy loses every `%m` of a ttyrec path that way).

use std::io;
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;

use jiff::Zoned;

use crate::{Event, Sink, SinkStatus};

/// Syslog facilities, by their names in `syslogFacility`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facility(u8);

impl Facility {
    /// `local7`, The Bastion's default.
    pub const LOCAL7: Self = Self(23);

    /// Parse a facility name as syslog.conf spells it (`local0`..`local7`, `user`, `auth`, ...).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        let code = match name {
            "kern" => 0,
            "user" => 1,
            "mail" => 2,
            "daemon" => 3,
            "auth" => 4,
            "syslog" => 5,
            "lpr" => 6,
            "news" => 7,
            "uucp" => 8,
            "cron" => 9,
            "authpriv" => 10,
            "ftp" => 11,
            _ => {
                let n: u8 = name.strip_prefix("local")?.parse().ok()?;
                if n > 7 {
                    return None;
                }
                16 + n
            }
        };
        Some(Self(code))
    }
}

/// Syslog severities used by osh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Errors (`die` events).
    Err = 3,
    /// Warnings (`warn`, `code-warning`).
    Warning = 4,
    /// Everything else, access logs included.
    Info = 6,
}

impl Severity {
    /// The severity The Bastion uses for an event type.
    #[must_use]
    pub fn for_kind(kind: &str) -> Self {
        match kind {
            "die" => Self::Err,
            "warn" | "code-warning" => Self::Warning,
            _ => Self::Info,
        }
    }
}

/// Sends events to the local syslog daemon.
#[derive(Debug)]
pub struct SyslogSink {
    path: PathBuf,
    facility: Facility,
    tag: String,
    socket: Option<UnixDatagram>,
}

/// The largest message sent: rsyslog and syslog-ng keep 8 KiB by default
/// (rsyslog's `maxMessageSize` is 8096), and cut what is longer.
pub const MAX_DATAGRAM: usize = 8000;

impl SyslogSink {
    /// A sink writing to `path` (normally `/dev/log`) with this facility and tag.
    /// Connecting is lazy: a missing daemon costs nothing until an event is sent.
    #[must_use]
    pub fn new(path: impl Into<PathBuf>, facility: Facility, tag: &str) -> Self {
        // The tag is config-controlled; keep it to what syslog parsers accept.
        let tag: String = tag
            .chars()
            .filter(|c| c.is_ascii_graphic() && *c != ':' && *c != '[')
            .take(32)
            .collect();
        Self {
            path: path.into(),
            facility,
            tag,
            socket: None,
        }
    }

    /// The bytes sent for one message.
    #[must_use]
    pub fn datagram(&self, severity: Severity, line: &str, at: &Zoned) -> String {
        let pri = u16::from(self.facility.0) * 8 + severity as u16;
        // `%e` pads the day with a space, as RFC 3164 and syslog(3) do.
        format!(
            "<{pri}>{} {}: {line}",
            at.strftime("%b %e %H:%M:%S"),
            self.tag
        )
    }

    fn send(&mut self, payload: &[u8]) -> io::Result<()> {
        if self.socket.is_none() {
            let s = UnixDatagram::unbound()?;
            s.connect(&self.path)?;
            self.socket = Some(s);
        }
        match self.socket.as_ref().map(|s| s.send(payload)) {
            Some(Ok(_)) => Ok(()),
            Some(Err(e)) => {
                self.socket = None;
                Err(e)
            }
            None => Err(io::Error::other("no socket")),
        }
    }
}

impl Sink for SyslogSink {
    fn name(&self) -> &'static str {
        "syslog"
    }

    fn write(&mut self, event: &Event, line: &str, at: &Zoned) -> SinkStatus {
        let severity = Severity::for_kind(event.kind());
        let mut payload = self.datagram(severity, line, at);
        if payload.len() > MAX_DATAGRAM {
            // A daemon would cut the line at its end, losing the fields that
            // say how the session ended; cut the long values instead, visibly.
            let header = payload.len() - line.len();
            let bounded = event.render_bounded(MAX_DATAGRAM.saturating_sub(header));
            payload = self.datagram(severity, &bounded, at);
        }
        // One reconnect: the daemon may have restarted since we connected.
        match self
            .send(payload.as_bytes())
            .or_else(|_| self.send(payload.as_bytes()))
        {
            Ok(()) => SinkStatus::Ok,
            Err(e) => SinkStatus::Failed(format!("syslog: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facilities() {
        assert_eq!(Facility::from_name("local7"), Some(Facility::LOCAL7));
        assert_eq!(Facility::from_name("local0"), Some(Facility(16)));
        assert_eq!(Facility::from_name("local8"), None);
        assert_eq!(Facility::from_name("auth"), Some(Facility(4)));
        assert_eq!(Facility::from_name("bogus"), None);
    }

    #[test]
    fn datagram_is_rfc3164_like_glibc() {
        let sink = SyslogSink::new("/nonexistent", Facility::LOCAL7, "bastion");
        let at: Zoned = "2026-11-02T01:36:23[UTC]".parse().unwrap();
        assert_eq!(
            sink.datagram(Severity::Info, "open a=\"1\" %m", &at),
            "<190>Nov  2 01:36:23 bastion: open a=\"1\" %m"
        );
    }

    #[test]
    fn sends_to_a_real_socket_and_reconnects() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        let mut sink = SyslogSink::new(&path, Facility::LOCAL7, "osh");
        let ev = Event::new("open").field("a", "b");
        // No daemon yet: reported, not raised.
        assert!(matches!(
            sink.write(&ev, &ev.render(), &Zoned::now()),
            SinkStatus::Failed(_)
        ));
        let rx = UnixDatagram::bind(&path).unwrap();
        assert_eq!(sink.write(&ev, &ev.render(), &Zoned::now()), SinkStatus::Ok);
        let mut buf = [0u8; 256];
        let n = rx.recv(&mut buf).unwrap();
        let got = std::str::from_utf8(&buf[..n]).unwrap();
        assert!(
            got.starts_with("<190>") && got.ends_with(" osh: open a=\"b\""),
            "{got}"
        );
        // The daemon restarts: the sink reconnects by itself.
        drop(rx);
        std::fs::remove_file(&path).unwrap();
        let rx = UnixDatagram::bind(&path).unwrap();
        assert_eq!(sink.write(&ev, &ev.render(), &Zoned::now()), SinkStatus::Ok);
        assert!(rx.recv(&mut buf).unwrap() > 0);
    }
}
