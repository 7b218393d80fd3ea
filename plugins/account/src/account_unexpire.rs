//! `accountUnexpire` and `accountUnlock` (helpers `osh-accountUnexpire`,
//! `osh-accountUnlock`, as root): give an account its logins back.

use osh_core::getopt::{Kind, Opt, opt};
use osh_core::plugin::{self, Class, Ctx, Plugin};
use osh_core::requests::{AccountUnexpire, AccountUnlock};
use osh_core::{Reply, Result};

/// `accountUnexpire`.
pub const UNEXPIRE: Plugin = Plugin {
    name: "accountUnexpire",
    class: Class::Restricted,
    summary: "reactivate an account expired for inactivity",
    title: "unexpire an inactivity-expired account",
    help: "Usage: --osh accountUnexpire --account NAME\n  \
           Refresh the account's last activity date, so that an account expired for\n  \
           inactivity (exit 113) can log in again.\n",
    run: unexpire,
};

/// `accountUnlock`.
pub const UNLOCK: Plugin = Plugin {
    name: "accountUnlock",
    class: Class::Restricted,
    summary: "unlock an account locked after failed authentications",
    title: "unlock an account",
    help: "Usage: --osh accountUnlock --account NAME\n  \
           Reset the account's failed-authentication lock (pam_faillock).\n",
    run: unlock,
};

const SPEC: &[Opt] = &[opt("account", Kind::Str)];

/// `--account NAME` to the helper that `req` builds a request for.
fn on_account<R: osh_core::requests::Request>(
    ctx: &Ctx,
    req: impl FnOnce(String) -> R,
) -> Result<Reply> {
    let p = ctx.options(SPEC)?;
    let account = plugin::account_name(&p, "account")?.to_owned();
    let r = ctx.helper(&req(account))?;
    ctx.out.info(&r.msg);
    Ok(r)
}

fn unexpire(ctx: &mut Ctx) -> Result<Reply> {
    on_account(ctx, |account| AccountUnexpire { account })
}

fn unlock(ctx: &mut Ctx) -> Result<Reply> {
    on_account(ctx, |account| AccountUnlock { account })
}
