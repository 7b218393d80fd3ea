//! The flat access logs: one line per `open` and `close`, the syslog line
//! after a Perl `localtime` date, appended to a monthly file. They keep the
//! whole line, however long: syslog may have to cut a value, these never do.

use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::PathBuf;

use jiff::Zoned;

use crate::{Event, Sink, SinkStatus};

/// `DIR/PREFIX-log-YYYYMM.log`, created with `mode` (and group `group`, if
/// given) by whichever process writes to it first.
#[derive(Debug)]
pub struct AccessLogSink {
    name: &'static str,
    dir: PathBuf,
    prefix: String,
    mode: u32,
    group: Option<String>,
}

impl AccessLogSink {
    /// A sink named `name` (`globallog`, `accountlog`) writing into `dir`.
    #[must_use]
    pub fn new(
        name: &'static str,
        dir: impl Into<PathBuf>,
        prefix: &str,
        mode: u32,
        group: Option<&str>,
    ) -> Self {
        Self {
            name,
            dir: dir.into(),
            prefix: prefix.to_owned(),
            mode,
            group: group.map(str::to_owned),
        }
    }

    /// The file for the month of `at`.
    #[must_use]
    pub fn path(&self, at: &Zoned) -> PathBuf {
        self.dir
            .join(format!("{}-log-{}.log", self.prefix, at.strftime("%Y%m")))
    }

    fn append(&self, line: &str, at: &Zoned) -> std::io::Result<()> {
        let path = self.path(at);
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .mode(self.mode)
            .open(&path)?;
        let meta = f.metadata()?;
        // Just created by us: the umask may have taken bits the file needs
        // (group write on the global log), and its group is ours, not the
        // shared one. Only the owner can change either, so only once.
        if meta.len() == 0
            && std::os::unix::fs::MetadataExt::uid(&meta) == nix::unistd::geteuid().as_raw()
        {
            // Looked up only here, once a month: every session's parent
            // builds this sink, and a group lookup costs it memory.
            if let Some(gid) = self
                .group
                .as_deref()
                .and_then(|g| nix::unistd::Group::from_name(g).ok().flatten())
            {
                let _ = std::os::unix::fs::fchown(&f, None, Some(gid.gid.as_raw()));
            }
            let _ = f.set_permissions(std::fs::Permissions::from_mode(self.mode));
        }
        // One write: appends of concurrent sessions never interleave inside a line.
        let text = format!("{} {line}\n", at.strftime("%a %b %e %H:%M:%S %Y"));
        f.write_all(text.as_bytes())
    }
}

impl Sink for AccessLogSink {
    fn name(&self) -> &'static str {
        self.name
    }

    fn write(&mut self, event: &Event, line: &str, at: &Zoned) -> SinkStatus {
        if !matches!(event.kind(), "open" | "close") {
            return SinkStatus::Disabled;
        }
        match self.append(line, at) {
            Ok(()) => SinkStatus::Ok,
            Err(e) => SinkStatus::Failed(format!("{}: {e}", self.path(at).display())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_open_and_close_whole_with_perl_dates() {
        let dir = tempfile::tempdir().unwrap();
        let mut sink = AccessLogSink::new("globallog", dir.path(), "global", 0o640, None);
        let at: Zoned = "2020-12-08T11:12:26[UTC]".parse().unwrap();
        let big = "x".repeat(100_000);
        let open = Event::new("open").field("params", &big);
        assert_eq!(sink.write(&open, &open.render(), &at), SinkStatus::Ok);
        let warn = Event::new("code-warning").field("msg", "m");
        assert_eq!(sink.write(&warn, &warn.render(), &at), SinkStatus::Disabled);
        let text = std::fs::read_to_string(dir.path().join("global-log-202012.log")).unwrap();
        assert_eq!(
            text,
            format!("Tue Dec  8 11:12:26 2020 open params=\"{big}\"\n")
        );
        let mode = std::fs::metadata(dir.path().join("global-log-202012.log"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o640);
    }
}
