//! `--osh NAME`: which plugin, whether this account may run it, and its run
//! under the recorder, handed over to osh-connect.

use std::os::unix::fs::DirBuilderExt as _;
use std::path::Path;
use std::process::Command;

use osh_core::envelope::JsonMode;
use osh_core::exit::Exit;
use osh_core::unix::Memberships;
use osh_core::{Reply, plugin, recording};

use crate::cli::Request;
use crate::shell::{Shell, say_error};

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

/// Plugins whose standard output is an export of a recording.
const EXPORTS: &[&str] = &["selfExportSession", "accountExportSession"];

/// `/etc/bastion/plugin.NAME.conf` says `"disabled": true`.
fn plugin_disabled(name: &str) -> bool {
    match osh_core::access::plugin_config(name) {
        Ok(conf) => conf.get("disabled").is_some_and(|v| {
            v.as_bool() == Some(true)
                || v.as_i64() == Some(1)
                || v.as_str().is_some_and(|s| s == "true" || s == "1")
        }),
        // An admin file we cannot trust (or read): fail closed.
        Err(_) => true,
    }
}

/// Run a plugin under the recorder, as our child, and wait for it, writing
/// `close` whatever happens.
fn run_plugin(sh: &mut Shell, req: &Request, name: &str, class: &str, path: &Path) -> u8 {
    let params = req.rest.join(" ");
    let mut open = sh.access_event("osh", Some(true), name, &format!("plugin-{class}"), &params);
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
            sh.logger.log_kept(&mut open);
            sh.close(
                &open,
                i32::from(Exit::TtyrecCmdlineFailed.code()),
                "ttyrec_failed",
            );
            return say_error(sh.json, Exit::TtyrecCmdlineFailed, "ttyrec_failed", &r.msg);
        }
    };
    open.note("ttyrecfile", first.to_string_lossy());
    sh.logger.log_kept(&mut open);
    let idle_ignore = sh.account.public_flag("idle_ignore");
    let ropts = recording::RecorderOptions {
        tty: None,
        // An export's stdout is a copy of a recording already sealed: not
        // recorded twice (what was exported is in the `export` event).
        stealth_stdout: EXPORTS.contains(&name),
        idle_ignore,
        pipe_stdout: false,
        seal: Some((sh.uniqid.clone(), name.to_owned())),
    };
    let argv = recording::recorder_argv(&sh.config, &first, &template, &ropts);
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .arg(path)
        .arg(req.user.as_deref().unwrap_or(""))
        .arg("")
        .arg(req.host.as_deref().unwrap_or(""))
        .arg(req.plugin_port())
        .args(&req.rest)
        .env("PLUGIN_NAME", name)
        .env("UNIQID", &sh.uniqid)
        .env("OSH_IP_FROM", &sh.peer.ip_from);
    if let Some(v) = sh.json.env_value() {
        cmd.env("PLUGIN_JSON", v);
    }
    if EXPORTS.contains(&name) {
        // Standard output is the export: every human word goes to stderr.
        cmd.env("FORCE_STDERR", "1");
    }
    if sh.json != JsonMode::Off || req.opts.flag("quiet") {
        cmd.env("ANSI_COLORS_DISABLED", "1");
    }
    for (flag, var) in [
        ("quiet", "PLUGIN_QUIET"),
        ("help", "PLUGIN_HELP"),
        ("debug", "PLUGIN_DEBUG"),
        // For plugins that test a connection themselves.
        ("kbd-interactive", "OSH_KBD_INTERACTIVE"),
    ] {
        if req.opts.flag(flag) {
            cmd.env(var, "1");
        }
    }
    let quiet = req.opts.flag("quiet");
    sh.hand_over(&open, &cmd, false, quiet, &format!("Couldn't run {name}: "))
}

pub(crate) fn plugin_branch(sh: &mut Shell, req: &Request, groups: &Memberships) -> u8 {
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
        let mut open = sh.access_event("osh", Some(false), logged, comment, &params);
        sh.logger.log_kept(&mut open);
        sh.close(&open, i32::from(exit.code()), comment);
        say_error(sh.json, exit, comment, msg)
    };
    // A network given to a plugin must be written as its network address
    // (10.0.0.0/24, not 10.0.0.7/24): what is meant is then never a guess.
    if let Some(h) = req.host.as_deref().filter(|h| h.contains('/')) {
        let canonical = h.parse::<ipnet::IpNet>().is_ok_and(|n| n.trunc() == n);
        if !canonical {
            let msg = format!(
                "Invalid host '{}': a network is written as its network address (like 10.0.0.0/24)",
                osh_core::ui::clean(h)
            );
            return refuse(sh, Exit::InvalidRemoteHost, "invalid_remote_host", &msg);
        }
    }
    let Some((class, path)) = found else {
        return refuse(
            sh,
            Exit::UnknownCommand,
            "unknown_command",
            "Unknown command",
        );
    };
    if !plugin::may_run(class, &name, &sh.account.name, groups, &sh.config) {
        let msg = match class.strip_prefix("group-") {
            Some(role) => format!(
                "Sorry, this command ({name}) requires you to be {} {role} of at least one group",
                if role.starts_with(['a', 'o']) {
                    "an"
                } else {
                    "a"
                }
            ),
            None => format!(
                "Sorry, this command ({name}) is restricted and requires you to be specifically granted"
            ),
        };
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
