//! The runtime every plugin binary shares.
//!
//! osh runs a plugin as the calling account with argv
//! `<user> <ip> <host> <port> <plugin options...>` (The Bastion's four positional
//! slots, possibly empty) and the environment `PLUGIN_NAME`, `PLUGIN_JSON`,
//! `PLUGIN_QUIET`, `PLUGIN_HELP`, `UNIQID`. A plugin's `main` is one call to
//! [`main`]; its logic is a `fn(&mut Ctx) -> Result<Reply>` that tests can call.

use std::io::Read as _;
use std::process::ExitCode;

use crate::account::{self, Account};
use crate::config::Config;
use crate::envelope::{self, JsonMode};
use crate::getopt::{self, Opt, Parsed};
use crate::helper;
use crate::reply::{Reply, Result};
use crate::ui::Out;
use crate::unix::Memberships;

/// Permission classes, named as the plugin directories.
pub const CLASSES: &[&str] = &[
    "open",
    "restricted",
    "group-owner",
    "group-gatekeeper",
    "group-aclkeeper",
    "admin",
];

/// Find a plugin's class (and binary) by where it is installed, as The Bastion does.
#[must_use]
pub fn class_of(name: &str) -> Option<(&'static str, std::path::PathBuf)> {
    let dir = crate::paths::plugin_dir();
    CLASSES.iter().find_map(|c| {
        let p = dir.join(c).join(name);
        p.is_file().then_some((*c, p))
    })
}

/// Whether `account` may run plugin `name` of `class`: open for all; restricted
/// for members of `osh-NAME`; admin for admins; group roles for superowners and
/// anyone holding that role in some group (the plugin checks which group).
#[must_use]
pub fn may_run(
    class: &str,
    name: &str,
    account: &str,
    groups: &Memberships,
    config: &Config,
) -> bool {
    match class {
        "open" => true,
        "restricted" => groups.contains(&crate::group::command_group(name)),
        "admin" => account::is_admin(account, groups, config),
        role => {
            let suffix = format!("-{}", role.trim_start_matches("group-"));
            account::is_superowner(account, groups, config)
                || groups
                    .names()
                    .iter()
                    .any(|g| g.starts_with("key") && g.ends_with(&suffix))
        }
    }
}

/// A permission class: who may run a plugin, and the directory it is
/// installed in (`bin/plugin/CLASS/NAME`, The Bastion's layout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Any account.
    Open,
    /// Members of `osh-NAME` (granted with accountGrantCommand).
    Restricted,
    /// Owners of some group.
    GroupOwner,
    /// Gatekeepers of some group.
    GroupGatekeeper,
    /// Aclkeepers of some group.
    GroupAclkeeper,
    /// Admins.
    Admin,
}

impl Class {
    /// The class's name, as its directory is named ([`CLASSES`]).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Restricted => "restricted",
            Self::GroupOwner => "group-owner",
            Self::GroupGatekeeper => "group-gatekeeper",
            Self::GroupAclkeeper => "group-aclkeeper",
            Self::Admin => "admin",
        }
    }
}

/// A plugin, declared once: everything about it that help, permission
/// checks, the installer and the plugin binary need.
#[derive(Debug, Clone, Copy)]
pub struct Plugin {
    /// The command name (`selfListIngressKeys`).
    pub name: &'static str,
    /// Who may run it, and where it is installed.
    pub class: Class,
    /// One line for `--osh help`.
    pub summary: &'static str,
    /// The header title (`your ingress keys`).
    pub title: &'static str,
    /// Text shown by `--help`.
    pub help: &'static str,
    /// The logic.
    pub run: fn(&mut Ctx) -> Result<Reply>,
}

/// What a plugin runs with.
#[derive(Debug)]
pub struct Ctx {
    /// The command name.
    pub name: &'static str,
    /// The calling account.
    pub account: Account,
    /// The caller's groups.
    pub groups: Memberships,
    /// The configuration.
    pub config: Config,
    /// Where human text goes.
    pub out: Out,
    /// The session's uniqid.
    pub uniqid: String,
    /// The plugin's own options.
    pub args: Vec<String>,
    /// `--host` given to osh, if any.
    pub host: Option<String>,
    /// `--user` given to osh, if any.
    pub user: Option<String>,
    /// `--port` given to osh, if any.
    pub port: Option<String>,
    /// Every plugin of this binary (for `help`).
    pub catalogue: Vec<Plugin>,
}

impl Ctx {
    /// Parse the plugin options; anything left over is an error (`ERR_BAD_OPTIONS`).
    pub fn options(&self, spec: &[Opt]) -> Result<Parsed> {
        let parsed = getopt::parse(spec, &self.args);
        if let Some(extra) = parsed.rest.first() {
            return Err(Reply::new(
                crate::Code::ERR_BAD_OPTIONS,
                format!(
                    "Error parsing options: unknown or incomplete option '{}', see --help",
                    crate::ui::clean(extra)
                ),
            ));
        }
        Ok(parsed)
    }

    /// The options, and the public key given with them: the value of
    /// `--public-key` with every word left over glued back onto it, as The
    /// Bastion does, because a shell between the user and osh (or a script
    /// that forgot the quotes) splits `ssh-ed25519 AAAA... comment` into
    /// words. `None` when neither was given.
    pub fn options_with_key(&self, spec: &[Opt]) -> (Parsed, Option<String>) {
        let parsed = getopt::parse(spec, &self.args);
        let mut words: Vec<&str> = parsed.str("public-key").into_iter().collect();
        words.extend(parsed.rest.iter().map(String::as_str));
        let key = (!words.is_empty()).then(|| words.join(" "));
        (parsed, key)
    }

    /// Whether the caller is an admin.
    #[must_use]
    pub fn is_admin(&self) -> bool {
        account::is_admin(&self.account.name, &self.groups, &self.config)
    }

    /// Whether the caller is a superowner.
    #[must_use]
    pub fn is_superowner(&self) -> bool {
        account::is_superowner(&self.account.name, &self.groups, &self.config)
    }

    /// Whether the caller is an auditor.
    #[must_use]
    pub fn is_auditor(&self) -> bool {
        account::is_auditor(&self.groups)
    }

    /// Run a helper and turn a non-OK answer into an error.
    pub fn helper<R: crate::requests::Request>(&self, req: &R) -> Result<Reply> {
        let r = helper::call(req);
        if r.is_ok() { Ok(r) } else { Err(r) }
    }

    /// Ask for `sentence` to be typed on standard input before something
    /// that can't be undone; anything else aborts with The Bastion's
    /// `ERR_OPERATOR_IS_DRUNK`.
    pub fn confirm(&self, what: &str, sentence: &str) -> Result<()> {
        self.out.info(&format!(
            "!!! You are about to {what}. To confirm, type exactly:\n{sentence}"
        ));
        let answer = self.stdin(4096)?;
        if answer.lines().next().map(str::trim) == Some(sentence) {
            Ok(())
        } else {
            Err(Reply::new(
                crate::Code::ERR_OPERATOR_IS_DRUNK,
                "You're drunk, apparently, aborted.",
            ))
        }
    }

    /// Read standard input up to `max` bytes; more is cut, never waited on forever.
    pub fn stdin(&self, max: u64) -> Result<String> {
        let mut buf = Vec::new();
        std::io::stdin().lock().take(max).read_to_end(&mut buf)?;
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }
}

/// A required account-name option: validated, and the account must exist.
pub fn target_account(parsed: &Parsed, opt: &str) -> Result<Account> {
    account::bastion_account(account_name(parsed, opt)?)
}

/// The mandatory account-name option `--OPT`, checked against the naming
/// rules only (the account may not exist yet, or a helper checks the rest).
pub fn account_name<'a>(parsed: &'a Parsed, opt: &str) -> Result<&'a str> {
    let name = parsed
        .str(opt)
        .ok_or_else(|| Reply::missing(format!("Missing mandatory parameter --{opt}")))?;
    account::validate_name(name)?;
    Ok(name)
}

fn context(p: &Plugin, catalogue: &[Plugin]) -> Result<Ctx> {
    let loaded = crate::config::load_default()
        .map_err(|e| Reply::new(crate::Code::ERR_CONFIGURATION, e.0))?;
    let account = Account::current().ok_or_else(|| Reply::internal("Couldn't find who you are"))?;
    let groups = Memberships::of(&account.name);
    // osh passes only UTF-8; anything else came from elsewhere and is replaced, not a panic.
    let mut argv = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned());
    let mut slot = || argv.next().filter(|s| !s.is_empty());
    let (user, _ip, host, port) = (slot(), slot(), slot(), slot());
    Ok(Ctx {
        name: p.name,
        account,
        groups,
        config: loaded.config,
        out: Out::from_env(),
        uniqid: crate::logging::uniqid(),
        args: argv.collect(),
        host,
        user,
        port,
        catalogue: catalogue.to_vec(),
    })
}

/// The `main` of the plugin binary: run the plugin of `catalogue` this
/// binary was started as (the last part of its path, as installed in
/// `bin/plugin/CLASS/NAME`). Started as itself, `--list` prints the
/// catalogue as `NAME CLASS` lines, which the installer lays out.
#[must_use]
pub fn dispatch(catalogue: &[Plugin]) -> ExitCode {
    crate::logging::log_panics();
    let argv0 = std::env::args_os().next().unwrap_or_default();
    let name = std::path::Path::new(&argv0)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if let Some(p) = catalogue.iter().find(|p| p.name == name) {
        return main(p, catalogue);
    }
    if std::env::args().nth(1).as_deref() == Some("--list") {
        for p in catalogue {
            println!("{} {}", p.name, p.class.as_str());
        }
        return ExitCode::SUCCESS;
    }
    eprintln!(
        "osh-plugin: run as one of the plugins (bin/plugin/CLASS/NAME), not as {name}; \
         `osh-plugin --list` prints them"
    );
    ExitCode::from(crate::exit::Exit::UnknownCommand.code())
}

/// The `main` of every plugin binary.
#[must_use]
pub fn main(p: &Plugin, catalogue: &[Plugin]) -> ExitCode {
    let json = JsonMode::from_env();
    let reply = match context(p, catalogue) {
        Err(r) => {
            crate::ui::crit(&crate::ui::clean(&r.msg));
            r
        }
        Ok(ctx) if std::env::var_os("PLUGIN_HELP").is_some() => {
            ctx.out.raw(p.help);
            Reply::new(crate::Code::OK, "")
        }
        Ok(mut ctx) => {
            ctx.out.header(p.title);
            let r = (p.run)(&mut ctx).unwrap_or_else(|e| e);
            if !r.is_ok() {
                crate::ui::crit(&crate::ui::clean(&r.msg));
            }
            ctx.out.footer(p.name);
            r
        }
    };
    if let Some(text) = envelope::render(json, Some(p.name), &reply) {
        // The envelope always goes to stdout, even when human text goes to stderr.
        print!("{text}");
    }
    if reply.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(crate::exit::Exit::PluginError.code())
    }
}
