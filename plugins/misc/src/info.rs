//! `info`: this bastion, and what the caller is on it.

use osh_core::plugin::{Class, Ctx, Plugin};
use osh_core::{Reply, Result, json, unix};

/// The plugin.
pub const PLUGIN: Plugin = Plugin {
    name: "info",
    class: Class::Open,
    summary: "information about this bastion and your account",
    title: "information",
    help: "Usage: --osh info\n  Show information about this bastion and your account.\n",
    run,
};

/// `bastionCommand` with its tokens replaced, as users should alias it. One
/// pass over the template, so a replaced value is never itself re-read as a token.
fn alias_command(template: &str, account: &str, bastion: &str, host: &str) -> String {
    const TOKENS: &[&str] = &["ACCOUNT", "USER", "BASTIONNAME", "CACHENAME", "HOSTNAME"];
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while !rest.is_empty() {
        if let Some(tok) = TOKENS.iter().find(|t| rest.starts_with(**t)) {
            out.push_str(match *tok {
                "ACCOUNT" | "USER" => account,
                "HOSTNAME" => host,
                _ => bastion,
            });
            rest = &rest[tok.len()..];
        } else {
            let c = rest.chars().next().unwrap_or_default();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// The alias users should set, as true as this bastion can tell: the host
/// name only if it resolves (else the address the caller reached us at), and
/// the port when it is not 22 and the configured command does not give one.
fn true_alias(template: &str, account: &str, bastion: &str, host: &str) -> String {
    let conn = std::env::var("SSH_CONNECTION").unwrap_or_default();
    let mut it = conn.split_whitespace().skip(2);
    let (ip, port) = (it.next().unwrap_or(""), it.next().unwrap_or("22"));
    let resolves = std::net::ToSocketAddrs::to_socket_addrs(&(host, 22)).is_ok();
    let shown_host = if resolves || ip.is_empty() { host } else { ip };
    let alias = alias_command(template, account, bastion, shown_host);
    let target = format!("{account}@{shown_host}");
    if port != "22" && template.contains("HOSTNAME") && !template.contains(" -p ") {
        alias.replacen(&target, &format!("{target} -p {port}"), 1)
    } else {
        alias
    }
}

fn run(ctx: &mut Ctx) -> Result<Reply> {
    let c = &ctx.config;
    let host = nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_default();
    let (admin, superowner, auditor) = (ctx.is_admin(), ctx.is_superowner(), ctx.is_auditor());
    let alias = true_alias(&c.bastionCommand, &ctx.account.name, &c.bastionName, &host);
    let mut text = format!("You are {}\n", ctx.account.name);
    if auditor {
        text.push_str("You are a bastion auditor!\n");
    }
    if superowner {
        text.push_str("Look at you, you are a bastion superowner!\n");
    }
    if admin {
        text.push_str("Woosh, you are even a bastion admin!\n");
    }
    text.push_str(&format!(
        "\nYour alias to connect to this bastion is:\nalias {}='{alias}'\n",
        c.bastionName
    ));
    let accounts = unix::group(osh_core::account::BASTION_USERS).map_or(0, |g| g.mem.len());
    let mut value = json!({
        "account": ctx.account.name,
        "bastion_name": c.bastionName,
        "hostname": host,
        "bastion_alias_command": alias,
        "version": osh_core::ui::VERSION,
        "is_admin": u8::from(admin),
        "is_superowner": u8::from(superowner),
        "is_auditor": u8::from(auditor),
        "slave_mode": u8::from(c.readOnlySlaveMode),
        // osh has no interactive mode yet, whatever the configuration says.
        "interactive_mode_allowed": 0,
        "mosh_allowed": u8::from(c.moshAllowed),
        "registered_accounts": accounts,
        "ingress_ssh_key_algorithms": c.allowedIngressSshAlgorithms,
        "egress_ssh_key_algorithms": c.allowedEgressSshAlgorithms,
        "ingress_rsa_min_size": c.minimumIngressRsaKeySize.to_string(),
        "ingress_rsa_max_size": c.maximumIngressRsaKeySize.to_string(),
        "egress_rsa_min_size": c.minimumEgressRsaKeySize.to_string(),
        "egress_rsa_max_size": c.maximumEgressRsaKeySize.to_string(),
        "ingress_keys_from_ip_list": c.ingressKeysFrom,
        "allowed_networks_list": c.allowedNetworks,
        "forbidden_networks_list": c.forbiddenNetworks,
        "idle_lock_timeout": c.idleLockTimeout.to_string(),
        "idle_kill_timeout": c.idleKillTimeout.to_string(),
        "account_expiration_days": c.accountMaxInactiveDays.to_string(),
    });
    // Who the admins are is for admins and auditors to know.
    if admin || auditor {
        text.push_str(&format!(
            "\nMy admins are: {}\n",
            c.adminAccounts.join(", ")
        ));
        // Admins are superowners too: say so, rather than an empty list
        // right after "you are a superowner".
        let owners = if c.superOwnerAccounts.is_empty() {
            "none besides the admins".to_owned()
        } else {
            format!("{}, and the admins", c.superOwnerAccounts.join(", "))
        };
        text.push_str(&format!("My super owners are: {owners}\n"));
        value["adminAccounts"] = json!(c.adminAccounts);
        value["superOwnerAccounts"] = json!(c.superOwnerAccounts);
    }
    ctx.out.info(&text);
    Ok(Reply::ok(value))
}

#[cfg(test)]
mod tests {
    #[test]
    fn alias() {
        assert_eq!(
            super::alias_command("ssh ACCOUNT@HOSTNAME -t -- ", "bob", "b", "h"),
            "ssh bob@h -t -- "
        );
    }
}
