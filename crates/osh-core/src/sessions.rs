//! Sessions as `selfListSessions`/`selfPlaySession` and their `account*`
//! twins show them: the options, the listing in The Bastion's text and
//! JSON shapes, the segments of a recording, and the replay.

use std::io::{Read as _, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use osh_sqllog::{Filter, Session};
use serde_json::{Value, json};

use crate::getopt::{Kind, Opt, Parsed, opt};
use crate::{Code, Reply, Result};

/// The listing's options (The Bastion's), `--account` for the `account*` twin.
pub const LIST_SPEC: &[Opt] = &[
    opt("account", Kind::Str),
    opt("detailed", Kind::Flag),
    opt("id", Kind::Str),
    opt("type", Kind::Str),
    opt("allowed", Kind::Flag),
    opt("denied", Kind::Flag),
    opt("after", Kind::Str),
    opt("before", Kind::Str),
    opt("host", Kind::Str),
    opt("to-port", Kind::Int),
    opt("user", Kind::Str),
    opt("via", Kind::Str),
    opt("via-port", Kind::Int),
    opt("limit", Kind::Int),
];

/// The listing's options, for the help of both listings (a literal, for `concat!`).
#[macro_export]
macro_rules! session_list_options {
    () => {
        "  --detailed       more about each session (end, duration, from, via, exit)\n  \
         --limit N        at most N sessions (default 100)\n  \
         --id ID          the session with this id\n  \
         --type TYPE      sessions of this type (ssh, osh, abort...)\n  \
         --allowed        only the sessions the bastion allowed\n  \
         --denied         only the sessions the bastion denied\n  \
         --after WHEN     started at or after WHEN (epoch, or YYYY-MM-DD[@HH:MM:SS], local time)\n  \
         --before WHEN    started at or before WHEN\n  \
         --host HOST      to this remote host (address or name)\n  \
         --to-port PORT   to this remote port\n  \
         --user USER      as this remote user\n  \
         --via IP         through this bastion address\n  \
         --via-port PORT  through this bastion port\n\
         Every month's database is read, newest session first.\n"
    };
}

/// The replay's options, for the help of both replays.
#[macro_export]
macro_rules! session_play_options {
    () => {
        "  --speed X        X times real time (default 1)\n  \
         --max-idle S     cut pauses longer than S seconds to S (default 5)\n  \
         --no-wait        the output at once, no timing (the default when not on a terminal)\n\
         Every segment of the session is played, in order (plain and .zst). On a terminal:\n  \
         + or f faster, - or s slower, 1 normal speed, space pause, n next output at once, q quit.\n"
    };
}

/// `WHEN`: an epoch, or `YYYY-MM-DD[@HH:MM:SS]` in the bastion's zone.
pub fn when(text: &str, name: &str) -> Result<i64> {
    let bad = || {
        Reply::invalid(format!(
            "--{name}: expected a date of the format YYYY-MM-DD or YYYY-MM-DD@HH:MM:SS or UNIXTIMESTAMP"
        ))
    };
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().map_err(|_| bad());
    }
    let (date, time) = text.split_once('@').unwrap_or((text, "00:00:00"));
    let d: jiff::civil::Date = date.replace('/', "-").parse().map_err(|_| bad())?;
    let t: jiff::civil::Time = time.parse().map_err(|_| bad())?;
    d.to_datetime(t)
        .to_zoned(osh_log::zone())
        .map(|z| z.timestamp().as_second())
        .map_err(|_| bad())
}

/// The filter the options ask for; `host` and `user` are osh's own
/// `--host`/`--user`, which it hands to every plugin.
pub fn filter(p: &Parsed, host: Option<&str>, user: Option<&str>) -> Result<Filter> {
    if p.flag("allowed") && p.flag("denied") {
        return Err(Reply::new(
            Code::ERR_INCOMPATIBLE_PARAMETERS,
            "--allowed and --denied exclude each other",
        ));
    }
    let limit = match p.int("limit") {
        Some(n) if n >= 0 => usize::try_from(n).unwrap_or(usize::MAX),
        Some(_) => return Err(Reply::invalid("Expected a numeric limit")),
        None => 100,
    };
    Ok(Filter {
        id: p.str("id").map(str::to_owned),
        kind: p.str("type").map(str::to_owned),
        allowed: if p.flag("allowed") {
            Some(true)
        } else if p.flag("denied") {
            Some(false)
        } else {
            None
        },
        after: p.str("after").map(|w| when(w, "after")).transpose()?,
        before: p.str("before").map(|w| when(w, "before")).transpose()?,
        host: p.str("host").or(host).map(str::to_owned),
        to_port: p.int("to-port"),
        user: p.str("user").or(user).map(str::to_owned),
        via: p.str("via").map(str::to_owned),
        via_port: p.int("via-port"),
        limit,
    })
}

fn stamp(sec: i64, usec: i64) -> Value {
    if sec == 0 {
        return json!(0);
    }
    #[allow(clippy::cast_precision_loss)]
    let t = sec as f64 + usec as f64 / 1_000_000.0;
    json!(t)
}

fn local(sec: i64) -> String {
    u64::try_from(sec).map_or_else(
        |_| "????/??/??@??:??:??".to_owned(),
        |s| crate::time::local(s, "%Y/%m/%d@%H:%M:%S"),
    )
}

/// What `returned` says: the raw wait status, or the comment when there is
/// none (-1), or null while it runs.
fn returned(s: &Session) -> Value {
    match s.returnvalue {
        Some(r) if r < 0 => json!(s.comment),
        Some(r) => json!(r),
        None => Value::Null,
    }
}

/// One session as The Bastion's JSON shows it.
#[must_use]
pub fn value(s: &Session) -> Value {
    json!({
        "id": s.uniqid,
        "from": {"ip": s.ipfrom, "host": s.hostfrom, "port": s.portfrom},
        "via": {"ip": s.bastionip, "port": s.bastionport, "user": s.account},
        "to": {"ip": s.ipto, "port": s.portto, "host": s.hostto},
        "proxy": {"ip": s.proxyip, "port": s.proxyport, "host": s.proxyhost},
        "timestamp_started": stamp(s.timestamp, s.timestampusec),
        "timestamp_ended": stamp(s.timestampend.unwrap_or(0), s.timestampendusec.unwrap_or(0)),
        "type": s.cmdtype,
        "plugin": s.plugin,
        "allowed": s.allowed,
        "returned": returned(s),
        "params": if s.cmdtype == "osh" { json!(s.params.as_deref().unwrap_or("")) } else { Value::Null },
    })
}

fn or_empty(v: Option<&str>) -> &str {
    v.unwrap_or("")
}

fn port(v: Option<i64>) -> String {
    v.map(|p| p.to_string()).unwrap_or_default()
}

/// How long it lasted, as The Bastion prints it (`0.4`, `02:03.1`, `1d+02:03:04.5`).
fn duration(s: &Session) -> String {
    let Some(end) = s.timestampend else {
        return "running".into();
    };
    let tenths = ((end - s.timestamp) * 1_000_000 + s.timestampendusec.unwrap_or(0)
        - s.timestampusec)
        .max(0)
        / 100_000;
    let (ds, secs) = (tenths % 10, tenths / 10);
    let (d, h, m, sec) = crate::time::dhms(u64::try_from(secs).unwrap_or(0));
    if d > 0 {
        format!("{d}d+{h:02}:{m:02}:{sec:02}.{ds}")
    } else if h > 0 {
        format!("{h:02}:{m:02}:{sec:02}.{ds}")
    } else if m > 0 {
        format!("{m:02}:{sec:02}.{ds}")
    } else {
        format!("{sec}.{ds}")
    }
}

/// One session as a line of text (`--detailed` adds its end, duration,
/// origin and exit).
#[must_use]
pub fn line(s: &Session, detailed: bool) -> String {
    let kind = format!(
        "{}{}{}",
        s.cmdtype,
        s.plugin
            .as_deref()
            .filter(|p| !p.is_empty())
            .map(|p| format!("-{p}"))
            .unwrap_or_default(),
        if s.allowed == Some(1) { "" } else { "/DENIED" }
    );
    let mut to = String::new();
    if s.user.is_some() || s.ipto.is_some() || s.portto.is_some() || s.hostto.is_some() {
        to = format!(
            " to {}@{}:{}({})",
            or_empty(s.user.as_deref()),
            or_empty(s.ipto.as_deref()),
            port(s.portto),
            or_empty(s.hostto.as_deref())
        );
    }
    let params = s
        .params
        .as_deref()
        .filter(|p| s.cmdtype == "osh" && !p.is_empty())
        .map(crate::ui::clean);
    let text = if detailed {
        format!(
            "{} [{} - {} ({:>13})] type {kind} from {}:{}({}) via {}@{}:{}{to} returned {}{}",
            s.uniqid,
            local(s.timestamp),
            s.timestampend
                .map_or_else(|| "????/??/??@??:??:??".to_owned(), local),
            duration(s),
            or_empty(s.ipfrom.as_deref()),
            port(s.portfrom),
            or_empty(s.hostfrom.as_deref()),
            s.account,
            or_empty(s.bastionip.as_deref()),
            port(s.bastionport),
            match returned(s) {
                Value::Null => "null".to_owned(),
                Value::String(c) => c,
                v => v.to_string(),
            },
            params.map(|p| format!(" params {p}")).unwrap_or_default(),
        )
    } else {
        format!(
            "{} [{}] {kind}{}{to}",
            s.uniqid,
            local(s.timestamp),
            params.map(|p| format!(" {p}")).unwrap_or_default()
        )
    };
    crate::ui::clean(&text)
}

/// The listing of `account`'s sessions in `home` matching the options:
/// text and reply, as The Bastion words them.
pub fn list(home: &Path, account: &str, p: &Parsed, f: &Filter) -> Result<(String, Reply)> {
    let dbs = osh_sqllog::monthly(home, account);
    let (rows, errors) = osh_sqllog::sessions(&dbs, f);
    let mut text = String::new();
    for e in &errors {
        text.push_str(&format!("~ Couldn't read {e}\n"));
    }
    if rows.is_empty() {
        if !errors.is_empty() {
            return Err(Reply::new(Code::ERR_IO, errors.join("; ")));
        }
        text.push_str("~ No session found\n");
        return Ok((text, Reply::new(Code::OK_EMPTY, "No session found")));
    }
    text.push_str(&format!(
        "~ The list of your {} past sessions follows:\n~  \n",
        f.limit
    ));
    let detailed = p.flag("detailed");
    for s in &rows {
        text.push_str(&line(s, detailed));
        text.push('\n');
    }
    if rows.len() >= f.limit {
        text.push_str(&format!(
            "~ \n~ Results limited to {}, but there might be more matching the given criteria,\n\
             ~ you might want to re-run with a higher limit, or with stricter criteria,\n\
             ~ check the --help of this command for more information.\n",
            f.limit
        ));
    }
    let values: Vec<Value> = rows.iter().map(value).collect();
    Ok((text, Reply::ok(Value::Array(values))))
}

/// The session `id` of `account`, from its databases (newest month first).
pub fn find(home: &Path, account: &str, id: &str) -> Result<Session> {
    if !crate::logging::is_uniqid(id) {
        // Not even the shape of an id: no such session, as The Bastion says.
        return Err(Reply::new(
            Code::ERR_NOT_FOUND,
            format!(
                "No session with id {} was found (an id is 12 hexadecimal characters)",
                crate::ui::clean_bounded(id, 40)
            ),
        ));
    }
    let f = Filter {
        id: Some(id.to_owned()),
        limit: 10,
        ..Filter::default()
    };
    let (rows, errors) = osh_sqllog::sessions(&osh_sqllog::monthly(home, account), &f);
    // A denial and its abort share the uniqid: the session is the allowed one.
    rows.iter()
        .find(|s| s.allowed == Some(1))
        .or_else(|| rows.first())
        .cloned()
        .ok_or_else(|| {
            let why = if errors.is_empty() {
                String::new()
            } else {
                format!(" ({})", errors.join("; "))
            };
            Reply::new(
                Code::ERR_NOT_FOUND,
                format!("No session with id {id} was found{why}"),
            )
        })
}

/// Every segment of the session's recording, in order: the first one the
/// database names and those the recorder rotated to, plain or `.zst`; or
/// why there is none to play.
pub fn segments(home: &Path, s: &Session) -> Result<Vec<PathBuf>> {
    let dir = match s.ttyrecfile.as_deref() {
        Some(f) => Path::new(f).parent().map(Path::to_path_buf),
        None => s
            .ipto
            .as_deref()
            .or(s.plugin.as_deref())
            .map(|d| home.join("ttyrec").join(d)),
    };
    let not_found = |why: &str| {
        Reply::new(
            Code::ERR_NOT_FOUND,
            format!("The recording of session {} {why}", s.uniqid),
        )
    };
    let Some(dir) = dir.filter(|d| d.starts_with(home)) else {
        return Err(not_found("is not known"));
    };
    let tag = format!(".{}.", s.uniqid);
    let mut found: Vec<PathBuf> = Vec::new();
    let mut archived = false;
    for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.contains(&tag) {
            continue;
        }
        if name.ends_with(".ttyrec") || name.ends_with(".ttyrec.zst") {
            found.push(e.path());
        } else if name.ends_with(".gpg")
            || name.ends_with(".age")
            // osh-encrypt-rsync's note where it took a recording from.
            || name.ends_with(".archived")
        {
            archived = true;
        }
    }
    found.sort();
    if found.is_empty() {
        return Err(not_found(if archived {
            "has been archived (encrypted): ask an admin to restore it"
        } else {
            "is gone (rotated away or deleted)"
        }));
    }
    Ok(found)
}

/// The summary printed before a replay.
#[must_use]
pub fn summary(s: &Session) -> String {
    let ended = s
        .timestampend
        .map_or_else(|| "(still running)".to_owned(), local);
    format!(
        "ID       : {}\nStarted  : {}\nEnded    : {ended}\nDuration : {}\nType     : {}{}\nFrom     : {}:{}\nVia      : {}@{}:{}\nTo       : {}@{}:{}\nRetCode  : {}\nParams   : {}\n",
        s.uniqid,
        local(s.timestamp),
        duration(s),
        s.cmdtype,
        s.plugin
            .as_deref()
            .filter(|p| !p.is_empty())
            .map(|p| format!(" ({p})"))
            .unwrap_or_default(),
        or_empty(s.ipfrom.as_deref()),
        port(s.portfrom),
        s.account,
        or_empty(s.bastionip.as_deref()),
        port(s.bastionport),
        or_empty(s.user.as_deref()),
        or_empty(s.ipto.as_deref()),
        port(s.portto),
        match returned(s) {
            Value::Null => "null".into(),
            v => v.to_string(),
        },
        crate::ui::clean(
            s.params
                .as_deref()
                .filter(|_| s.cmdtype == "osh")
                .unwrap_or("")
        ),
    )
}

/// How a replay goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pace {
    /// 1.0 is real time; 2.0 twice as fast.
    pub speed: f64,
    /// A pause in the recording longer than this is cut to it.
    pub max_idle: Duration,
    /// No waiting at all: the bytes, as fast as they go.
    pub no_wait: bool,
}

/// The wait before `next`, after `prev`, at `pace`.
#[must_use]
pub fn wait(prev: &osh_ttyrec::Frame, next: &osh_ttyrec::Frame, pace: &Pace) -> Duration {
    if pace.no_wait {
        return Duration::ZERO;
    }
    let a = prev.sec.saturating_mul(1_000_000) + u64::from(prev.usec);
    let b = next.sec.saturating_mul(1_000_000) + u64::from(next.usec);
    let real = Duration::from_micros(b.saturating_sub(a)).min(pace.max_idle);
    real.div_f64(pace.speed.max(0.01))
}

/// What a key pressed during a replay asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// `+` or `f`: twice as fast.
    Faster,
    /// `-` or `s`: half as fast.
    Slower,
    /// `1`: real time again.
    Normal,
    /// space: pause, or go on.
    Pause,
    /// `n` or tab: no more waiting before the next output.
    Skip,
    /// `q`: stop.
    Quit,
}

impl Key {
    /// The key for a byte read from the terminal.
    #[must_use]
    pub fn of(b: u8) -> Option<Self> {
        match b {
            b'+' | b'f' => Some(Self::Faster),
            b'-' | b's' => Some(Self::Slower),
            b'1' => Some(Self::Normal),
            b' ' => Some(Self::Pause),
            b'n' | b'\t' => Some(Self::Skip),
            b'q' | 3 => Some(Self::Quit),
            _ => None,
        }
    }
}

/// Wait up to `d` for a key on `keys` (a terminal in raw mode); `None` when
/// the time is up (or there is no terminal to read).
fn key_within(keys: Option<&std::fs::File>, d: Duration) -> Option<Key> {
    use std::os::fd::AsFd as _;
    let Some(k) = keys else {
        std::thread::sleep(d);
        return None;
    };
    let deadline = std::time::Instant::now() + d;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let ms = u16::try_from(left.as_millis()).unwrap_or(u16::MAX);
        let mut fds = [nix::poll::PollFd::new(
            k.as_fd(),
            nix::poll::PollFlags::POLLIN,
        )];
        match nix::poll::poll(&mut fds, nix::poll::PollTimeout::from(ms)) {
            Ok(0) => {
                if left.is_zero() {
                    return None;
                }
            }
            Ok(_) => {
                let mut b = [0u8; 1];
                let mut r = k;
                if matches!(r.read(&mut b), Ok(1))
                    && let Some(key) = Key::of(b[0])
                {
                    return Some(key);
                }
            }
            Err(_) => {
                std::thread::sleep(left);
                return None;
            }
        }
        if std::time::Instant::now() >= deadline {
            return None;
        }
    }
}

/// The frames of `segments`, in order, each segment read whole (plain or
/// zstd); a segment cut short (a recorder killed) gives what it holds.
pub fn frames(segments: &[PathBuf]) -> impl Iterator<Item = Result<osh_ttyrec::Frame>> + '_ {
    segments.iter().flat_map(|seg| {
        let got: Vec<Result<osh_ttyrec::Frame>> = match std::fs::read(seg) {
            Ok(bytes) => osh_ttyrec::read_all(&bytes).0.into_iter().map(Ok).collect(),
            Err(e) => vec![Err(Reply::new(
                Code::ERR_IO,
                format!("Couldn't read {}: {e}", seg.display()),
            ))],
        };
        got
    })
}

/// The frames of a plain ttyrec stream (what `osh-accountSessions` sends).
pub fn stream_frames<R: std::io::Read>(r: R) -> impl Iterator<Item = Result<osh_ttyrec::Frame>> {
    let mut reader = osh_ttyrec::FrameReader::new(r);
    std::iter::from_fn(move || match reader.next_frame() {
        Ok(Some(f)) => Some(Ok(f)),
        Ok(None) => None,
        Err(e) => Some(Err(Reply::new(
            Code::ERR_IO,
            format!("The replay stream broke: {e}"),
        ))),
    })
}

/// Replay `frames` on `out` at `pace`, keys read from `keys` (the user's
/// terminal, in raw mode, if there is one). Returns the bytes written, and
/// whether the user quit.
pub fn replay(
    frames: impl Iterator<Item = Result<osh_ttyrec::Frame>>,
    out: &mut dyn Write,
    mut pace: Pace,
    keys: Option<&std::fs::File>,
) -> Result<(u64, bool)> {
    let mut prev: Option<osh_ttyrec::Frame> = None;
    let mut written = 0u64;
    for f in frames {
        let f = f?;
        let mut d = prev.as_ref().map_or(Duration::ZERO, |p| wait(p, &f, &pace));
        loop {
            match key_within(keys, d) {
                None | Some(Key::Skip) => break,
                Some(Key::Quit) => return Ok((written, true)),
                Some(Key::Faster) => pace.speed = (pace.speed * 2.0).min(64.0),
                Some(Key::Slower) => pace.speed = (pace.speed / 2.0).max(1.0 / 64.0),
                Some(Key::Normal) => pace.speed = 1.0,
                Some(Key::Pause) => {
                    // Paused until the next key (q still quits).
                    if key_within(keys, Duration::from_secs(24 * 3600)) == Some(Key::Quit) {
                        return Ok((written, true));
                    }
                }
            }
            // What is left of the wait, at the new speed.
            d = prev.as_ref().map_or(Duration::ZERO, |p| wait(p, &f, &pace)) / 2;
        }
        out.write_all(&f.data)
            .and_then(|()| out.flush())
            .map_err(|e| Reply::new(Code::ERR_IO, format!("Couldn't write the replay: {e}")))?;
        written += f.data.len() as u64;
        prev = Some(f);
    }
    Ok((written, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_the_bastion_takes_them() {
        assert_eq!(when("1700000000", "after").ok(), Some(1_700_000_000));
        assert!(when("2026-11-01", "after").is_ok());
        assert!(when("2026/11/01@12:30:00", "after").is_ok());
        assert_eq!(
            when("2026-11-01@00:00:01", "x")
                .ok()
                .map(|t| t - when("2026-11-01", "x").ok().unwrap_or_default()),
            Some(1)
        );
        for bad in ["", "yesterday", "2026-13-01", "2026-11-01@25:00:00", "-5"] {
            assert!(when(bad, "after").is_err(), "{bad}");
        }
    }

    #[test]
    fn waits_follow_the_pace() {
        let f = |sec, usec| osh_ttyrec::Frame {
            sec,
            usec,
            data: vec![],
        };
        let pace = Pace {
            speed: 1.0,
            max_idle: Duration::from_secs(3),
            no_wait: false,
        };
        assert_eq!(
            wait(&f(10, 0), &f(11, 500_000), &pace),
            Duration::from_millis(1500)
        );
        assert_eq!(wait(&f(10, 0), &f(100, 0), &pace), Duration::from_secs(3));
        let fast = Pace { speed: 2.0, ..pace };
        assert_eq!(
            wait(&f(10, 0), &f(11, 0), &fast),
            Duration::from_millis(500)
        );
        let none = Pace {
            no_wait: true,
            ..pace
        };
        assert_eq!(wait(&f(10, 0), &f(11, 0), &none), Duration::ZERO);
        assert_eq!(Key::of(b'q'), Some(Key::Quit));
        assert_eq!(Key::of(b'x'), None);
    }

    #[test]
    fn durations_as_the_bastion_prints_them() {
        let s = |secs: i64, usec: i64| Session {
            timestamp: 1000,
            timestampusec: 0,
            timestampend: Some(1000 + secs),
            timestampendusec: Some(usec),
            ..Session::default()
        };
        assert_eq!(duration(&s(0, 400_000)), "0.4");
        assert_eq!(duration(&s(123, 100_000)), "02:03.1");
        assert_eq!(duration(&s(93_784, 500_000)), "1d+02:03:04.5");
        assert_eq!(duration(&Session::default()), "running");
    }
}
