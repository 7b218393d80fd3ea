//! Privileged helpers: small binaries run through `sudo -n -u RUNAS`.
//!
//! A plugin runs as the calling account and cannot, by design, touch anything
//! the OS does not let that account touch. What it needs beyond that is done by a
//! helper, which trusts nothing the plugin checked: it takes its caller from
//! `SUDO_USER` (set by sudo, not by the caller), re-checks the caller's rights and
//! every argument itself, and answers with the same JSON envelope as plugins.
//! The sudoers rules are one line per helper, not per entity (see the-bastion#631
//! for what per-entity rules cost).

use std::process::{Command, Stdio};

use serde_json::Value;

use crate::account::{self, Account};
use crate::config::Config;
use crate::envelope::{self, JsonMode};
use crate::paths;
use crate::reply::{Reply, Result};
use crate::requests::Request;
use crate::unix::Memberships;

/// The user helper `name` runs as ([`crate::requests::HELPERS`]).
#[must_use]
pub fn runas(name: &str) -> Option<&'static str> {
    crate::requests::HELPERS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, r)| *r)
}

/// The most a helper reads of its request.
const MAX_REQUEST: u64 = 1 << 20;

/// The helper of request type `R`, as the user it declares: through sudo,
/// or directly when that user is root and so are we (the installer).
fn command<R: Request>() -> Command {
    let path = paths::helper(R::HELPER);
    if nix::unistd::geteuid().is_root() && R::RUNAS == "root" {
        Command::new(&path)
    } else {
        let mut c = Command::new(paths::tool::SUDO);
        c.args(["-n", "-u", R::RUNAS, "--"]).arg(&path);
        c
    }
}

/// Send `req` to its helper (as the user the request type declares) and
/// return the helper's reply.
pub fn call<R: Request>(req: &R) -> Reply {
    use std::io::Write as _;
    let name = R::HELPER;
    let mut cmd = command::<R>();
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let body = match serde_json::to_vec(req) {
        Ok(b) => b,
        Err(e) => return Reply::internal(format!("can't encode the request to {name}: {e}")),
    };
    // Passed through sudo by its env_keep rule, so helpers log the same uniqid.
    let output = cmd.spawn().and_then(|mut child| {
        if let Some(mut stdin) = child.stdin.take() {
            // A helper that refuses early may not read it all: not an error here.
            let _ = stdin.write_all(&body);
        }
        child.wait_with_output()
    });
    let output = match output {
        Ok(o) => o,
        Err(e) => {
            return Reply::new(
                crate::Code::ERR_HELPER_FAILED,
                format!("Couldn't run helper {name}: {e}"),
            );
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    match envelope::extract(&stdout) {
        Some(v) => reply_from_envelope(&v),
        None => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            Reply::new(
                crate::Code::ERR_HELPER_FAILED,
                format!(
                    "Helper {name} failed ({}): {}",
                    output.status,
                    stderr.trim().lines().last().unwrap_or("no output")
                ),
            )
        }
    }
}

/// Send `req` to its streaming helper ([`serve_stream`]): its reply, and
/// the helper still running, its standard output positioned at the stream
/// that follows the reply.
pub fn call_stream<R: Request>(req: &R) -> Result<(Reply, std::process::Child)> {
    use std::io::{BufRead as _, Write as _};
    let name = R::HELPER;
    let mut cmd = command::<R>();
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let body = serde_json::to_vec(req)
        .map_err(|e| Reply::internal(format!("can't encode the request to {name}: {e}")))?;
    let mut child = cmd.spawn().map_err(|e| {
        Reply::new(
            crate::Code::ERR_HELPER_FAILED,
            format!("Couldn't run helper {name}: {e}"),
        )
    })?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(&body);
    }
    let out = child
        .stdout
        .take()
        .ok_or_else(|| Reply::internal("no helper output"))?;
    // One byte at a time up to the newline: nothing of the stream is read ahead.
    let mut reader = std::io::BufReader::with_capacity(1, out);
    let mut first = String::new();
    let _ = reader.read_line(&mut first);
    let reply = first
        .trim_end()
        .strip_prefix("JSON_OUTPUT=")
        .and_then(|j| serde_json::from_str::<Value>(j).ok())
        .map_or_else(
            || {
                Reply::new(
                    crate::Code::ERR_HELPER_FAILED,
                    format!("Helper {name} gave no answer"),
                )
            },
            |v| reply_from_envelope(&v),
        );
    child.stdout = Some(reader.into_inner());
    Ok((reply, child))
}

/// Turn a decoded envelope back into a [`Reply`].
#[must_use]
pub fn reply_from_envelope(v: &Value) -> Reply {
    let code = v["error_code"]
        .as_str()
        .filter(|c| crate::reply::is_valid_code(c))
        .unwrap_or("ERR_HELPER_FAILED");
    let msg = v["error_message"].as_str().unwrap_or(code);
    Reply::decoded(code, msg).with_value(v["value"].clone())
}

/// Who asked a helper to run.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The calling account, or `root` when root ran the helper directly (installer).
    pub name: String,
    /// The caller's groups.
    pub groups: Memberships,
    /// The bastion configuration.
    pub config: Config,
}

impl Caller {
    /// Root itself (not through sudo): the installer and admin scripts.
    #[must_use]
    pub fn is_root(&self) -> bool {
        self.name == "root"
    }

    /// Whether the caller is an admin (root counts as one).
    #[must_use]
    pub fn is_admin(&self) -> bool {
        self.is_root() || account::is_admin(&self.name, &self.groups, &self.config)
    }

    /// Whether the caller may see what is for auditors (admins and root do).
    #[must_use]
    pub fn is_auditor(&self) -> bool {
        self.is_admin() || account::is_auditor(&self.groups)
    }

    /// Whether the caller may run restricted command `cmd` (member of `osh-CMD`, or root).
    #[must_use]
    pub fn may_run(&self, cmd: &str) -> bool {
        self.is_root() || self.groups.contains(&format!("osh-{cmd}"))
    }

    /// Fail unless the caller may act on `target`'s account (its settings,
    /// grants, keys, accesses, sessions): admins and superowners are acted on
    /// only by admins, or by themselves. This is where a delegate holding
    /// `accountModify` is stopped from weakening an admin.
    pub fn may_act_on(&self, target: &Account, verb: &str) -> Result<()> {
        if target.name == self.name || self.is_admin() {
            return Ok(());
        }
        let groups = Memberships::of(&target.name);
        if account::is_protected(&target.name, &groups, &self.config) {
            return Err(Reply::new(
                crate::Code::ERR_SECURITY_VIOLATION,
                format!(
                    "You can't {verb} the account of an admin or a superowner without being admin yourself"
                ),
            ));
        }
        Ok(())
    }

    /// Fail unless the caller holds `role` in `group` (which must exist).
    /// A superowner passes, and that use of its power is logged as a
    /// `security` event `superowner-override` naming `helper`; root passes.
    pub fn require_role(&self, group: &str, role: crate::group::Role, helper: &str) -> Result<()> {
        crate::group::existing(group)?;
        if self.is_root() || crate::group::has_role(&self.name, &self.groups, group, role) {
            return Ok(());
        }
        if account::is_superowner(&self.name, &self.groups, &self.config) {
            let params = format!("group={group} role={}", role.as_str());
            let plugin = format!("osh-{helper}");
            crate::logging::logger(&self.config).log(
                &crate::events::Security {
                    kind: "superowner-override",
                    account: &self.name,
                    plugin: &plugin,
                    params: &params,
                    ..Default::default()
                }
                .event(&crate::logging::uniqid()),
            );
            return Ok(());
        }
        Err(role.refusal(group))
    }

    /// Fail unless the caller may make request `req`: its role in a group,
    /// or its grant.
    pub fn require_for<R: Request>(&self, req: &R) -> Result<()> {
        match req.role() {
            Some((group, role)) => self.require_role(group, role, R::HELPER),
            None => self.require(req.right()),
        }
    }

    /// Fail unless the caller may run `cmd`.
    pub fn require(&self, cmd: &str) -> Result<()> {
        if self.may_run(cmd) {
            Ok(())
        } else {
            Err(Reply::new(
                crate::Code::KO_RESTRICTED_COMMAND,
                format!("You ({}) are not allowed to run {cmd}", self.name),
            ))
        }
    }
}

/// Check that this process is helper `name` running as its declared user:
/// sudo sets the real and effective uid to that user, so a helper started
/// directly by an account runs as that account and is refused here, before
/// anything reads `SUDO_USER` (which such a caller could set to anything).
fn check_runas(want: &str) -> Result<()> {
    let want_uid = crate::unix::user(want)
        .map(|u| u.uid)
        .ok_or_else(|| Reply::internal(format!("the user {want} is missing, run the installer")))?;
    let (ruid, euid) = (nix::unistd::getuid(), nix::unistd::geteuid());
    if ruid != want_uid || euid != want_uid {
        return Err(Reply::new(
            crate::Code::ERR_SECURITY_VIOLATION,
            format!("This helper runs only as {want}, through sudo"),
        ));
    }
    Ok(())
}

/// Establish the caller of this helper from sudo's environment.
fn caller(runas: &str) -> Result<Caller> {
    check_runas(runas)?;
    let config = crate::config::load_default()
        .map_err(|e| Reply::new(crate::Code::ERR_CONFIGURATION, e.0))?
        .config;
    let real = nix::unistd::getuid();
    let sudo_user = std::env::var("SUDO_USER").ok();
    let name = match sudo_user {
        // sudo sets both; a mismatch means the environment was not sudo's.
        Some(u) => {
            let uid_ok = std::env::var("SUDO_UID")
                .ok()
                .and_then(|s| s.parse::<u32>().ok())
                == crate::unix::user(&u).map(|p| p.uid.as_raw());
            if !uid_ok {
                return Err(Reply::new(
                    crate::Code::ERR_SECURITY_VIOLATION,
                    "SUDO_USER and SUDO_UID disagree",
                ));
            }
            if u != "root" {
                let acct = Account::lookup(&u).ok_or_else(|| {
                    Reply::new(crate::Code::ERR_SECURITY_VIOLATION, "Unknown caller")
                })?;
                if !acct.is_bastion_account(&Memberships::of(&u)) {
                    return Err(Reply::new(
                        crate::Code::ERR_SECURITY_VIOLATION,
                        format!("Caller {u} is not a bastion account"),
                    ));
                }
            }
            u
        }
        None if real.is_root() => "root".to_owned(),
        None => {
            return Err(Reply::new(
                crate::Code::ERR_SECURITY_VIOLATION,
                "Helpers must be run through sudo",
            ));
        }
    };
    let groups = Memberships::of(&name);
    Ok(Caller {
        name,
        groups,
        config,
    })
}

/// The request on standard input (at most [`MAX_REQUEST`] bytes).
fn read_request<R: Request>() -> Result<R> {
    use std::io::Read as _;
    let mut text = String::new();
    std::io::stdin()
        .lock()
        .take(MAX_REQUEST)
        .read_to_string(&mut text)?;
    crate::requests::decode(&text).map_err(|e| Reply::new(crate::Code::ERR_BAD_OPTIONS, e))
}

/// What a streaming helper writes after its reply.
pub type Stream = Box<dyn FnOnce(&mut dyn std::io::Write)>;

/// The `main` of a helper that answers with a stream: like [`serve`], but
/// the envelope is one `JSON_OUTPUT=` line, then, if the reply is OK, what
/// `f`'s second value writes to standard output ([`call_stream`] reads both).
pub fn serve_stream<R: Request>(
    f: fn(&Caller, R) -> Result<(Reply, Stream)>,
) -> std::process::ExitCode {
    use std::io::Write as _;
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o027));
    crate::logging::log_panics();
    let (reply, stream) = match caller(R::RUNAS).and_then(|c| {
        let req = read_request::<R>()?;
        c.require_for(&req)?;
        f(&c, req)
    }) {
        Ok((r, s)) => (r, Some(s)),
        Err(r) => (r, None),
    };
    let mut out = std::io::stdout().lock();
    if let Some(text) = envelope::render(JsonMode::Grep, Some(R::HELPER), &reply) {
        let _ = out.write_all(text.trim_start().as_bytes());
    }
    if let Some(s) = stream.filter(|_| reply.is_ok()) {
        s(&mut out);
    }
    let _ = out.flush();
    std::process::ExitCode::SUCCESS
}

/// The `main` of every helper: check who runs it and who asked, read the
/// request from standard input, check the caller holds the request's right,
/// run `f`, print the envelope. Always exits 0, like The Bastion's helpers:
/// the answer is in the envelope.
pub fn serve<R: Request>(f: fn(&Caller, R) -> Result<Reply>) -> std::process::ExitCode {
    // Helpers never create anything readable by others by accident.
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o027));
    crate::logging::log_panics();
    let reply = match caller(R::RUNAS).and_then(|c| {
        let req = read_request::<R>()?;
        c.require_for(&req)?;
        f(&c, req)
    }) {
        Ok(r) | Err(r) => r,
    };
    if let Some(text) = envelope::render(JsonMode::Default, Some(R::HELPER), &reply) {
        print!("{text}");
    }
    std::process::ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sudoers template starts each helper as the user the helper itself
    /// insists on; a rule for another user would only ever be refused.
    #[test]
    fn sudoers_template_matches_the_declared_run_as_users() {
        let tmpl = include_str!("../../../etc/sudoers.d/osh.tmpl");
        let mut seen = Vec::new();
        for line in tmpl.lines().filter(|l| l.starts_with('%')) {
            let user = line
                .split_once("=(")
                .and_then(|(_, r)| r.split_once(')'))
                .map(|(r, _)| r)
                .unwrap_or_else(|| panic!("no run-as user in {line}"));
            let helper = line
                .rsplit_once("/bin/helper/osh-")
                .and_then(|(_, h)| h.split_whitespace().next())
                .unwrap_or_else(|| panic!("no helper in {line}"));
            assert_eq!(runas(helper), Some(user), "{line}");
            seen.push(helper.to_owned());
        }
        for (name, _) in crate::requests::HELPERS {
            assert!(seen.iter().any(|s| s == name), "no sudoers rule for {name}");
        }
    }
}
