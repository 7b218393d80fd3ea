//! `help`: the commands this account may run.

use osh_core::plugin::{self, Ctx, Plugin};
use osh_core::{Reply, Result};

/// The plugin.
pub const PLUGIN: Plugin = Plugin {
    name: "help",
    title: "OSH help",
    help: "Usage: --osh help\n  List the commands you are allowed to run on this bastion.\n",
    run,
};

/// One-line descriptions of the commands osh ships.
fn describe(name: &str) -> &'static str {
    match name {
        "help" => "show this help",
        "info" => "information about this bastion and your account",
        "selfAddIngressKey" => "add a public key to your account, to connect to the bastion",
        "selfDelIngressKey" => "remove one of your ingress keys",
        "selfListIngressKeys" => "list the keys that can connect to your account",
        "accountCreate" => "create a new bastion account",
        "accountDelete" => "delete an account (its home is archived)",
        "accountList" => "list the bastion accounts",
        "accountInfo" => "show details of an account",
        "accountModify" => "change settings of an account",
        "accountFreeze" => "freeze an account: it can no longer log in",
        "accountUnfreeze" => "unfreeze an account",
        "accountGrantCommand" => "grant a restricted command to an account",
        "accountRevokeCommand" => "revoke a restricted command from an account",
        "accountListIngressKeys" => "list the ingress keys of an account",
        "selfListAccesses" => "list the servers you can reach",
        "selfListEgressKeys" => "show the keys the bastion uses for you, to install on servers",
        "selfGenerateEgressKey" => "generate a new egress key for your account",
        "selfForgetHostKey" => "forget a server's host key after a legitimate change",
        "lock" => "lock all your other sessions",
        "unlock" => "unlock your sessions",
        "selfAddPersonalAccess" => "allow yourself to reach a server with your egress key",
        "selfDelPersonalAccess" => "remove one of your personal accesses",
        "accountAddPersonalAccess" => "allow an account to reach a server with its egress key",
        "accountDelPersonalAccess" => "remove a personal access of an account",
        "accountListAccesses" => "list the servers an account can reach",
        "accountListEgressKeys" => "show an account's egress keys",
        _ => "",
    }
}

fn run(ctx: &mut Ctx) -> Result<Reply> {
    let mut text = String::from(
        "OSH help\n\nCommands you can run (--osh COMMAND, add --help for its options):\n",
    );
    let mut last_class = "";
    for (name, class) in plugin::installed() {
        if !plugin::may_run(class, &name, &ctx.account.name, &ctx.groups, &ctx.config) {
            continue;
        }
        if class != last_class {
            text.push_str(&format!("\n[{class}]\n"));
            last_class = class;
        }
        text.push_str(&format!("  {name:<28} {}\n", describe(&name)));
    }
    text.push_str(
        "\nTo connect to a server: ssh ACCOUNT@BASTION -t -- [USER@]HOST [-p PORT] [-- COMMAND]",
    );
    ctx.out.info(&text);
    Ok(Reply::new("OK", ""))
}
