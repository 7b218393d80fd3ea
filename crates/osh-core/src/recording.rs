//! Where a session is recorded, and the recorder's command line, as The Bastion
//! builds them (`ttyrecFilenameFormat` and its `&` tokens, the idle options).

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::paths;
use crate::reply::{Reply, Result};

/// The recorder binary, always by absolute path: Debian's own `ttyrec` package
/// puts an incompatible one on PATH.
#[must_use]
pub fn recorder() -> PathBuf {
    PathBuf::from(paths::PREFIX).join("bin/ttyrec")
}

/// What a recording is about, to name its files.
#[derive(Debug, Clone)]
pub struct Subject<'a> {
    /// The account's home.
    pub home: &'a Path,
    /// Session id.
    pub uniqid: &'a str,
    /// The account.
    pub account: &'a str,
    /// Target IP, or the plugin name for plugin calls.
    pub ip: &'a str,
    /// Remote user (`0` for plugins).
    pub user: &'a str,
    /// Remote port (`0` for plugins).
    pub port: &'a str,
    /// The bastion's name.
    pub bastion: &'a str,
}

/// A token value made safe for a file name: `/` becomes `_`, and an IPv6
/// address is written `v6[a.b.c...]` (no `:` in file names).
fn token_value(v: &str) -> String {
    let v = v.replace('/', "_");
    if v.contains(':') {
        format!("v6[{}]", v.replace(':', "."))
    } else {
        v
    }
}

fn substitute(template: &str, s: &Subject<'_>) -> String {
    // Longest tokens first, so `&remoteaccount` is not read as `&re...`.
    [
        ("&remoteaccount", String::new()),
        ("&bastionname", token_value(s.bastion)),
        ("&account", token_value(s.account)),
        ("&uniqid", token_value(s.uniqid)),
        ("&home", s.home.to_string_lossy().into_owned()),
        ("&user", token_value(s.user)),
        ("&port", token_value(s.port)),
        ("&ip", token_value(s.ip)),
    ]
    .iter()
    .fold(template.to_owned(), |acc, (t, v)| acc.replace(t, v))
}

/// The first file (strftime expanded now) and the template for the next ones.
pub fn paths_for(config: &Config, s: &Subject<'_>) -> Result<(PathBuf, String)> {
    let name = substitute(&config.ttyrecFilenameFormat, s);
    let template = if config.ttyrecDirectPathFormat.is_empty() {
        let dir = s.home.join("ttyrec").join(token_value(s.ip));
        format!("{}/{name}", dir.display())
    } else {
        let t = substitute(&config.ttyrecDirectPathFormat, s);
        if !t.starts_with('/') || t.split('/').any(|c| c == "..") {
            return Err(Reply::new(
                crate::Code::ERR_CONFIGURATION,
                "ttyrecDirectPathFormat must be an absolute path without '..'",
            ));
        }
        t
    };
    let now = osh_log::now();
    let usec = format!("{:06}", now.subsec_nanosecond() / 1000);
    let first =
        jiff::fmt::strtime::format(template.replace("#usec#", &usec), &now).map_err(|e| {
            Reply::new(
                crate::Code::ERR_CONFIGURATION,
                format!("bad ttyrecFilenameFormat: {e}"),
            )
        })?;
    Ok((PathBuf::from(first), template))
}

/// Per-session recorder options.
#[derive(Debug, Clone, Default)]
pub struct RecorderOptions {
    /// `-T always` / `-T never` / auto.
    pub tty: Option<bool>,
    /// Drop stdout from the recording (scp-like data streams).
    pub stealth_stdout: bool,
    /// The account is `idle_ignore`: no idle lock or kill.
    pub idle_ignore: bool,
    /// On a terminal, give the command a pipe as stdout (`--pipe-stdout`):
    /// for ssh, whose bulk output then crosses one pseudo-terminal fewer.
    pub pipe_stdout: bool,
    /// For the seals: the session's id and target (`user@ip:port`, or the plugin).
    pub seal: Option<(String, String)>,
}

/// The seal keeper's program, which the recorder runs for each seal.
#[must_use]
pub fn sealer() -> PathBuf {
    PathBuf::from(paths::PREFIX).join("bin/osh-seal")
}

/// The recorder's argv up to and including `--` (the command follows).
#[must_use]
pub fn recorder_argv(
    config: &Config,
    first: &Path,
    template: &str,
    o: &RecorderOptions,
) -> Vec<String> {
    let mut a = vec![
        recorder().to_string_lossy().into_owned(),
        "-f".into(),
        first.to_string_lossy().into_owned(),
    ];
    a.extend(["-F".into(), template.to_owned()]);
    match o.tty {
        Some(true) => a.extend(["-T".into(), "always".into()]),
        Some(false) => a.extend(["-T".into(), "never".into()]),
        None => {}
    }
    if !o.idle_ignore {
        if config.idleLockTimeout > 0 {
            a.extend(["-t".into(), config.idleLockTimeout.to_string()]);
            a.extend([
                "-s".into(),
                "To unlock, use '--osh unlock' from another console".into(),
            ]);
            if config.warnBeforeLockSeconds > 0 {
                a.extend([
                    "--warn-before-lock".into(),
                    config.warnBeforeLockSeconds.to_string(),
                ]);
            }
        }
        if config.idleKillTimeout > 0 {
            a.extend(["-k".into(), config.idleKillTimeout.to_string()]);
            if config.warnBeforeKillSeconds > 0 {
                a.extend([
                    "--warn-before-kill".into(),
                    config.warnBeforeKillSeconds.to_string(),
                ]);
            }
        }
    }
    if o.stealth_stdout {
        a.push("--stealth-stdout".into());
    }
    if o.pipe_stdout {
        a.push("--pipe-stdout".into());
    }
    if let Some((uniqid, target)) = o.seal.as_ref().filter(|_| config.sealRecordings) {
        a.extend([
            "--seal".into(),
            sealer().to_string_lossy().into_owned(),
            "--uniqid".into(),
            uniqid.clone(),
            "--target".into(),
            target.clone(),
            "--checkpoint-seconds".into(),
            config.sealCheckpointSeconds.to_string(),
            "--checkpoint-bytes".into(),
            config.sealCheckpointBytes.to_string(),
        ]);
    }
    a.extend(config.ttyrecAdditionalParameters.iter().cloned());
    a.push("--".into());
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bastion_layout() {
        let cfg = Config::default();
        let s = Subject {
            home: Path::new("/home/admin"),
            uniqid: "fe34924ad5d7",
            account: "admin",
            ip: "127.0.0.1",
            user: "tuser",
            port: "2224",
            bastion: "b",
        };
        let (first, template) = paths_for(&cfg, &s).unwrap();
        assert_eq!(
            template,
            "/home/admin/ttyrec/127.0.0.1/%Y-%m-%d.%H-%M-%S.#usec#.fe34924ad5d7.admin.tuser.127.0.0.1.2224.ttyrec"
        );
        let f = first.to_string_lossy();
        assert!(
            f.starts_with("/home/admin/ttyrec/127.0.0.1/20")
                && f.ends_with(".fe34924ad5d7.admin.tuser.127.0.0.1.2224.ttyrec"),
            "{f}"
        );
        let v6 = Subject {
            ip: "2001:db8::1",
            ..s
        };
        assert!(
            paths_for(&cfg, &v6)
                .unwrap()
                .1
                .contains("/ttyrec/v6[2001.db8..1]/")
        );
        let plugin = Subject {
            ip: "selfListSessions",
            user: "0",
            port: "0",
            ..s
        };
        assert!(
            paths_for(&cfg, &plugin)
                .unwrap()
                .1
                .ends_with(".admin.0.selfListSessions.0.ttyrec")
        );
        let bad = Config {
            ttyrecDirectPathFormat: "/home/&account/../x".into(),
            ..Config::default()
        };
        assert!(paths_for(&bad, &s).is_err());
    }

    #[test]
    fn idle_options() {
        let cfg = Config {
            idleLockTimeout: 60,
            idleKillTimeout: 120,
            warnBeforeKillSeconds: 10,
            ttyrecAdditionalParameters: vec!["--zstd".into()],
            ..Config::default()
        };
        let a = recorder_argv(
            &cfg,
            Path::new("/f"),
            "/t",
            &RecorderOptions {
                tty: Some(false),
                ..Default::default()
            },
        );
        let s = a.join(" ");
        assert!(
            s.contains(" -T never -t 60 -s To unlock")
                && s.contains(" -k 120 --warn-before-kill 10 --zstd --"),
            "{s}"
        );
        let a = recorder_argv(
            &cfg,
            Path::new("/f"),
            "/t",
            &RecorderOptions {
                idle_ignore: true,
                ..Default::default()
            },
        );
        assert!(!a.contains(&"-t".to_owned()) && !a.contains(&"-k".to_owned()));
    }
}
