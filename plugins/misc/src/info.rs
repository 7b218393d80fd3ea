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

fn run(ctx: &mut Ctx) -> Result<Reply> {
    let c = &ctx.config;
    let host = nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_default();
    let (admin, superowner, auditor) = (ctx.is_admin(), ctx.is_superowner(), ctx.is_auditor());
    let alias = osh_core::ui::alias(c, &ctx.account.name);
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
    // The key that seals recordings: what an auditor needs to verify them
    // away from the bastion (doc/proof.md).
    match std::fs::read_to_string(osh_core::paths::SEAL_PUBLIC_KEY) {
        Ok(k) if c.sealRecordings => {
            let k = k.trim();
            text.push_str(&format!(
                "\nRecordings are sealed with this key (all of them: {}):\n{k}\n",
                osh_core::paths::SEAL_ALLOWED_SIGNERS
            ));
            value["seal_public_key"] = json!(k);
            value["seal_allowed_signers"] = json!(osh_core::paths::SEAL_ALLOWED_SIGNERS);
        }
        _ => text.push_str("\nRecordings are not sealed on this bastion.\n"),
    }
    ctx.out.info(&text);
    Ok(Reply::ok(value))
}
