//! `accountFreeze` and `accountUnfreeze` (helper `osh-accountFreeze`, as allowkeeper).

use osh_core::getopt::{Kind, Opt, opt};
use osh_core::plugin::{self, Class, Ctx, Plugin};
use osh_core::requests::AccountFreeze;
use osh_core::{Reply, Result};

/// `accountFreeze`.
pub const FREEZE: Plugin = Plugin {
    name: "accountFreeze",
    class: Class::Restricted,
    summary: "freeze an account: it can no longer log in",
    title: "freeze an account",
    help: "Usage: --osh accountFreeze --account NAME [--reason '\"TEXT\"']\n  A frozen account can no longer log in (exit 131).\n",
    run: freeze,
};

/// `accountUnfreeze`.
pub const UNFREEZE: Plugin = Plugin {
    name: "accountUnfreeze",
    class: Class::Restricted,
    summary: "unfreeze an account",
    title: "unfreeze an account",
    help: "Usage: --osh accountUnfreeze --account NAME\n",
    run: unfreeze,
};

const SPEC: &[Opt] = &[opt("account", Kind::Str), opt("reason", Kind::Str)];

fn toggle(ctx: &mut Ctx, freeze: bool) -> Result<Reply> {
    let p = ctx.options(SPEC)?;
    let name = plugin::account_name(&p, "account")?;
    let r = ctx.helper(&AccountFreeze {
        account: name.to_owned(),
        freeze,
        reason: p.str("reason").map(str::to_owned),
    })?;
    ctx.out.info(&r.msg);
    Ok(r)
}

fn freeze(ctx: &mut Ctx) -> Result<Reply> {
    toggle(ctx, true)
}

fn unfreeze(ctx: &mut Ctx) -> Result<Reply> {
    toggle(ctx, false)
}
