//! A recorded connection to a server: `ssh bastion -- [user@]host [-- command]`.
//!
//! Everything a user typed has been validated before this point (no host or
//! user can start with `-`); here the target is resolved, the ACLs decide, the
//! keys are chosen, and `ssh` runs under the recorder with a command line on
//! which no config file can add a ProxyCommand, a forwarding or an escape.

use std::net::IpAddr;
use std::process::Command;

use osh_acl::{Decision, Denial, Request};
use osh_core::exit::Exit;
use osh_core::recording::{self, RecorderOptions, Subject};
use osh_core::{json, keys, ui};

use crate::cli::Request as Asked;
use crate::shell::Shell;

/// The egress client, by absolute path.
const SSH: &str = "/usr/bin/ssh";

/// Options that make the egress ssh's own command line the last word: they
/// override any `~/.ssh/config` or `/etc/ssh/ssh_config` (first value wins,
/// and the command line comes first).
const HARDENING: &[&str] = &[
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    "ForwardAgent=no",
    "-o",
    "ForwardX11=no",
    "-o",
    "ClearAllForwardings=yes",
    "-o",
    "PermitLocalCommand=no",
    "-o",
    "ControlMaster=no",
    "-o",
    "ControlPath=none",
    "-o",
    "ProxyCommand=none",
    "-o",
    "ProxyJump=none",
    "-o",
    "Tunnel=no",
    // No escape character: `~C` would let a user open forwardings at run time.
    "-o",
    "EscapeChar=none",
    // Readable known_hosts, as The Bastion's client config has it: auditors
    // can see which hosts were trusted.
    "-o",
    "HashKnownHosts=no",
];

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
pub(crate) fn egress_branch(
    sh: &mut Shell,
    req: &Asked,
    groups: &osh_core::unix::Memberships,
) -> u8 {
    let params = req.rest.join(" ");
    let Some(host) = req.host.clone() else {
        crate::cli::usage();
        return sh.abort(
            Exit::NoHost,
            "no_host",
            "No osh command specified and no host to connect to",
            &params,
        );
    };
    if host.starts_with("--") {
        crate::cli::long_usage();
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
    if req.command_without_delimiter() {
        ui::crit(
            "WARN : You did not use the '--' delimiter to pass your remote command, maybe something crazy will happen !",
        );
    }
    let port = u16::try_from(req.opts.int("port").unwrap_or(22)).unwrap_or(22);
    connect(sh, req, groups, &host, &user, port, &params)
}

fn resolve(sh: &Shell, host: &str) -> Result<IpAddr, (Exit, &'static str, String)> {
    if sh.config.dnsSupportLevel == 0 && !osh_core::access::is_literal(host) {
        return Err((
            Exit::DnsDisabled,
            "dns_disabled",
            "DNS resolving is disabled on this bastion, use an IP address".into(),
        ));
    }
    osh_core::access::resolve(host).ok_or_else(|| {
        (
            Exit::HostNotFound,
            "host_not_found",
            format!("Unable to resolve host '{}'", ui::clean(host)),
        )
    })
}

/// Whether `ttyrecStealthStdoutPattern` lets `remote`'s output go unrecorded:
/// only if the pattern matches the whole command, and the command has nothing
/// a remote shell would read as a second command (`rsync --server x; echo
/// SECRET` must be recorded, whatever the pattern's author forgot to anchor).
fn stealth_applies(pattern: &str, remote: &str) -> bool {
    const SHELL_META: &[char] = &[
        ';', '&', '|', '<', '>', '$', '`', '\\', '\n', '\r', '\'', '"', '(', ')', '{', '}',
    ];
    !pattern.is_empty()
        && !remote.contains(SHELL_META)
        && regex_lite::Regex::new(&format!("^(?:{pattern})$")).is_ok_and(|re| re.is_match(remote))
}

/// `--wait`: try the port once a second (each try bounded to a second) for up
/// to an hour of tries, saying so every five; the user can interrupt it.
fn wait_for_port(ip: IpAddr, host: &str, port: u16) {
    let out = ui::Out::stderr();
    let started = std::time::Instant::now();
    let addr = std::net::SocketAddr::new(ip, port);
    let host = ui::clean(host);
    out.info(&format!(
        "Waiting for port {port} to be open on {host} before attempting to connect..."
    ));
    for tries in 1..=3600u32 {
        if std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_secs(1)).is_ok() {
            out.info(&format!(
                "Alive after waiting for {} seconds, connecting...",
                started.elapsed().as_secs()
            ));
            return;
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
        if tries % 5 == 0 {
            out.info(&format!(
                "Still trying to connect to {host}:{port} after {} seconds...",
                started.elapsed().as_secs()
            ));
        }
    }
}

/// Whether the CPU has AES instructions (x86 `aes` flag, arm64 `aes` feature).
fn cpu_has_aes() -> bool {
    std::fs::read_to_string("/proc/cpuinfo").is_ok_and(|c| {
        c.lines()
            .find(|l| l.starts_with("flags") || l.starts_with("Features"))
            .is_some_and(|l| l.split_whitespace().any(|w| w == "aes"))
    })
}

/// Connect `sh`'s account to the target of `req`; returns the exit code.
/// `groups` are the account's, as osh looked them up at login.
pub fn connect(
    sh: &mut Shell,
    req: &Asked,
    groups: &osh_core::unix::Memberships,
    host: &str,
    user: &str,
    port: u16,
    params: &str,
) -> u8 {
    if sh.account.private_flag("osh_only") {
        return sh.abort(
            Exit::AccessDenied,
            "access_denied",
            "You don't have the right to connect anywhere",
            params,
        );
    }
    let ip = match resolve(sh, host) {
        Ok(ip) => ip,
        Err((exit, comment, msg)) => return sh.abort(exit, comment, &msg, params),
    };
    let policy = osh_core::access::policy(&sh.config);
    let ingress: IpAddr = sh
        .peer
        .ip_from
        .parse()
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let sources = osh_core::access::sources_for(
        &sh.account.name,
        groups,
        &ipnet::IpNet::from(osh_acl::addr::ip(ip)),
        &mut std::collections::HashMap::new(),
    );
    let now = osh_core::time::epoch();
    let target = |mut e: osh_core::log::Event, allowed: bool| {
        e.set("allowed", if allowed { "true" } else { "false" });
        e.set("user", user);
        e.set("ip_to", ip.to_string());
        e.set("port_to", port.to_string());
        e.set("host_to", host);
        e.set("proxyuser", user);
        e
    };
    let grants = match osh_acl::decide(
        &policy,
        ingress,
        &Request::host(ip, Some(user), Some(port)),
        &sources,
        now,
    ) {
        Decision::Allowed(g) => g,
        Decision::Denied(Denial::IpVersion) => {
            let msg = format!(
                "IPv{} is disabled on this bastion",
                if ip.is_ipv4() { 4 } else { 6 }
            );
            return sh.abort(Exit::IpVersionDisabled, "ip_version_disabled", &msg, params);
        }
        Decision::Denied(why) => {
            let denied = target(sh.access_event("ssh", Some(false), "", "", params), false);
            sh.logger.log(&denied);
            let detail = if let Denial::Network(n) = why {
                format!(" ({n})")
            } else {
                String::new()
            };
            let msg = format!(
                "Access denied for {} to {}@{}:{}{detail}",
                sh.account.name,
                ui::clean(user),
                ip,
                port
            );
            return sh.abort(Exit::AccessDenied, "access_denied", &msg, params);
        }
    };
    // A group that asks for MFA on its servers: not something osh can do
    // yet, so its servers are not reached at all rather than without it.
    if let Some(g) = grants.iter().find_map(|g| {
        g.group.as_ref().filter(|name| {
            osh_core::group::setting(name, "mfa_required").is_some_and(|m| m != "none")
        })
    }) {
        let msg = format!(
            "This access is through group {g}, which requires multi-factor authentication on \
             its servers; osh does not support MFA yet, so the connection is refused"
        );
        return sh.abort(Exit::AccessDenied, "mfa_not_supported", &msg, params);
    }
    let offers = keys_to_try(&sh.account.home, &grants);
    let keys: Vec<&keys::EgressKey> = unique_keys(&offers);
    if keys.is_empty() {
        let msg = "No egress key is usable for this access (see --osh selfListEgressKeys)";
        return sh.abort(Exit::AccessDenied, "no_egress_key", msg, params);
    }
    if req.opts.flag("wait") {
        wait_for_port(ip, host, port);
    }
    // Where it is recorded.
    let subject = Subject {
        home: &sh.account.home,
        uniqid: &sh.uniqid,
        account: &sh.account.name,
        ip: &ip.to_string(),
        user,
        port: &port.to_string(),
        bastion: &sh.config.bastionName,
    };
    let (first, template) = match recording::paths_for(&sh.config, &subject) {
        Ok(p) => p,
        Err(r) => return sh.abort(Exit::TtyrecCmdlineFailed, "ttyrec_failed", &r.msg, params),
    };
    if let Some(dir) = first.parent()
        && let Err(e) = std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
    {
        let msg = format!("Can't create the recording directory: {e}");
        return sh.abort(Exit::TtyrecCmdlineFailed, "ttyrec_failed", &msg, params);
    }
    let tty = if req.opts.flag("tty") {
        Some(true)
    } else if req.opts.flag("no-tty") {
        Some(false)
    } else {
        None
    };
    let idle_ignore = sh.account.public_flag("idle_ignore");
    let recorder_config = with_group_timeouts(&sh.config, &grants);
    // ttyrecStealthStdoutPattern: bulk data commands (rsync --server, scp -t...)
    // whose stdout is not worth recording; the --stealth-stdout this adds is in
    // the open event's params, so it is never silent.
    let remote = req.rest.join(" ");
    let stealth_stdout = stealth_applies(&sh.config.ttyrecStealthStdoutPattern, &remote);
    let opts = RecorderOptions {
        tty,
        stealth_stdout,
        idle_ignore,
        // ssh takes the terminal's mode and size from its stdin; its output
        // then skips the recorder's pty (the user's and the target's remain).
        pipe_stdout: true,
        seal: Some((sh.uniqid.clone(), format!("{user}@{ip}:{port}"))),
    };
    let mut argv = recording::recorder_argv(&recorder_config, &first, &template, &opts);
    argv.extend([
        SSH.to_owned(),
        ip.to_string(),
        "-l".into(),
        user.to_owned(),
        "-p".into(),
        port.to_string(),
    ]);
    for k in &keys {
        argv.extend(["-i".into(), k.private.to_string_lossy().into_owned()]);
    }
    // Public keys only, unless the user asked for keyboard-interactive (a
    // second factor on the target) and the policy allows it (checked by osh).
    if req.opts.flag("kbd-interactive") {
        argv.extend([
            "-o".into(),
            "PreferredAuthentications=publickey,keyboard-interactive".into(),
            "-o".into(),
            "KbdInteractiveAuthentication=yes".into(),
        ]);
    } else {
        argv.extend(["-o".into(), "PreferredAuthentications=publickey".into()]);
    }
    argv.extend(HARDENING.iter().map(|s| (*s).to_owned()));
    if cpu_has_aes() {
        // With AES instructions, AES-GCM is much cheaper than ChaCha20-Poly1305
        // (measured here: 275 against 188 MB/s), and the bastion pays for two
        // ciphers per byte. `^` only moves them to the head of the default list.
        argv.extend([
            "-o".into(),
            "Ciphers=^aes128-gcm@openssh.com,aes256-gcm@openssh.com".into(),
        ]);
    }
    match tty {
        Some(true) => argv.push("-t".into()),
        Some(false) => argv.push("-T".into()),
        None => {}
    }
    if !req.rest.is_empty() {
        argv.push("--".into());
        argv.extend(req.rest.iter().cloned());
    }
    if !recording::recorder().is_file() {
        let msg = "The session recorder is missing: no connection is made without a recording";
        return sh.abort(Exit::TtyrecCmdlineFailed, "ttyrec_failed", msg, params);
    }

    let mut open = target(
        sh.access_event("ssh", Some(true), "", "", &argv.join(" ")),
        true,
    );
    open.set("comment", "");
    open.note("ttyrecfile", first.to_string_lossy());
    sh.logger.log_kept(&mut open);
    if !req.opts.flag("quiet") {
        let mut pre = format!(
            "{}:{} => {}@{}:{} => {}@{}:{} ...\n allowed ... log on({})\n\n will try the following accesses you have:\n",
            sh.peer.host_from,
            sh.peer.port_from,
            sh.account.name,
            sh.peer.host_bastion,
            sh.peer.port_bastion,
            ui::clean(user),
            ui::clean(host),
            port,
            first.display()
        );
        for o in &offers {
            let made = o
                .key
                .mtime
                .map(|m| osh_core::time::local(m, "[%Y/%m/%d]"))
                .unwrap_or_default();
            let forced_here = if o.forced { " (KEY FORCED IN ACL)" } else { "" };
            pre.push_str(&format!(
                "  - {} with {}-{} key {} {made}{forced_here}\n",
                o.by, o.key.key.family, o.key.key.size, o.key.key.fingerprint
            ));
        }
        pre.push_str("\nConnecting...\n");
        ui::Out::stderr().raw(&pre);
    }
    let details = json!([{
        "from": sh.peer.ip_from, "via": format!("{}:{}", sh.peer.ip_bastion, sh.peer.port_bastion),
        "to": format!("{ip}:{port}"), "account": sh.account.name, "uniqid": sh.uniqid,
        "version": ui::VERSION, "mfa": [], "piv": 0,
    }]);
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .env("UNIQID", &sh.uniqid)
        // Set by us, whatever the client sent through AcceptEnv LC_*.
        .env("LC_BASTION", &sh.account.name)
        .env("LC_BASTION_DETAILS", details.to_string());
    let quiet = req.opts.flag("quiet");
    sh.hand_over(
        &open,
        &cmd,
        true,
        quiet,
        "Couldn't start the session recorder: ",
    )
}

use std::os::unix::fs::DirBuilderExt as _;

/// A key the connection offers, and the access it comes with.
struct Offer {
    /// `personal access`, `group-member of web`, `group-guest of web`.
    by: String,
    key: keys::EgressKey,
    forced: bool,
}

/// The keys of every grant, in grant order: an account's own for personal
/// accesses, the group's for group ones, each narrowed to the key its ACL
/// line forces, if any.
fn keys_to_try(home: &std::path::Path, grants: &[osh_acl::Grant]) -> Vec<Offer> {
    let mut out = Vec::new();
    for g in grants {
        let (by, pairs) = match (&g.source, &g.group) {
            (osh_acl::Source::GroupMember, Some(name)) => (
                format!("group-member of {name}"),
                osh_core::group::keys(name),
            ),
            (osh_acl::Source::GroupGuest, Some(name)) => (
                format!("group-guest of {name}"),
                osh_core::group::keys(name),
            ),
            _ => ("personal access".to_owned(), keys::egress_keys(home)),
        };
        let forced = g.entry.force_key.as_deref();
        for key in pairs {
            if forced.is_none_or(|f| key.key.fingerprint == f) {
                out.push(Offer {
                    by: by.clone(),
                    key,
                    forced: forced.is_some(),
                });
            }
        }
    }
    out
}

/// One `-i` per distinct key file, in order.
fn unique_keys(offers: &[Offer]) -> Vec<&keys::EgressKey> {
    let mut seen: Vec<&keys::EgressKey> = Vec::new();
    for o in offers {
        if !seen.iter().any(|k| k.private == o.key.private) {
            seen.push(&o.key);
        }
    }
    seen
}

/// The idle timeouts of a session: a group may set its own. With one group
/// setting it, that value; with several, the smallest positive of them and
/// of the global one (0 = never).
fn with_group_timeouts(
    config: &osh_core::config::Config,
    grants: &[osh_acl::Grant],
) -> osh_core::config::Config {
    let pick = |key: &str, global: i64| {
        let mut groups: Vec<&str> = grants.iter().filter_map(|g| g.group.as_deref()).collect();
        groups.sort_unstable();
        groups.dedup();
        let set: Vec<i64> = groups
            .iter()
            .filter_map(|g| osh_core::group::setting_int(g, key))
            .collect();
        match set.as_slice() {
            [] => global,
            [one] => (*one).max(0),
            many => many
                .iter()
                .chain([&global])
                .copied()
                .filter(|v| *v > 0)
                .min()
                .unwrap_or(0),
        }
    };
    let mut c = config.clone();
    c.idleLockTimeout = pick("idle_lock_timeout", config.idleLockTimeout);
    c.idleKillTimeout = pick("idle_kill_timeout", config.idleKillTimeout);
    c
}

#[cfg(test)]
mod tests {
    use super::stealth_applies;

    #[test]
    fn stealth_needs_the_whole_command_and_no_second_one() {
        let p = "rsync --server .+";
        assert!(stealth_applies(
            p,
            "rsync --server -vlogDtpre.iLsfxC . /srv/x/"
        ));
        for cmd in [
            "rsync --server x; echo SECRET",
            "rsync --server x && cat /etc/shadow",
            "rsync --server x | tee y",
            "rsync --server $(id)",
            "rsync --server `id`",
            "rsync --server x\necho SECRET",
            "echo SECRET; rsync --server x",
            "",
        ] {
            assert!(!stealth_applies(p, cmd), "{cmd:?}");
        }
        // An anchored pattern behaves the same; an unanchored one is anchored.
        assert!(stealth_applies("^rsync --server .+", "rsync --server . /x"));
        assert!(!stealth_applies("--server", "rsync --server . /x"));
        assert!(!stealth_applies("", "rsync --server . /x"));
        assert!(!stealth_applies("(", "rsync --server . /x"));
    }
}
