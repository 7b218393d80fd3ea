//! Personal accesses: what a plugin may add, checked identically by the plugin
//! (early, friendly) and by the allowkeeper helper (again, trusting nothing).

use std::net::IpAddr;
use std::path::Path;

use osh_acl::Entry;
use serde_json::{Map, Value, json};

use crate::config;
use crate::fsx::At as _;
use crate::getopt::{Kind, Opt, opt};
use crate::paths;
use crate::plugin::Ctx;
use crate::reply::{Reply, Result};

/// The plugins that change personal accesses.
pub const PLUGINS: [&str; 4] = [
    "selfAddPersonalAccess",
    "selfDelPersonalAccess",
    "accountAddPersonalAccess",
    "accountDelPersonalAccess",
];

/// The ones of [`PLUGINS`] that act on the caller's own account only.
pub const SELF_ONLY: &[&str] = &["selfAddPersonalAccess", "selfDelPersonalAccess"];

/// A fingerprint an access can be forced to: `SHA256:` and base64, as
/// `ssh-keygen -l` prints them.
#[must_use]
pub fn valid_fingerprint(fp: &str) -> bool {
    fp.strip_prefix("SHA256:").is_some_and(|b| {
        !b.is_empty()
            && b.len() <= 60
            && b.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'=')
    })
}

/// `/etc/bastion/plugin.NAME.conf`, if present and trustworthy (root-owned, not
/// group/world-writable); an untrustworthy file is an error, not ignored.
pub fn plugin_config(name: &str) -> Result<Map<String, Value>> {
    let path = Path::new(paths::ETC).join(format!("plugin.{name}.conf"));
    if !path.exists() {
        return Ok(Map::new());
    }
    config::check_secure(&path).map_err(|e| Reply::new(crate::Code::ERR_CONFIGURATION, e.0))?;
    let text = std::fs::read_to_string(&path).at(&path)?;
    config::parse_text(&text).map_err(|e| Reply::new(crate::Code::ERR_CONFIGURATION, e.0))
}

/// A host as users give it, to an address: an IP (IPv6 possibly in brackets),
/// or a name resolved through the system resolver. `None` if it resolves to
/// nothing; names that could be read as options never reach the resolver.
#[must_use]
pub fn resolve(host: &str) -> Option<IpAddr> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Some(osh_acl::addr::ip(ip));
    }
    if host.is_empty()
        || host.starts_with('-')
        || !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    {
        return None;
    }
    std::net::ToSocketAddrs::to_socket_addrs(&(host, 22))
        .ok()?
        .next()
        .map(|a| osh_acl::addr::ip(a.ip()))
}

/// The bastion's own addresses: the loopback networks (all of 127.0.0.0/8
/// reaches local services) and every address of its interfaces. An egress
/// connection to one of them would be a connection to the bastion itself.
#[must_use]
pub fn bastion_addresses() -> Vec<ipnet::IpNet> {
    let mut out: Vec<ipnet::IpNet> = vec![
        ipnet::IpNet::from(
            ipnet::Ipv4Net::new(std::net::Ipv4Addr::LOCALHOST, 8).unwrap_or_default(),
        ),
        ipnet::IpNet::from(IpAddr::from(std::net::Ipv6Addr::LOCALHOST)),
    ];
    if let Ok(addrs) = nix::ifaddrs::getifaddrs() {
        for a in addrs {
            let Some(sa) = a.address else { continue };
            let ip = if let Some(v4) = sa.as_sockaddr_in() {
                IpAddr::from(v4.ip())
            } else if let Some(v6) = sa.as_sockaddr_in6() {
                IpAddr::from(v6.ip())
            } else {
                continue;
            };
            out.push(ipnet::IpNet::from(osh_acl::addr::ip(ip)));
        }
    }
    out
}

/// The network policy of `config`, with the bastion's own addresses.
#[must_use]
pub fn policy(config: &config::Config) -> osh_acl::Policy {
    let mut p = osh_acl::Policy::new(
        &config.forbiddenNetworks,
        &config.allowedNetworks,
        &config.ingressToEgressRules,
        config.IPv4Allowed,
        config.IPv6Allowed,
    );
    p.bastion = bastion_addresses();
    p.egress_to_bastion = osh_acl::parse_nets(&config.egressToBastionAllowedNetworks);
    p
}

/// Whether `host` is an address (or network) rather than a name.
#[must_use]
pub fn is_literal(host: &str) -> bool {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse::<IpAddr>().is_ok() || bare.parse::<ipnet::IpNet>().is_ok()
}

/// A `--port` as typed: 1 to 65535, else `KO_INVALID_PORT`.
pub fn port(text: &str) -> Result<u16> {
    text.parse::<u16>()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| Reply::new(crate::Code::KO_INVALID_PORT, "Invalid port"))
}

/// The access a user asked for: `host` (address, network, or name to resolve),
/// `user` (`None` = any), `port` (`None` = any).
pub fn target(host: &str, user: Option<&str>, port: Option<u16>) -> Result<Entry> {
    let net = match host.parse::<ipnet::IpNet>() {
        Ok(n) => n,
        Err(_) => ipnet::IpNet::from(resolve(host).ok_or_else(|| {
            Reply::new(
                crate::Code::KO_INVALID_REMOTE_HOST,
                format!(
                    "Invalid host, or unable to resolve it: '{}'",
                    crate::ui::clean(host)
                ),
            )
        })?),
    };
    let text = Entry::new(user, net, port).target();
    Entry::parse_target(&text).map_err(|e| Reply::new(crate::Code::KO_INVALID_PARAMETER, e.0))
}

/// The plugin-configured limits: `widest_v4_prefix` and `self_remote_user_only`.
pub fn check_limits(plugin: &str, account: &str, e: &Entry) -> Result<()> {
    let conf = plugin_config(plugin)?;
    if let Some(widest) = conf.get("widest_v4_prefix").and_then(Value::as_u64)
        && let ipnet::IpNet::V4(n) = e.net
        && u64::from(n.prefix_len()) < widest
    {
        return Err(Reply::new(
            crate::Code::ERR_INVALID_PARAMETER,
            format!(
                "Specified prefix length (/{}) is too wide, maximum allowed for IPv4 is /{widest} by policy",
                n.prefix_len()
            ),
        ));
    }
    let self_only = conf
        .get("self_remote_user_only")
        .is_some_and(|v| v.as_bool() == Some(true) || v.as_u64() == Some(1));
    if self_only && e.user.as_deref() != Some(account) {
        return Err(Reply::new(
            crate::Code::ERR_INVALID_PARAMETER,
            format!(
                "This bastion policy forces the remote user of personal accesses to match\n\
                 the account name: you may retry with --user {account}"
            ),
        ));
    }
    Ok(())
}

/// The ACLs an account's accesses come from, each with its source and
/// group: the one assembly that the access decision and every listing use,
/// so a listing never shows an access the decision would not grant. A
/// group counts where the OS says the account is in `keyGROUP`: as a
/// member with the `allowed.ip.GROUP` link (the group's servers), as a
/// guest otherwise (its `allowed.partial.GROUP` lines, bounded by the
/// group's servers).
#[must_use]
pub fn sources(account: &str, groups: &crate::unix::Memberships) -> Vec<osh_acl::Acl> {
    assemble(
        account,
        groups,
        &mut std::collections::HashMap::new(),
        &osh_acl::parse_file,
    )
}

/// The ACLs as [`sources`] has them, keeping only the lines that can grant
/// `net`: what the access decision needs, without parsing the rest. Each
/// group's lines are read once into `cache`, for callers that go over many
/// accounts (`whoHasAccessTo`).
pub fn sources_for(
    account: &str,
    groups: &crate::unix::Memberships,
    net: &ipnet::IpNet,
    cache: &mut std::collections::HashMap<String, Vec<Entry>>,
) -> Vec<osh_acl::Acl> {
    assemble(account, groups, cache, &|t| osh_acl::parse_file_for(t, net))
}

fn assemble(
    account: &str,
    groups: &crate::unix::Memberships,
    cache: &mut std::collections::HashMap<String, Vec<Entry>>,
    parse: &dyn Fn(&str) -> Vec<Entry>,
) -> Vec<osh_acl::Acl> {
    use osh_acl::{Acl, Source};
    let read = |path: &Path| {
        std::fs::read_to_string(path)
            .map(|t| parse(&t))
            .unwrap_or_default()
    };
    let dir = paths::allowkeeper_dir(account);
    let mut out = vec![
        Acl::new(Source::Personal, None, read(&dir.join("allowed.private"))),
        Acl::new(Source::PersonalLegacy, None, read(&dir.join("allowed.ip"))),
    ];
    for g in crate::group::of_account(groups) {
        let servers = cache
            .entry(g.clone())
            .or_insert_with(|| read(&crate::group::acl_path(&g)))
            .clone();
        if crate::group::member_link(account, &g).is_symlink() {
            out.push(Acl::new(Source::GroupMember, Some(g), servers));
        } else {
            let mine = read(&crate::group::guest_file(account, &g));
            out.push(Acl::new(Source::GroupGuest, Some(g), mine).within(servers));
        }
    }
    out
}

/// The JSON of an ACL line as listings show it.
#[must_use]
pub fn entry_value(e: &Entry) -> Value {
    let addr = if e.net.prefix_len() == e.net.max_prefix_len() {
        e.net.addr().to_string()
    } else {
        e.net.to_string()
    };
    json!({
        "ip": addr,
        "port": e.port,
        "user": e.user,
        "addedBy": e.added_by,
        "addedDate": e.added_date,
        "expiry": e.expiry,
        "forceKey": e.force_key,
        "forcePassword": e.force_password,
        "comment": e.comment,
    })
}

/// The target options of the personal-access plugins, for their help and errors.
pub const HELP_TARGET: &str = "  --host HOST|NET        the server (or network) -- osh's own option\n\
                           \x20 --user USER | --user-any   the remote user, or any user\n\
                           \x20 --port PORT | --port-any   the remote port, or any port\n";

const PERSONAL_SPEC: &[Opt] = &[
    opt("account", Kind::Str),
    opt("user-any", Kind::Flag),
    opt("port-any", Kind::Flag),
    opt("force-key", Kind::Str),
    opt("ttl", Kind::Str),
    opt("comment", Kind::Str),
    opt("force", Kind::Flag),
];

/// The connection test before an access is added (see [`crate::reach`]):
/// with the account's egress keys (the forced one if given).
fn try_target(ctx: &Ctx, account: &str, target: &Entry, force_key: Option<&str>) -> Result<()> {
    if account != ctx.account.name {
        // Another account's private keys are its own: the OS keeps them from us.
        ctx.out.info(&format!(
            "Can't verify whether {account}'s personal key has been installed to the remote server, \
             as you don't have access to their private keys, adding the access blindly"
        ));
        return Ok(());
    }
    test_connection(
        ctx,
        account,
        target,
        crate::keys::egress_keys(&ctx.account.home),
        force_key,
    )
}

/// Try `keys` (the forced one only, if given) on `target`, only where the
/// egress policy would let the connection go; `login` names the remote
/// user when the access is for any user (`defaultLogin`, or it).
pub fn test_connection(
    ctx: &Ctx,
    login: &str,
    target: &Entry,
    keys: Vec<crate::keys::EgressKey>,
    force_key: Option<&str>,
) -> Result<()> {
    let keys: Vec<crate::keys::EgressKey> = keys
        .into_iter()
        .filter(|k| force_key.is_none_or(|f| k.key.fingerprint == f))
        .collect();
    let ingress: IpAddr = std::env::var("OSH_IP_FROM")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let refused = match osh_acl::decide(
        &policy(&ctx.config),
        ingress,
        &osh_acl::Request {
            net: target.net,
            user: target.user.clone(),
            port: target.port,
        },
        &[osh_acl::Acl::new(
            osh_acl::Source::Personal,
            None,
            vec![target.clone()],
        )],
        crate::time::epoch(),
    ) {
        osh_acl::Decision::Allowed(_) => None,
        osh_acl::Decision::Denied(osh_acl::Denial::Network(why)) => Some(why),
        osh_acl::Decision::Denied(osh_acl::Denial::IpVersion) => {
            Some("this IP version is disabled".to_owned())
        }
        osh_acl::Decision::Denied(osh_acl::Denial::NoGrant) => None,
    };
    let user = target.user.clone().unwrap_or_else(|| {
        if ctx.config.defaultLogin.is_empty() {
            login.to_owned()
        } else {
            ctx.config.defaultLogin.clone()
        }
    });
    let refused_by_policy = refused.is_some();
    let probe = crate::reach::Probe {
        user: &user,
        net: target.net,
        port: target.port,
        keys: &keys,
        forced: force_key.is_some(),
        kbd_interactive: std::env::var_os("OSH_KBD_INTERACTIVE").is_some(),
        refused_by_policy: refused,
    };
    match crate::reach::test(&probe) {
        Ok(crate::reach::Outcome::Works) => Ok(()),
        Ok(crate::reach::Outcome::NotTested(why)) => {
            ctx.out.info(&why);
            if refused_by_policy {
                // Odd but allowed: an access the egress policy will refuse anyway.
                crate::logging::logger(&ctx.config).log(
                    &crate::logging::event("code-info", &crate::logging::uniqid())
                        .field("msg", format!("{}: {why}", ctx.name)),
                );
            }
            Ok(())
        }
        Err(e) => {
            ctx.out.info(
                "Note: if you still want to add this access even if it doesn't work, use --force",
            );
            Err(e)
        }
    }
}

/// The access a plugin is asked about, from osh's own `--host`/`--user`/
/// `--port`, with `--user-any`/`--port-any` said explicitly (or `*`), so
/// that no access is wider by accident: the host as given, and the line.
pub fn asked_target(ctx: &Ctx, p: &crate::getopt::Parsed) -> Result<(String, Entry)> {
    let host = ctx
        .host
        .clone()
        .ok_or_else(|| Reply::missing(format!("Missing parameter --host\n{HELP_TARGET}")))?;
    let user = match (ctx.user.as_deref(), p.flag("user-any")) {
        (Some("*"), false) | (None, true) => None,
        (Some(u), false) => Some(u.to_owned()),
        _ => {
            return Err(Reply::missing(format!(
                "Specify either --user or --user-any\n{HELP_TARGET}"
            )));
        }
    };
    let port = match (ctx.port.as_deref(), p.flag("port-any")) {
        (Some("*"), false) | (None, true) => None,
        (Some(pt), false) => Some(port(pt)?),
        _ => {
            return Err(Reply::missing(format!(
                "Specify either --port or --port-any\n{HELP_TARGET}"
            )));
        }
    };
    let t = target(&host, user.as_deref(), port)?;
    Ok((host, t))
}

/// The four personal-access plugins, one path: the target from osh's own
/// `--host`/`--user`/`--port` (with `--user-any`/`--port-any` said
/// explicitly, so no access is wider by accident), checked here for a quick
/// answer, then the allowkeeper helper, which checks it all again.
pub fn change_personal(ctx: &mut Ctx, plugin: &str, on_self: bool, add: bool) -> Result<Reply> {
    let p = ctx.options(PERSONAL_SPEC)?;
    let account = if on_self {
        ctx.account.name.clone()
    } else {
        crate::plugin::target_account(&p, "account")?.name
    };
    let (host, target) = asked_target(ctx, &p)?;
    let force_key = p.str("force-key").filter(|_| add);
    // Every option is checked before the connection test.
    let ttl = p
        .str("ttl")
        .filter(|_| add)
        .map(crate::time::parse_ttl)
        .transpose()?
        .map(|t| i64::try_from(t).unwrap_or(i64::MAX));
    if let Some(f) = force_key
        && !valid_fingerprint(f)
    {
        return Err(Reply::invalid("--force-key takes a SHA256:... fingerprint"));
    }
    if add {
        check_limits(plugin, &account, &target)?;
        if p.flag("force") {
            ctx.out.info(
                "Forcing add as asked, we didn't test the SSH connection, maybe it won't work!",
            );
        } else {
            try_target(ctx, &account, &target, force_key)?;
        }
    }
    // A target given by name keeps the name it was added with.
    let comment = p
        .str("comment")
        .map(str::to_owned)
        .or_else(|| (!is_literal(&host)).then(|| format!("hostname={}", crate::ui::clean(&host))));
    let req = crate::requests::PersonalAccess {
        account,
        plugin: plugin.into(),
        add,
        target: target.target(),
        force_key: force_key.map(str::to_owned),
        ttl,
        comment: comment.filter(|_| add),
    };
    let r = ctx.helper(&req)?;
    ctx.out.info(&r.msg);
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::valid_fingerprint;

    #[test]
    fn forced_keys_are_sha256_fingerprints_only() {
        assert!(valid_fingerprint(
            "SHA256:8LmDhaHaDX1rCbIhlmVpHKS+d7Qbo9aQR99KQI5kMN0"
        ));
        for bad in [
            "",
            "SHA256:",
            "MD5:aa:bb",
            "SHA256:abc def",
            "SHA256:abc\n# FORCEKEY=x",
            "SHA256:abc#x",
        ] {
            assert!(!valid_fingerprint(bad), "{bad:?}");
        }
    }
}
