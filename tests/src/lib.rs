//! A bastion in a namespace sandbox, driven through real `ssh`.
//!
//! [`Sandbox::start`] runs `install/sandbox run --private-net`: its own network
//! namespace (so sandboxes run side by side, each with its own 127.0.0.1:2222),
//! its own /etc, /home, /dev/log... and the real installer. The sandbox lives as
//! long as the pipe to its stdin is open, so a test that panics or is killed
//! takes its sandbox with it. Commands run inside with `nsenter`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The repository root.
#[must_use]
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Where the binaries under test are (`OSH_BUILD_DIR`, default `target/debug`).
#[must_use]
pub fn build_dir() -> PathBuf {
    std::env::var("OSH_BUILD_DIR").map_or_else(|_| repo().join("target/debug"), PathBuf::from)
}

/// Whether integration tests can run here. Without root they cannot: outside CI
/// that is said and the test returns; in CI it is a failure, never a skip.
#[must_use]
pub fn can_run(test: &str) -> bool {
    if nix::unistd::geteuid().is_root() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: integration tests need root, and CI must run them"
    );
    eprintln!(
        "SKIPPED {test}: integration tests need root (namespaces, mounts, useradd); run them as root"
    );
    false
}

/// The outcome of one command.
#[derive(Debug, Clone)]
pub struct Run {
    /// Exit code (-1 if killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    fn from(o: &Output) -> Self {
        Self {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    /// The JSON envelope the command printed, if any.
    #[must_use]
    pub fn json(&self) -> Value {
        osh_core::envelope::extract(&self.stdout)
            .unwrap_or_else(|| panic!("no JSON envelope in:\n{self}"))
    }

    /// stdout and stderr together.
    #[must_use]
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// Assert the exit code, showing everything on failure.
    #[track_caller]
    pub fn code(&self, expected: i32) -> &Self {
        assert_eq!(self.code, expected, "unexpected exit code:\n{self}");
        self
    }

    /// Assert that the output contains `needle`.
    #[track_caller]
    pub fn contains(&self, needle: &str) -> &Self {
        assert!(
            self.all().contains(needle),
            "output lacks {needle:?}:\n{self}"
        );
        self
    }

    /// Assert that the output does not contain `needle`.
    #[track_caller]
    pub fn lacks(&self, needle: &str) -> &Self {
        assert!(
            !self.all().contains(needle),
            "output has {needle:?}:\n{self}"
        );
        self
    }

    /// Assert envelope fields: pairs of a JSON pointer (`/value/key/size`) and the expected value.
    #[track_caller]
    pub fn json_is(&self, checks: &[(&str, Value)]) -> &Self {
        let j = self.json();
        for (ptr, want) in checks {
            let got = j.pointer(ptr).cloned().unwrap_or(Value::Null);
            assert_eq!(&got, want, "at {ptr} in {j}\n{self}");
        }
        self
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "--- exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// The `--osh` call that gives the caller a personal access to the sandbox's
/// target, `tuser@127.0.0.2:2223`.
pub const TARGET_ACCESS: [&str; 8] = [
    "--osh",
    "selfAddPersonalAccess",
    "--host",
    "127.0.0.2",
    "--user",
    "tuser",
    "--port",
    "2223",
];

/// A running sandbox.
pub struct Sandbox {
    child: Child,
    /// Where the installed binaries came from (same path inside and outside).
    pub build: PathBuf,
    /// State directory on the host (keys, logs of the sandbox).
    pub state: PathBuf,
    pid: String,
}

impl Sandbox {
    /// Start a sandbox named `name` (unique per test). Panics with the installer
    /// log if it does not come up.
    #[must_use]
    pub fn start(name: &str) -> Self {
        Self::start_from(name, &build_dir())
    }

    /// Like [`Sandbox::start`], set up as `install/sandbox demo` sets up the
    /// demo (`run --demo`: its walkthrough printed in the log, its ssh_config
    /// and second client key in the state directory), on a private network.
    #[must_use]
    pub fn start_demo(name: &str) -> Self {
        Self::start_with(name, &build_dir(), &["--demo"])
    }

    /// Like [`Sandbox::start`], with the binaries taken from `build`.
    #[must_use]
    pub fn start_from(name: &str, build: &Path) -> Self {
        Self::start_with(name, build, &[])
    }

    fn start_with(name: &str, build: &Path, extra: &[&str]) -> Self {
        assert!(
            build.join("osh").is_file() && build.join("osh-accountCreate").is_file(),
            "the binaries are not built in {}: run the README's test command (install/test), or install/build",
            build.display()
        );
        let state = repo()
            .join("target/it")
            .join(format!("{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&state);
        std::fs::create_dir_all(&state).unwrap();
        let log = std::fs::File::create(state.with_extension("log")).unwrap();
        let child = Command::new(repo().join("install/sandbox"))
            .args(["run", "--private-net", "--state"])
            .arg(&state)
            .arg("--from")
            .arg(build)
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("install/sandbox runs");
        let mut sb = Self {
            child,
            build: build.to_path_buf(),
            state,
            pid: String::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            if let Ok(pid) = std::fs::read_to_string(sb.state.join("pid"))
                && !pid.trim().is_empty()
            {
                sb.pid = pid.trim().to_owned();
                break;
            }
            if let Ok(Some(status)) = sb.child.try_wait() {
                let log =
                    std::fs::read_to_string(sb.state.with_extension("log")).unwrap_or_default();
                let install =
                    std::fs::read_to_string(sb.state.join("install.log")).unwrap_or_default();
                panic!("sandbox {name} exited ({status}) before it was ready:\n{log}\n{install}");
            }
            assert!(
                Instant::now() < deadline,
                "sandbox {name} not ready after 180 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        sb
    }

    /// What the sandbox printed (the demo's walkthrough, in demo mode).
    #[must_use]
    pub fn printed(&self) -> String {
        std::fs::read_to_string(self.state.with_extension("log")).unwrap_or_default()
    }

    /// `[PREFIX...] ssh -i KEY` with the test client options, inside the
    /// sandbox, on the bastion's port; the caller adds options and the host.
    /// The `ssh` command (inside the sandbox) the other helpers start from.
    #[must_use]
    pub fn ssh_command(&self, key: &Path, prefix: &[&str]) -> Command {
        let mut c = self.nsenter();
        c.args(prefix).args(["ssh", "-i"]).arg(key);
        c.args([
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
            "-p",
            "2222",
        ]);
        c
    }

    fn nsenter(&self) -> Command {
        let mut c = Command::new("nsenter");
        c.args([
            "--target", &self.pid, "--mount", "--uts", "--ipc", "--net", "--pid", "--",
        ]);
        c
    }

    /// Run a shell command inside, as root.
    #[must_use]
    pub fn root(&self, script: &str) -> Run {
        Run::from(&self.nsenter().args(["sh", "-c", script]).output().unwrap())
    }

    /// Run a shell command inside as root and require success; returns its
    /// stdout as bytes (binary output).
    #[track_caller]
    pub fn root_bytes(&self, script: &str) -> Vec<u8> {
        let out = self.nsenter().args(["sh", "-c", script]).output().unwrap();
        assert!(
            out.status.success(),
            "{script}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// Run a shell command inside as root and require success; returns stdout.
    #[track_caller]
    pub fn root_ok(&self, script: &str) -> String {
        let r = self.root(script);
        assert_eq!(r.code, 0, "root command failed: {script}\n{r}");
        r.stdout
    }

    /// A new client key pair in the state directory; returns the private key path.
    #[must_use]
    pub fn new_key(&self, name: &str, kind: &str) -> PathBuf {
        let path = self.state.join(format!("key-{name}"));
        let mut c = Command::new("ssh-keygen");
        c.args([
            "-q",
            "-N",
            "",
            "-C",
            &format!("{name}@test"),
            "-t",
            kind,
            "-f",
        ])
        .arg(&path);
        if kind == "rsa" {
            c.args(["-b", "2048"]);
        }
        assert!(c.status().unwrap().success());
        path
    }

    /// The public key line of a key made by [`Sandbox::new_key`].
    #[must_use]
    pub fn pubkey(key: &Path) -> String {
        std::fs::read_to_string(format!("{}.pub", key.display()))
            .unwrap()
            .trim()
            .to_owned()
    }

    /// The demo admin's key.
    #[must_use]
    pub fn admin_key(&self) -> PathBuf {
        self.state.join("admin_key")
    }

    /// `ssh -i KEY ACCOUNT@127.0.0.1 -p 2222 -- ARGS` from inside the sandbox,
    /// with `input` on its stdin. `extra` are ssh client options placed before the host.
    #[must_use]
    pub fn ssh_full(
        &self,
        key: &Path,
        account: &str,
        extra: &[&str],
        args: &[&str],
        input: Option<&[u8]>,
    ) -> Run {
        let mut c = self.ssh_command(key, &["timeout", "60"]);
        c.args(["-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes"])
            .args(extra)
            .arg(format!("{account}@127.0.0.1"));
        if !args.is_empty() {
            c.arg("--").args(args);
        }
        c.stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            });
        let mut child = c.spawn().unwrap();
        if let Some(data) = input {
            let mut stdin = child.stdin.take().unwrap();
            // The remote side may stop reading (that is the point of some tests).
            let _ = stdin.write_all(data);
        }
        Run::from(&child.wait_with_output().unwrap())
    }

    /// Start `ssh -i KEY [OPTS] ACCOUNT@bastion -- ARGS` inside the sandbox and
    /// leave it running (a session to hold open, kill or disconnect).
    #[must_use]
    pub fn ssh_background(&self, key: &Path, account: &str, opts: &[&str], args: &[&str]) -> Child {
        self.ssh_command(key, &[])
            .args(opts)
            .arg(format!("{account}@127.0.0.1"))
            .arg("--")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    /// `ssh ACCOUNT@bastion -- ARGS`.
    #[must_use]
    pub fn ssh(&self, key: &Path, account: &str, args: &[&str]) -> Run {
        self.ssh_full(key, account, &[], args, None)
    }

    /// `ssh admin@bastion -- --json-greppable ARGS`, the harness's `$a0`.
    #[must_use]
    pub fn admin(&self, args: &[&str]) -> Run {
        let mut a = vec!["--json-greppable"];
        a.extend_from_slice(args);
        self.ssh(&self.admin_key(), "admin", &a)
    }

    /// Create an account through the admin (`accountCreate`), returning its key.
    #[track_caller]
    #[must_use]
    pub fn create_account(&self, name: &str, uid: u32) -> PathBuf {
        let key = self.new_key(name, "ed25519");
        let pk = format!("\"{}\"", Self::pubkey(&key));
        self.admin(&[
            "--osh",
            "accountCreate",
            "--account",
            name,
            "--uid",
            &uid.to_string(),
            "--public-key",
            &pk,
        ])
        .code(0)
        .json_is(&[("/error_code", "OK".into())]);
        key
    }

    /// `accountCreate --account NAME --uid-auto EXTRA... --public-key KEY` as
    /// the admin, with a new key (the key's words quoted for the remote
    /// shell; made once per name, so a refused try can be retried); returns
    /// the key and what the command answered.
    #[must_use]
    pub fn create_account_with(&self, name: &str, extra: &[&str]) -> (PathBuf, Run) {
        let made = self.state.join(format!("key-{name}"));
        let key = if made.exists() {
            made
        } else {
            self.new_key(name, "ed25519")
        };
        let pk = format!("'{}'", Self::pubkey(&key));
        let mut args = vec!["--osh", "accountCreate", "--account", name, "--uid-auto"];
        args.extend_from_slice(extra);
        args.extend(["--public-key", pk.as_str()]);
        let r = self.admin(&args);
        (key, r)
    }

    /// Set a key of `/etc/bastion/bastion.conf` the way admins and The Bastion's
    /// harness do: by editing its one line (`value` is JSON text).
    #[track_caller]
    pub fn config_set(&self, key: &str, value: &str) {
        assert!(
            key.bytes().all(|b| b.is_ascii_alphanumeric()),
            "bad key {key}"
        );
        // Quoted for sh, then for perl's replacement (which interpolates @ and $).
        let value = value
            .replace('\'', "'\\''")
            .replace('/', "\\/")
            .replace('@', "\\@")
            .replace('$', "\\$");
        self.root_ok(&format!(
            "perl -pi -e 's/^(\"{key}\":\\s*).*?(,?)\\s*$/${{1}}{value}${{2}}\\n/' /etc/bastion/bastion.conf && grep -q '^\"{key}\"' /etc/bastion/bastion.conf"
        ));
    }

    /// The admin grants `account` the restricted `command` (`accountGrantCommand`).
    #[track_caller]
    pub fn grant(&self, account: &str, command: &str) {
        self.admin(&[
            "--osh",
            "accountGrantCommand",
            "--account",
            account,
            "--command",
            command,
        ])
        .code(0);
    }

    /// [`Self::admin_reaches_target`], then a first connection: the target's
    /// host key is in the admin's known_hosts, and no later session begins
    /// with ssh's "Permanently added ..." line (which is recorded too).
    #[track_caller]
    pub fn admin_has_met_target(&self) {
        self.admin_reaches_target();
        self.ssh(
            &self.admin_key(),
            "admin",
            &["tuser@127.0.0.2", "-p", "2223", "--", "true"],
        )
        .code(0);
    }

    /// Give the admin a personal access to the sandbox's target
    /// (`tuser@127.0.0.2:2223`) and accept its host key on first use.
    #[track_caller]
    pub fn admin_reaches_target(&self) {
        self.admin(&TARGET_ACCESS).code(0);
        self.admin_accepts_new_host_keys();
    }

    /// The admin's egress ssh accepts a host key it has never seen (and
    /// still refuses a changed one).
    #[track_caller]
    pub fn admin_accepts_new_host_keys(&self) {
        self.admin(&[
            "--osh",
            "accountModify",
            "--account",
            "admin",
            "--egress-strict-host-key-checking",
            "accept-new",
        ])
        .code(0);
    }

    /// The last event of type `kind` for which `pred` holds.
    #[must_use]
    pub fn last_event(
        &self,
        kind: &str,
        pred: impl Fn(&(String, Vec<(String, String)>)) -> bool,
    ) -> Option<(String, Vec<(String, String)>)> {
        self.events()
            .into_iter()
            .rev()
            .find(|e| e.0 == kind && pred(e))
    }

    /// The raw datagrams the sandbox's syslog daemon received.
    #[must_use]
    pub fn syslog(&self) -> String {
        self.root_ok("cat /var/log/syslog.raw")
    }

    /// The parsed `bastion` events of the syslog, as (type, fields).
    #[must_use]
    pub fn events(&self) -> Vec<(String, Vec<(String, String)>)> {
        // `<PRI>Mmm dd HH:MM:SS bastion: MSG`: the tag must be in the header,
        // not somewhere inside another program's message.
        self.syslog()
            .lines()
            .filter_map(|l| {
                l.split_once('>')
                    .and_then(|(_, rest)| rest.get(16..))
                    .and_then(|m| m.strip_prefix("bastion: "))
            })
            .map(|m| {
                osh_core::log::parse_line(m).unwrap_or_else(|| panic!("unparsable log line: {m}"))
            })
            .collect()
    }
}

/// `clients` loops of `ssh admin@bastion -- tuser@127.0.0.2 -p 2223 -- true`
/// at once for `seconds`; returns how many sessions ran (all must succeed).
#[must_use]
pub fn load(sb: &Sandbox, clients: usize, seconds: u64) -> usize {
    let key = sb.admin_key();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let runs: Vec<std::thread::JoinHandle<usize>> = (0..clients)
        .map(|_| {
            let mut c = sb.ssh_command(&key, &[]);
            c.args([
                "-o",
                "BatchMode=yes",
                "admin@127.0.0.1",
                "--",
                "tuser@127.0.0.2",
                "-p",
                "2223",
                "--",
                "true",
            ]);
            let argv: Vec<std::ffi::OsString> = std::iter::once(c.get_program().to_owned())
                .chain(c.get_args().map(std::ffi::OsStr::to_owned))
                .collect();
            std::thread::spawn(move || {
                let mut n = 0;
                while Instant::now() < deadline {
                    let out = Command::new(&argv[0])
                        .args(&argv[1..])
                        .output()
                        .expect("ssh");
                    assert!(
                        out.status.success(),
                        "a session failed: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                    n += 1;
                }
                n
            })
        })
        .collect();
    runs.into_iter().map(|h| h.join().expect("a client")).sum()
}

/// Every egress session of the admin is in every sink, opened and closed:
/// syslog, both flat logs, both databases (read with sqlite3); no sink said
/// it failed.
#[track_caller]
pub fn assert_every_sink_has(sb: &Sandbox, sessions: usize) {
    let month = sb.root_ok("date +%Y%m").trim().to_owned();
    let ev = sb.events();
    let count = |kind: &str| {
        ev.iter()
            .filter(|e| e.0 == kind && field(e, "user") == Some("tuser"))
            .count()
    };
    assert_eq!(count("open"), sessions, "syslog opens");
    assert_eq!(count("close"), sessions, "syslog closes");
    let failed: Vec<_> = ev
        .iter()
        .filter(|e| {
            e.0 == "warn"
                || e.1.iter().any(|(k, v)| {
                    (k.ends_with("sql") || k == "accountsql_close") && v.starts_with("error")
                })
        })
        .collect();
    assert!(failed.is_empty(), "sink failures: {failed:?}");
    let lines = |f: &str, kind: &str| {
        sb.root_ok(&format!("grep -c ' {kind} .*user=\"tuser\"' {f} || true"))
            .trim()
            .parse::<usize>()
            .unwrap_or(0)
    };
    for f in [
        format!("/home/logkeeper/global-log-{month}.log"),
        format!("/home/admin/admin-log-{month}.log"),
    ] {
        assert_eq!(lines(&f, "open"), sessions, "{f} opens");
        assert_eq!(lines(&f, "close"), sessions, "{f} closes");
    }
    let q = |db: &str, sql: &str| {
        sb.root_ok(&format!("sqlite3 {db} \"{sql}\""))
            .trim()
            .parse::<usize>()
            .unwrap_or(0)
    };
    let adb = format!("/home/admin/admin-log-{month}.sqlite");
    assert_eq!(
        q(
            &adb,
            "SELECT count(*) FROM connections WHERE user='tuser' AND cmdtype='ssh' AND timestampend IS NOT NULL AND returnvalue=0"
        ),
        sessions,
        "account database rows, completed"
    );
    assert_eq!(
        q(
            &format!("/home/logkeeper/global-log-{month}.sqlite"),
            "SELECT count(*) FROM connections_summary WHERE user='tuser' AND cmdtype='ssh'"
        ),
        sessions,
        "global database rows"
    );
}

/// Poll `cond` every 100 ms for up to 10 s; panic with `what` if it never holds.
#[track_caller]
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..100 {
        if cond() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out waiting: {what}");
}

/// The value of a field of a parsed event.
#[must_use]
pub fn field<'a>(ev: &'a (String, Vec<(String, String)>), key: &str) -> Option<&'a str> {
    ev.1.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // Closing its stdin ends the sandbox; wait for the namespaces to go.
        drop(self.child.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.state);
            let _ = std::fs::remove_file(self.state.with_extension("log"));
        }
    }
}
