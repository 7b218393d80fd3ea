//! What every cron tool shares: its config file, one instance at a time, its
//! log lines, its progress bar, its errors.

use std::fs::File;
use std::io::{IsTerminal as _, Write as _};
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use osh_log::{Event, Facility, Sink as _, SyslogSink};
use serde_json::{Map, Value};

/// A tool's failure: what to print, and the exit code (1 unless said).
#[derive(Debug)]
pub struct Error {
    pub message: String,
    pub code: u8,
}

impl Error {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: 1,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// `/etc/bastion/NAME.conf`.
#[must_use]
pub fn config_path(tool: &str) -> PathBuf {
    Path::new(osh_core::paths::ETC).join(format!("{tool}.conf"))
}

/// Refuse a config file a non-root user could have written (or, when it may
/// hold a passphrase, could read): cron runs these tools as root.
pub fn check_secure(path: &Path, secret: bool) -> Result<()> {
    osh_core::config::check_secure(path).map_err(|e| Error::new(e.0))?;
    let md = std::fs::metadata(path).map_err(|e| Error::new(format!("{}: {e}", path.display())))?;
    if secret && md.mode() & 0o004 != 0 {
        return Err(Error::new(format!(
            "Configuration file ({}) is world-readable and may hold a passphrase: make it 0600 or 0640 root:root",
            path.display()
        )));
    }
    Ok(())
}

/// The files of `NAME.conf.d/`, sorted, each checked like the main file.
fn dropins(path: &Path, secret: bool) -> Result<Vec<PathBuf>> {
    let dir = PathBuf::from(format!("{}.d", path.display()));
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect(),
        Err(_) => return Ok(Vec::new()),
    };
    files.sort();
    for f in &files {
        check_secure(f, secret)?;
    }
    Ok(files)
}

/// A JSON config (The Bastion's, comments allowed) merged with its `.conf.d`
/// files in order, later keys winning. `None` when the file is absent.
pub fn load_json(path: &Path, secret: bool) -> Result<Option<Map<String, Value>>> {
    if !path.exists() {
        return Ok(None);
    }
    check_secure(path, secret)?;
    let mut merged = Map::new();
    for f in std::iter::once(path.to_path_buf()).chain(dropins(path, secret)?) {
        let text =
            std::fs::read_to_string(&f).map_err(|e| Error::new(format!("{}: {e}", f.display())))?;
        let map = osh_core::config::parse_text(&text)
            .map_err(|e| Error::new(format!("{}: {}", f.display(), e.0)))?;
        merged.extend(map);
    }
    Ok(Some(merged))
}

/// A shell-style config (`KEY=value`, `KEY="value"`, `KEY='value'`, comments)
/// merged with its `.conf.d` files. The Bastion sources these files; we read
/// only assignments and refuse anything else, naming the line, so a config
/// file never runs code as root.
pub fn load_shell(path: &Path, secret: bool) -> Result<Option<Vec<(String, String)>>> {
    if !path.exists() {
        return Ok(None);
    }
    check_secure(path, secret)?;
    let mut out: Vec<(String, String)> = Vec::new();
    for f in std::iter::once(path.to_path_buf()).chain(dropins(path, secret)?) {
        let text =
            std::fs::read_to_string(&f).map_err(|e| Error::new(format!("{}: {e}", f.display())))?;
        for (n, line) in text.lines().enumerate() {
            let at = || format!("{}:{}", f.display(), n + 1);
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (k, v) = parse_assignment(line)
                .ok_or_else(|| Error::new(format!("{}: not a KEY=value line: {line}", at())))?;
            out.retain(|(key, _)| *key != k);
            out.push((k, v));
        }
    }
    Ok(Some(out))
}

fn parse_assignment(line: &str) -> Option<(String, String)> {
    let (k, rest) = line.split_once('=')?;
    if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let rest = rest.trim_end();
    let value = if let Some(inner) = rest.strip_prefix('"') {
        // No expansion: `$` or a backquote inside double quotes would run code
        // when sourced, so it is refused rather than read differently.
        let inner = inner.strip_suffix('"')?;
        if inner.contains(['"', '$', '`', '\\']) {
            return None;
        }
        inner.to_owned()
    } else if let Some(inner) = rest.strip_prefix('\'') {
        let inner = inner.strip_suffix('\'')?;
        if inner.contains('\'') {
            return None;
        }
        inner.to_owned()
    } else {
        let v = rest.split_once(" #").map_or(rest, |(v, _)| v).trim_end();
        if v.contains(|c: char| c.is_whitespace() || "\"'`$\\;&|<>()".contains(c)) {
            return None;
        }
        v.to_owned()
    };
    Some((k.to_owned(), value))
}

/// One value of a shell-style config.
#[must_use]
pub fn shell_value<'a>(conf: &'a [(String, String)], key: &str) -> Option<&'a str> {
    conf.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// Held while the tool runs; a second instance fails at once.
#[derive(Debug)]
pub struct Instance(#[allow(dead_code)] nix::fcntl::Flock<File>);

/// Take the single-instance lock on `path` (the tool's config file, as The
/// Bastion does: nothing to create, and it exists whenever the tool runs).
pub fn single_instance(tool: &str, path: &Path) -> Result<Instance> {
    let f = File::open(path).map_err(|e| Error::new(format!("{}: {e}", path.display())))?;
    nix::fcntl::Flock::lock(f, nix::fcntl::FlockArg::LockExclusiveNonblock)
        .map(Instance)
        .map_err(|(_, e)| {
            if e == nix::errno::Errno::EWOULDBLOCK {
                Error::new(format!(
                    "{tool}: another instance is running (it holds the lock on {}); not starting a second one",
                    path.display()
                ))
            } else {
                Error::new(format!("{}: can't lock: {e}", path.display()))
            }
        })
}

/// Where a tool's lines go: stdout (stderr for warnings and errors), syslog
/// under the tool's name (the `bastion-scripts.log` stream), a log file.
#[derive(Debug)]
pub struct Reporter {
    tool: String,
    syslog: Option<SyslogSink>,
    logfile: Option<File>,
    verbose: u8,
    pub quiet: bool,
    warnings: usize,
    errors: usize,
}

impl Reporter {
    /// `facility`: a syslog facility name (`local6`), empty for none.
    pub fn new(tool: &str, facility: &str, logfile: Option<&Path>, verbose: u8) -> Result<Self> {
        let syslog = if facility.is_empty() {
            None
        } else {
            let f = Facility::from_name(facility).ok_or_else(|| {
                Error::new(format!("{tool}: unknown syslog facility {facility:?}"))
            })?;
            Some(SyslogSink::new("/dev/log", f, tool))
        };
        let logfile = match logfile.filter(|p| !p.as_os_str().is_empty()) {
            Some(p) => Some(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                    .map_err(|e| Error::new(format!("{tool}: log file {}: {e}", p.display())))?,
            ),
            None => None,
        };
        Ok(Self {
            tool: tool.to_owned(),
            syslog,
            logfile,
            verbose,
            quiet: false,
            warnings: 0,
            errors: 0,
        })
    }

    #[must_use]
    pub fn verbose(&self) -> u8 {
        self.verbose
    }

    /// To syslog and the log file; the rendered line.
    fn record(&mut self, ev: &Event) -> String {
        let line = ev.render();
        let now = osh_log::now();
        if let Some(s) = self.syslog.as_mut() {
            let _ = s.write(ev, &line, &now);
        }
        if let Some(f) = self.logfile.as_mut() {
            let _ = writeln!(
                f,
                "{} {}[{}]: {line}",
                now.strftime("%Y-%m-%dT%H:%M:%S%:z"),
                self.tool,
                std::process::id()
            );
        }
        line
    }

    fn emit(&mut self, kind: &str, msg: &str) {
        self.record(&Event::new(kind).field("msg", msg));
        match kind {
            "warn" | "die" => eprintln!("{}: {msg}", self.tool),
            _ if !self.quiet => println!("{}: {msg}", self.tool),
            _ => {}
        }
    }

    pub fn info(&mut self, msg: &str) {
        self.emit("info", msg);
    }

    /// Said only at `--verbose` level `level` or more.
    pub fn detail(&mut self, level: u8, msg: &str) {
        if self.verbose >= level {
            self.emit("info", msg);
        }
    }

    pub fn warn(&mut self, msg: &str) {
        self.warnings += 1;
        self.emit("warn", msg);
    }

    pub fn error(&mut self, msg: &str) {
        self.errors += 1;
        self.emit("die", msg);
    }

    /// The run's end: one summary line (`summary key="value" ...`) for
    /// collectors, then The Bastion's last line, `Done, got N error(s) and
    /// M warning(s)`, which its users' monitoring looks for.
    pub fn summary(&mut self, fields: &[(&str, String)]) {
        let mut ev = Event::new("summary");
        for (k, v) in fields {
            ev.push(k, v);
        }
        let line = self.record(&ev);
        if !self.quiet {
            println!("{}: {line}", self.tool);
        }
        let done = format!(
            "Done, got {} error(s) and {} warning(s)",
            self.errors, self.warnings
        );
        self.emit("info", &done);
    }
}

/// A progress bar on a terminal (stderr), nothing otherwise.
#[must_use]
pub fn progress(total: u64, what: &str) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() || total == 0 {
        return None;
    }
    let b = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{msg} {wide_bar} {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
    ) {
        b.set_style(style);
    }
    b.set_message(what.to_owned());
    Some(b)
}

/// Refuse to run except as root: the tools read every account's files.
pub fn require_root(tool: &str) -> Result<()> {
    if nix::unistd::geteuid().is_root() {
        Ok(())
    } else {
        Err(Error::new(format!("{tool}: must run as root")))
    }
}

/// The options every cron tool takes.
#[derive(clap::Args, Debug, Clone)]
pub struct Common {
    /// More logs; twice for the tools' own output (gpg, age)
    #[arg(long, short, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Another config file than /etc/bastion/TOOL.conf
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// The options of the reapers: `--dry-run` and the common ones.
#[derive(clap::Args, Debug, Clone)]
pub struct ReaperArgs {
    /// Say what would be done, change nothing
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub common: Common,
}

/// Whether a file's modification time is at least `secs` before `now`.
#[must_use]
pub fn unchanged_for(md: &std::fs::Metadata, secs: u64, now: std::time::SystemTime) -> bool {
    md.modified()
        .ok()
        .and_then(|m| now.duration_since(m).ok())
        .is_some_and(|d| d >= std::time::Duration::from_secs(secs))
}

/// A boolean-ish setting: `ENABLED=1` / `"enabled": true`.
#[must_use]
pub fn truthy(v: &str) -> bool {
    matches!(v.trim(), "1" | "true" | "yes" | "on")
}

/// A started reaper: its settings, where it logs, its lock (when it has a config file).
pub type Reaper = (Vec<(String, String)>, Reporter, Option<Instance>);

/// A reaper's start: its optional shell-style config (`LOGFILE`,
/// `LOG_FACILITY`, `ENABLED`, and its own keys), the lock, the reporter.
/// `None` when `ENABLED` is not 1 (said on stdout).
pub fn start_reaper(tool: &str, args: &ReaperArgs) -> Result<Option<Reaper>> {
    require_root(tool)?;
    let verbose = args.common.verbose;
    let path = args
        .common
        .config
        .clone()
        .unwrap_or_else(|| config_path(tool));
    let pairs = load_shell(&path, false)?.unwrap_or_default();
    if !shell_value(&pairs, "ENABLED").is_none_or(truthy) {
        println!("{tool}: disabled (ENABLED in {})", path.display());
        return Ok(None);
    }
    let instance = if path.exists() {
        Some(single_instance(tool, &path)?)
    } else {
        None
    };
    let log = Reporter::new(
        tool,
        shell_value(&pairs, "LOG_FACILITY").unwrap_or("local6"),
        shell_value(&pairs, "LOGFILE").map(Path::new),
        verbose,
    )?;
    Ok(Some((pairs, log, instance)))
}

/// A non-negative integer setting of a shell-style config.
pub fn shell_number(pairs: &[(String, String)], key: &str, default: u64) -> Result<u64> {
    match shell_value(pairs, key) {
        None | Some("") => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| Error::new(format!("{key}: {v:?} is not a number >= 0"))),
    }
}

/// End a tool: print its error, give its exit code.
#[must_use]
pub fn exit(tool: &str, r: Result<()>) -> std::process::ExitCode {
    match r {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{tool}: {e}");
            std::process::ExitCode::from(e.code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_assignments_are_read_not_run() {
        assert_eq!(parse_assignment("A=1"), Some(("A".into(), "1".into())));
        assert_eq!(
            parse_assignment("DESTDIR=\"/root/backups\""),
            Some(("DESTDIR".into(), "/root/backups".into()))
        );
        assert_eq!(
            parse_assignment("K='a b'"),
            Some(("K".into(), "a b".into()))
        );
        assert_eq!(
            parse_assignment("GPGKEYS=\"A B\""),
            Some(("GPGKEYS".into(), "A B".into()))
        );
        assert_eq!(
            parse_assignment("X=1 # note"),
            Some(("X".into(), "1".into()))
        );
        for bad in [
            "X=$(id)",
            "X=\"$(id)\"",
            "X=`id`",
            "rm -rf /",
            "X=a;b",
            "X=\"a",
            "-X=1",
            "X=a b",
        ] {
            assert_eq!(parse_assignment(bad), None, "{bad}");
        }
    }
}
