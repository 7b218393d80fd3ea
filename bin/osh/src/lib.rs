//! osh, the login shell of every bastion account.
//!
//! sshd runs it as the account with `-c "<everything after ssh's -->"`. It parses
//! that string as The Bastion does, checks the account's state, logs an `open`
//! event, runs the plugin (or, in a later version, the recorded egress session)
//! as its child, and stays as the small parent so that the `close` event is
//! always written, whatever happens to the child or the client.

mod cli;
mod egress;
mod sys;

use std::net::IpAddr;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use osh_core::account::{self, Account};
use osh_core::config::{self, Config};
use osh_core::envelope::{self, JsonMode};
use osh_core::exit::Exit;
use osh_core::log::{Event, Logger};
use osh_core::unix::Memberships;
use osh_core::{Reply, logging, paths, plugin, recording, ui};
use std::os::unix::fs::DirBuilderExt as _;

pub use cli::{Request, parse};

/// Where the connection comes from and arrives, from `SSH_CONNECTION`.
#[derive(Debug, Clone, Default)]
struct Peer {
    ip_from: String,
    port_from: String,
    host_from: String,
    ip_bastion: String,
    port_bastion: String,
    host_bastion: String,
}

impl Peer {
    fn from_env(dns_level: i64) -> Self {
        let conn = std::env::var("SSH_CONNECTION").unwrap_or_default();
        let mut it = conn.split_whitespace().map(str::to_owned);
        let mut p = Self {
            ip_from: it.next().unwrap_or_default(),
            port_from: it.next().unwrap_or_default(),
            ip_bastion: it.next().unwrap_or_default(),
            port_bastion: it.next().unwrap_or_default(),
            ..Self::default()
        };
        let name = |ip: &str| {
            let parsed: Option<IpAddr> = ip.parse().ok();
            parsed
                .and_then(|a| {
                    if dns_level >= 2 {
                        sys::reverse_dns(a)
                    } else {
                        None
                    }
                })
                .unwrap_or_else(|| ip.to_owned())
        };
        p.host_from = name(&p.ip_from);
        p.host_bastion = name(&p.ip_bastion);
        p
    }
}

/// Everything one invocation carries around.
struct Shell {
    uniqid: String,
    account: Account,
    access_logs: logging::AccessLogs,
    config: Config,
    logger: Logger,
    peer: Peer,
    json: JsonMode,
    started: Instant,
}

impl Shell {
    /// The `open` event's fields, in The Bastion's order.
    fn access_event(
        &self,
        cmdtype: &str,
        allowed: Option<bool>,
        plugin: &str,
        comment: &str,
        params: &str,
    ) -> Event {
        let allowed = match allowed {
            Some(true) => "true",
            Some(false) => "false",
            None => "",
        };
        logging::event("open", &self.uniqid)
            .field("account", &self.account.name)
            .field("cmdtype", cmdtype)
            .field("allowed", allowed)
            .field("ip_from", &self.peer.ip_from)
            .field("port_from", &self.peer.port_from)
            .field("host_from", &self.peer.host_from)
            .field("ip_bastion", &self.peer.ip_bastion)
            .field("port_bastion", &self.peer.port_bastion)
            .field("host_bastion", &self.peer.host_bastion)
            .field("user", "")
            .field("ip_to", "")
            .field("port_to", "")
            .field("host_to", "")
            .field("plugin", plugin)
            // The SQL sinks arrive with the logs issue; until then say they are off.
            .field("globalsql", "no")
            .field("accountsql", "no")
            .field("comment", comment)
            .field("params", params)
            .field("proxyuser", "")
            .field("proxyip", "")
            .field("proxyhost", "")
            .field("proxyport", "")
    }

    fn close(&mut self, open: &Event, sysret: i32, comment_close: &str) {
        let took = self.started.elapsed();
        let e = osh_connect::close_event(open, Some(sysret), None, comment_close, took);
        self.logger.log(&e);
    }

    /// Hand the session over to `osh-connect`, which runs `recorder` (its
    /// program, arguments and environment), waits and writes `close`; osh's
    /// own process becomes it, so what osh loaded is not kept for the whole
    /// session. Returns only if that failed, with the exit code.
    fn hand_over(
        &mut self,
        open: &Event,
        recorder: &Command,
        egress: bool,
        quiet: bool,
        spawn_failed: &str,
    ) -> u8 {
        use std::os::unix::process::CommandExt as _;
        let failed = |sh: &mut Self, why: String| {
            sh.close(open, -1, "ttyrec_failed");
            say_error(sh.json, Exit::TtyrecCmdlineFailed, "ttyrec_failed", &why)
        };
        let plan = osh_connect::Plan {
            open: open.clone(),
            syslog: self.config.enableSyslog.then(|| osh_connect::Syslog {
                facility: self.config.syslogFacility.clone(),
                tag: self.config.syslogDescription.clone(),
            }),
            elapsed_ms: u64::try_from(self.started.elapsed().as_millis()).unwrap_or(0),
            access_logs: self.access_logs.clone(),
            json: self.json.env_value().map(str::to_owned),
            egress,
            quiet,
            spawn_failed: spawn_failed.to_owned(),
            spawn_failed_stdout: error_stdout(
                self.json,
                Exit::TtyrecCmdlineFailed,
                "ttyrec_failed",
                spawn_failed,
            ),
        };
        let fd = match osh_core::sys::inheritable_memfd("osh-plan", plan.to_json().as_bytes()) {
            Ok(fd) => fd,
            Err(e) => return failed(self, format!("{spawn_failed}{e}")),
        };
        let mut cmd = Command::new(paths::connector());
        cmd.arg("--plan-fd")
            .arg(osh_core::sys::raw(&fd).to_string())
            .arg("--")
            .arg(recorder.get_program())
            .args(recorder.get_args());
        for (k, v) in recorder.get_envs() {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        // Held until osh-connect catches them, so a client leaving right now
        // still gets its close.
        osh_core::sys::block_ending();
        let e = cmd.exec();
        osh_core::sys::catch_ending();
        failed(self, format!("{spawn_failed}{e}"))
    }

    /// Refuse with an osh-level error: log an `abort` event, print, exit.
    fn abort(&mut self, exit: Exit, comment: &str, msg: &str, params: &str) -> u8 {
        let ev = self.access_event("abort", None, "", comment, params);
        self.logger.log(&ev);
        say_error(self.json, exit, comment, msg)
    }
}

/// Print an osh-level error (`command: null`) and return its exit code.
fn say_error(json: JsonMode, exit: Exit, comment: &str, msg: &str) -> u8 {
    if exit != Exit::Ok && !msg.is_empty() {
        ui::crit(msg);
    }
    print!("{}", error_stdout(json, exit, comment, msg));
    exit.code()
}

/// What [`say_error`] prints on stdout: the envelope in JSON mode, else nothing.
fn error_stdout(json: JsonMode, exit: Exit, comment: &str, msg: &str) -> String {
    // `KO_` and the close comment; a comment that names no known code would
    // be a bug, and still answers a plain `KO` (a test lists the codes).
    let code = if exit == Exit::Ok {
        osh_core::Code::OK
    } else {
        osh_core::Code::from_name(&format!("KO_{}", comment.to_ascii_uppercase()))
            .unwrap_or(osh_core::Code::KO)
    };
    envelope::render(json, None, &Reply::new(code, msg)).unwrap_or_default()
}

/// osh's own usage text (plugins list themselves through `--osh help`).
fn usage() {
    ui::Out::stderr().raw(
        "Usage: ssh ACCOUNT@BASTION -t -- [OPTIONS] [USER@]HOST [-- COMMAND]\n       \
         ssh ACCOUNT@BASTION -t -- [OPTIONS] --osh COMMAND [COMMAND OPTIONS]\n\n\
         Run '--osh help' for the list of commands you can use, '--long-help' for all options.\n",
    );
}

fn long_usage() {
    ui::Out::stderr().raw(
        "osh options:\n\
         \x20 --osh COMMAND        run a bastion command (see --osh help)\n\
         \x20 --json               print the result as JSON between JSON_START and JSON_END\n\
         \x20 --json-pretty        the same, indented\n\
         \x20 --json-greppable     print the result as one JSON_OUTPUT= line\n\
         \x20 --quiet, -q          less output\n\
         \x20 --host, -h HOST      the host to connect to\n\
         \x20 --user, -u, -l USER  the remote user\n\
         \x20 --port, -p PORT      the remote port\n\
         \x20 --tty, -t / --no-tty, -T   force or refuse a terminal\n\
         \x20 --help, --long-help  this help\n\
         Other options of The Bastion are recognised and refused with a clear error until osh supports them.\n",
    );
}

/// The Bastion's legacy command names.
fn remap(name: &str) -> &str {
    match name {
        "selfAddKey" => "selfAddIngressKey",
        "selfDelKey" => "selfDelIngressKey",
        "selfListKeys" => "selfListIngressKeys",
        "accountListKeys" => "accountListIngressKeys",
        other => other,
    }
}

/// `/etc/bastion/plugin.NAME.conf` says `"disabled": true`.
fn plugin_disabled(name: &str) -> bool {
    let path = Path::new(paths::ETC).join(format!("plugin.{name}.conf"));
    if !path.exists() {
        return false;
    }
    match config::check_secure(&path)
        .ok()
        .and_then(|()| std::fs::read_to_string(&path).ok())
    {
        Some(text) => config::parse_text(&text)
            .ok()
            .and_then(|m| m.get("disabled").cloned())
            .is_some_and(|v| {
                v.as_bool() == Some(true)
                    || v.as_i64() == Some(1)
                    || v.as_str().is_some_and(|s| s == "true" || s == "1")
            }),
        // An admin file we cannot trust: fail closed.
        None => true,
    }
}

/// Run a plugin under the recorder, as our child, and wait for it, writing
/// `close` whatever happens.
fn run_plugin(sh: &mut Shell, req: &Request, name: &str, class: &str, path: &Path) -> u8 {
    let params = req.rest.join(" ");
    let open = sh.access_event("osh", Some(true), name, &format!("plugin-{class}"), &params);
    let subject = recording::Subject {
        home: &sh.account.home,
        uniqid: &sh.uniqid,
        account: &sh.account.name,
        ip: name,
        user: "0",
        port: "0",
        bastion: &sh.config.bastionName,
    };
    let prepared = recording::paths_for(&sh.config, &subject).and_then(|(first, template)| {
        let dir = first.parent().map(Path::to_path_buf).unwrap_or_default();
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(|e| {
                Reply::new(
                    osh_core::Code::ERR_IO,
                    format!("Can't create the recording directory: {e}"),
                )
            })?;
        if !recording::recorder().is_file() {
            return Err(Reply::new(
                osh_core::Code::ERR_NO_RECORDER,
                "The session recorder is missing: nothing runs unrecorded",
            ));
        }
        Ok((first, template))
    });
    let (first, template) = match prepared {
        Ok(p) => p,
        Err(r) => {
            sh.logger.log(&open);
            sh.close(
                &open,
                i32::from(Exit::TtyrecCmdlineFailed.code()),
                "ttyrec_failed",
            );
            return say_error(sh.json, Exit::TtyrecCmdlineFailed, "ttyrec_failed", &r.msg);
        }
    };
    sh.logger.log(&open);
    let idle_ignore = sh.account.public_flag("idle_ignore");
    let ropts = recording::RecorderOptions {
        tty: None,
        stealth_stdout: false,
        idle_ignore,
        pipe_stdout: false,
    };
    let argv = recording::recorder_argv(&sh.config, &first, &template, &ropts);
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .arg(path)
        .arg(req.user.as_deref().unwrap_or(""))
        .arg("")
        .arg(req.host.as_deref().unwrap_or(""))
        .arg(
            req.opts
                .int("port")
                .map(|p| p.to_string())
                .unwrap_or_default(),
        )
        .args(&req.rest)
        .env("PLUGIN_NAME", name)
        .env("UNIQID", &sh.uniqid)
        .env("OSH_IP_FROM", &sh.peer.ip_from);
    if let Some(v) = sh.json.env_value() {
        cmd.env("PLUGIN_JSON", v);
    }
    if sh.json != JsonMode::Off || req.opts.flag("quiet") {
        cmd.env("ANSI_COLORS_DISABLED", "1");
    }
    for (flag, var) in [
        ("quiet", "PLUGIN_QUIET"),
        ("help", "PLUGIN_HELP"),
        ("debug", "PLUGIN_DEBUG"),
    ] {
        if req.opts.flag(flag) {
            cmd.env(var, "1");
        }
    }
    let quiet = req.opts.flag("quiet");
    sh.hand_over(&open, &cmd, false, quiet, &format!("Couldn't run {name}: "))
}

fn plugin_branch(sh: &mut Shell, req: &Request, groups: &Memberships) -> u8 {
    let asked = req.plugin.clone().unwrap_or_default();
    let name = remap(&asked).to_owned();
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let found = if valid { plugin::class_of(&name) } else { None };
    let params = req.rest.join(" ");
    let refuse = |sh: &mut Shell, exit: Exit, comment: &str, msg: &str| {
        let logged = if valid { name.as_str() } else { "" };
        let open = sh.access_event("osh", Some(false), logged, comment, &params);
        sh.logger.log(&open);
        sh.close(&open, i32::from(exit.code()), comment);
        say_error(sh.json, exit, comment, msg)
    };
    let Some((class, path)) = found else {
        return refuse(
            sh,
            Exit::UnknownCommand,
            "unknown_command",
            "Unknown command",
        );
    };
    if !plugin::may_run(class, &name, &sh.account.name, groups, &sh.config) {
        let msg = format!(
            "Sorry, this command ({name}) is restricted and requires you to be specifically granted"
        );
        return refuse(sh, Exit::RestrictedCommand, "restricted_command", &msg);
    }
    if plugin_disabled(&name) {
        return refuse(
            sh,
            Exit::RestrictedCommand,
            "plugin_disabled",
            "Sorry, this command has been disabled by policy",
        );
    }
    run_plugin(sh, req, &name, class, &path)
}

fn valid_remote_user(u: &str) -> bool {
    !u.is_empty()
        && u.len() <= 128
        && !u.starts_with('-')
        && u.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-@".contains(&b))
}

fn valid_remote_host(h: &str) -> bool {
    let inner = h
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .unwrap_or(h);
    !inner.is_empty()
        && h.len() <= 255
        && !inner.starts_with('-')
        && inner
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._:-".contains(&b))
}

/// A connection request: validate what the user typed, then connect.
fn egress_branch(sh: &mut Shell, req: &Request) -> u8 {
    let params = req.rest.join(" ");
    let Some(host) = req.host.clone() else {
        usage();
        return sh.abort(
            Exit::NoHost,
            "no_host",
            "No osh command specified and no host to connect to",
            &params,
        );
    };
    if host.starts_with("--") {
        long_usage();
        return sh.abort(
            Exit::GetoptsFailed,
            "getopts_failed",
            &format!("Couldn't parse option '{}'", ui::clean(&host)),
            &params,
        );
    }
    // The remote user as it will be used (given, `defaultLogin`, or the
    // account's name), checked once, before the host as The Bastion does.
    let user = req.user.clone().unwrap_or_else(|| {
        if sh.config.defaultLogin.is_empty() {
            sh.account.name.clone()
        } else {
            sh.config.defaultLogin.clone()
        }
    });
    if !valid_remote_user(&user) {
        let msg = format!("Remote user name '{}' seems invalid", ui::clean(&user));
        return sh.abort(
            Exit::InvalidRemoteUser,
            "invalid_remote_user",
            &msg,
            &params,
        );
    }
    if host.contains('/') {
        let msg = format!(
            "Remote host '{}' looks like a subnet, can't connect to that",
            ui::clean(&host)
        );
        return sh.abort(
            Exit::InvalidRemoteHost,
            "invalid_remote_host",
            &msg,
            &params,
        );
    }
    if !valid_remote_host(&host) {
        let msg = format!("Remote host name '{}' seems invalid", ui::clean(&host));
        return sh.abort(
            Exit::InvalidRemoteHost,
            "invalid_remote_host",
            &msg,
            &params,
        );
    }
    let port = u16::try_from(req.opts.int("port").unwrap_or(22)).unwrap_or(22);
    egress::connect(sh, req, &host, &user, port, &params)
}

/// Touch `~/lastlog` with where this login came from (its mtime is the last login).
fn record_login(account: &Account, peer: &Peer) {
    let _ = std::fs::write(
        account.home.join("lastlog"),
        format!("{}({})\n", peer.ip_from, peer.host_from),
    );
}

/// The whole shell: returns the exit code.
#[must_use]
pub fn main(argv: Vec<std::ffi::OsString>) -> u8 {
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o027));
    osh_core::sys::catch_ending();
    // Passed explicitly to children (UNIQID) rather than through set_var.
    let uniqid = logging::new_uniqid();
    // Bytes that are not UTF-8 are kept (replaced) so that the refusal below
    // can be logged with what was sent; nothing acts on such a command.
    let not_utf8 = argv.iter().any(|a| a.to_str().is_none());
    let argv: Vec<String> = argv
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let command = match argv.get(1).map(String::as_str) {
        Some("-c") => argv.get(2).cloned(),
        _ => None,
    };
    let req = command.as_deref().map(cli::parse);
    let json = req.as_ref().map_or(JsonMode::Off, Request::json_mode);

    let loaded = match config::load_default() {
        Ok(l) => l,
        Err(e) => {
            // Without a config we still try to leave a trace, with default sinks.
            let mut l = logging::logger(&Config::default());
            l.log(&logging::event("die", &uniqid).field("msg", &e.0));
            return say_error(
                json,
                Exit::ConfigurationFailure,
                "configuration_failure",
                &e.0,
            );
        }
    };
    let mut logger = logging::logger(&loaded.config);
    logging::config_warnings(&mut logger, &uniqid, &loaded.warnings);
    let Some(account) = Account::current() else {
        return say_error(
            json,
            Exit::AccountInvalid,
            "account_invalid",
            "Couldn't find who you are",
        );
    };
    let groups = Memberships::of(&account.name);
    let peer = Peer::from_env(loaded.config.dnsSupportLevel);
    // From here on, sessions also go to the flat access logs, the account's included.
    let access_logs = logging::AccessLogs::of(&loaded.config, Some((&account.home, &account.name)));
    let logger = logging::logger_with(
        loaded.config.enableSyslog.then_some((
            loaded.config.syslogFacility.as_str(),
            loaded.config.syslogDescription.as_str(),
        )),
        &access_logs,
    );
    let mut sh = Shell {
        uniqid,
        account,
        access_logs,
        config: loaded.config,
        logger,
        peer,
        json,
        started: Instant::now(),
    };

    if !sh.account.is_bastion_account(&groups) {
        return sh.abort(
            Exit::AccountInvalid,
            "account_invalid",
            "This account is not a bastion account",
            "",
        );
    }
    let admin = account::is_admin(&sh.account.name, &groups, &sh.config);
    if let Err(r) =
        account::check_state(&sh.account, admin, &sh.config, std::time::SystemTime::now())
    {
        return sh.abort(r.exit, r.comment, &r.msg, "");
    }
    record_login(&sh.account, &sh.peer);
    if not_utf8 {
        let sent = command.as_deref().unwrap_or("");
        return sh.abort(
            Exit::GetoptsFailed,
            "invalid_encoding",
            "Your command line is not valid UTF-8, refusing it",
            sent,
        );
    }

    let Some(req) = req else {
        // A plain `ssh bastion`: no interactive mode yet.
        usage();
        return sh.abort(
            Exit::UnknownCommand,
            "unknown_command",
            "Missing command (interactive mode is not available yet)",
            "",
        );
    };
    if req.opts.flag("interactive") {
        return sh.abort(
            Exit::InteractiveDisabled,
            "interactive_disabled",
            "Interactive mode is not available on this bastion yet",
            "",
        );
    }
    if let Some((opt, value)) = req.opts.bad.first() {
        let msg = format!(
            "Invalid value '{}' for option --{opt}: a number is expected",
            ui::clean_bounded(value, 40)
        );
        let exit = if *opt == "port" {
            Exit::InvalidPort
        } else {
            Exit::GetoptsFailed
        };
        let comment = if *opt == "port" {
            "invalid_port"
        } else {
            "getopts_failed"
        };
        return sh.abort(exit, comment, &msg, "");
    }
    if let Some(opt) = req.unsupported() {
        let msg = format!("The option --{opt} is not supported by this bastion yet");
        return sh.abort(Exit::GetoptsFailed, "unsupported_option", &msg, "");
    }
    if req.opts.flag("help") && req.plugin.is_none() {
        usage();
        return say_error(json, Exit::Ok, "help", "");
    }
    if req.opts.flag("long-help") {
        long_usage();
        return say_error(json, Exit::Ok, "long_help", "");
    }
    if let Some(p) = req.opts.int("port")
        && !(1..=65535).contains(&p)
    {
        return sh.abort(
            Exit::InvalidPort,
            "invalid_port",
            &format!("Invalid port specified ({p})"),
            "",
        );
    }
    if req.opts.flag("tty") && req.opts.flag("no-tty") {
        return sh.abort(
            Exit::ConflictingOptions,
            "tty_notty",
            "Options -t and -T are mutually exclusive",
            "",
        );
    }
    if req.plugin.is_some() {
        plugin_branch(&mut sh, &req, &groups)
    } else {
        egress_branch(&mut sh, &req)
    }
}
