//! osh, the login shell of every bastion account.
//!
//! sshd runs it as the account with `-c "<everything after ssh's -->"`. It
//! parses that string as The Bastion does (`cli`), checks the account's
//! state, then either runs a plugin (`plugin_call`) or connects to a server
//! (`egress`); both log `open` and hand the session over to osh-connect,
//! which writes `close` whatever happens (`shell`). This file is the order
//! of those checks.

mod cli;
mod egress;
mod peer;
mod plugin_call;
mod shell;
mod sys;

use std::time::Instant;

use osh_core::account::{self, Account};
use osh_core::config::{self, Config};
use osh_core::envelope::JsonMode;
use osh_core::exit::Exit;
use osh_core::unix::Memberships;
use osh_core::{logging, ui};

use crate::cli::{long_usage, usage};
use crate::peer::Peer;
use crate::shell::{Shell, say_error};

pub use cli::{Request, parse};

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
    logging::log_panics();
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

    let Some(mut req) = req else {
        // A plain `ssh bastion`: no interactive mode yet.
        usage();
        return sh.abort(
            Exit::UnknownCommand,
            "unknown_command",
            "Missing command (interactive mode is not available yet)",
            "",
        );
    };
    req.apply_escape(sh.config.remoteCommandEscapeByDefault);
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
    if req.opts.flag("kbd-interactive") && !sh.config.keyboardInteractiveAllowed {
        return sh.abort(
            Exit::ConflictingOptions,
            "kbd_interactive_denied",
            "Sorry, the keyboard-interactive egress authentication scheme has been disabled by policy",
            "",
        );
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
        plugin_call::plugin_branch(&mut sh, &req, &groups)
    } else {
        egress::egress_branch(&mut sh, &req, &groups)
    }
}
