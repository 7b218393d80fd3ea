//! One invocation's context, and the three ways it ends early: handing the
//! session over to osh-connect, refusing with an `abort` event, or printing
//! an error (its JSON envelope with `command: null` in JSON mode).

use std::process::Command;
use std::time::Instant;

use osh_core::account::Account;
use osh_core::config::Config;
use osh_core::envelope::{self, JsonMode};
use osh_core::exit::Exit;
use osh_core::log::{Event, Logger};
use osh_core::{Reply, logging, paths, ui};

use crate::peer::Peer;

/// Everything one invocation carries around.
pub(crate) struct Shell {
    pub(crate) uniqid: String,
    pub(crate) account: Account,
    pub(crate) access_logs: logging::AccessLogs,
    pub(crate) config: Config,
    pub(crate) logger: Logger,
    pub(crate) peer: Peer,
    pub(crate) json: JsonMode,
    pub(crate) started: Instant,
}

impl Shell {
    /// The `open` event's fields, in The Bastion's order.
    pub(crate) fn access_event(
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
            // Filled in by the SQLite sinks as they record it ("no" when off).
            .field("globalsql", "no")
            .field("accountsql", "no")
            .field("comment", comment)
            .field("params", params)
            .field("proxyuser", "")
            .field("proxyip", "")
            .field("proxyhost", "")
            .field("proxyport", "")
    }

    pub(crate) fn close(&mut self, open: &Event, sysret: i32, comment_close: &str) {
        let took = self.started.elapsed();
        let e = osh_connect::close_event(open, Some(sysret), None, comment_close, took);
        self.logger.log(&e);
    }

    /// Hand the session over to `osh-connect`, which runs `recorder` (its
    /// program, arguments and environment), waits and writes `close`; osh's
    /// own process becomes it, so what osh loaded is not kept for the whole
    /// session. Returns only if that failed, with the exit code.
    pub(crate) fn hand_over(
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
    pub(crate) fn abort(&mut self, exit: Exit, comment: &str, msg: &str, params: &str) -> u8 {
        let ev = self.access_event("abort", None, "", comment, params);
        self.logger.log(&ev);
        say_error(self.json, exit, comment, msg)
    }
}

/// Print an osh-level error (`command: null`) and return its exit code.
pub(crate) fn say_error(json: JsonMode, exit: Exit, comment: &str, msg: &str) -> u8 {
    if exit != Exit::Ok && !msg.is_empty() {
        ui::crit(msg);
    }
    print!("{}", error_stdout(json, exit, comment, msg));
    exit.code()
}

/// What [`say_error`] prints on stdout: the envelope in JSON mode, else nothing.
pub(crate) fn error_stdout(json: JsonMode, exit: Exit, comment: &str, msg: &str) -> String {
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
