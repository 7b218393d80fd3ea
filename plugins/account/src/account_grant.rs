//! `accountGrantCommand` and `accountRevokeCommand` (helper `osh-accountGrantCommand`, as root).

use osh_core::getopt::{Kind, Opt, opt};
use osh_core::plugin::{self, Class, Ctx, Plugin};
use osh_core::requests::AccountGrant;
use osh_core::{Reply, Result};

/// `accountGrantCommand`.
pub const GRANT: Plugin = Plugin {
    name: "accountGrantCommand",
    class: Class::Restricted,
    summary: "grant a restricted command to an account",
    title: "grant access to a restricted command",
    help: "Usage: --osh accountGrantCommand --account NAME --command COMMAND\n  \
           COMMAND is a restricted command, or 'auditor'. Granting accountGrantCommand itself needs an admin.\n",
    run: grant,
};

/// `accountRevokeCommand`.
pub const REVOKE: Plugin = Plugin {
    name: "accountRevokeCommand",
    class: Class::Restricted,
    summary: "revoke a restricted command from an account",
    title: "revoke access to a restricted command",
    help: "Usage: --osh accountRevokeCommand --account NAME --command COMMAND\n",
    run: revoke,
};

const SPEC: &[Opt] = &[opt("account", Kind::Str), opt("command", Kind::Str)];

fn change(ctx: &mut Ctx, grant: bool) -> Result<Reply> {
    let p = ctx.options(SPEC)?;
    let name = plugin::account_name(&p, "account")?;
    let cmd = p
        .str("command")
        .ok_or_else(|| Reply::missing("Missing mandatory parameter --command"))?;
    let r = ctx.helper(&AccountGrant {
        account: name.to_owned(),
        command: cmd.to_owned(),
        grant,
    })?;
    ctx.out.info(&r.msg);
    Ok(r)
}

fn grant(ctx: &mut Ctx) -> Result<Reply> {
    change(ctx, true)
}

fn revoke(ctx: &mut Ctx) -> Result<Reply> {
    change(ctx, false)
}
