//! `osh-globallog`: the only writer of the global access logs
//! (`/home/logkeeper/global-log-YYYYMM.{log,sqlite}`). Installed setuid
//! `logkeeper`: every account's sessions are written there, yet no account
//! can rewrite or delete a line or a row, its own or another's, as any
//! account can in The Bastion (whose global files are group-writable).
//!
//! It reads one event on standard input (`{"kind", "fields"}` as JSON),
//! refuses one that claims another account than its caller's (root may
//! write for any: `osh-close-orphaned`), inserts the `open` in the database,
//! appends the line to the flat log, and prints how each went:
//! `{"globalsql": "ok|no|error ...", "globallog": "..."}`. It reads nothing
//! else from its caller: no environment, no arguments.

use std::io::Read as _;

use osh_core::log::{AccessLogSink, Event, Sink as _, SinkStatus};
use osh_core::serde_json::{self, Value, json};

/// The most it reads of an event (a long remote command included).
const MAX_EVENT: u64 = 1 << 20;

fn refuse(why: &str) -> std::process::ExitCode {
    let s = SinkStatus::Failed(why.to_owned()).as_field();
    println!("{}", json!({"globalsql": s, "globallog": s}));
    std::process::ExitCode::from(1)
}

fn main() -> std::process::ExitCode {
    // Whatever umask the caller left: the files are the logkeeper's, readable
    // by auditors (the directory's group) only.
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o027));
    let mut text = String::new();
    if std::io::stdin()
        .lock()
        .take(MAX_EVENT)
        .read_to_string(&mut text)
        .is_err()
    {
        return refuse("unreadable event");
    }
    let Ok(v) = serde_json::from_str::<Value>(&text) else {
        return refuse("malformed event");
    };
    let kind = v["kind"].as_str().unwrap_or_default();
    if kind != "open" && kind != "close" {
        return refuse("only open and close events are written here");
    }
    let mut event = Event::new(kind);
    for pair in v["fields"].as_array().into_iter().flatten() {
        match (pair[0].as_str(), pair[1].as_str()) {
            (Some(k), Some(val))
                if !k.is_empty()
                    && k.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') =>
            {
                event.push(k, val);
            }
            _ => return refuse("malformed field"),
        }
    }
    // Attribution: the caller writes for its own account only.
    let uid = nix::unistd::getuid();
    if !uid.is_root() {
        let me = osh_core::unix::local_user_name(uid.as_raw());
        let claims_me = |k: &str| event.get(k).is_some() && event.get(k) == me.as_deref();
        if me.is_none()
            || !claims_me("account")
            || !claims_me("sysuser")
            || event.get("uid") != Some(uid.as_raw().to_string().as_str())
        {
            return refuse("an event for another account than the caller's");
        }
    }
    let config = osh_core::config::load_default()
        .map(|l| l.config)
        .unwrap_or_default();
    let now = osh_core::log::now();
    let dir = std::path::Path::new(osh_core::paths::LOGKEEPER_HOME);
    let sql = if kind == "open" && config.enableGlobalSqlLog {
        osh_sqllog::GlobalSql::new(dir, 0o640).insert(&event, &now)
    } else {
        SinkStatus::Disabled
    };
    if kind == "open" && event.get("globalsql").is_some() {
        event.set("globalsql", sql.as_field());
    }
    let log = if config.enableGlobalAccessLog {
        let mut sink = AccessLogSink::new("globallog", dir, "global", 0o640, None);
        sink.write(&event, &event.render(), &now)
    } else {
        SinkStatus::Disabled
    };
    println!(
        "{}",
        json!({"globalsql": sql.as_field(), "globallog": log.as_field()})
    );
    std::process::ExitCode::SUCCESS
}
