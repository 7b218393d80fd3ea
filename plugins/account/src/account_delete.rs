//! `accountDelete`: delete an account; its home is archived by the helper.

use osh_core::getopt::{Kind, Opt, opt};
use osh_core::plugin::{self, Class, Ctx, Plugin};
use osh_core::requests::AccountDelete;
use osh_core::{Reply, Result};

/// The plugin.
pub const PLUGIN: Plugin = Plugin {
    name: "accountDelete",
    class: Class::Restricted,
    summary: "delete an account (its home is archived)",
    title: "delete an account",
    help: "Usage: --osh accountDelete --account NAME [--no-confirm]\n  \
           Delete an account. Its home (recordings, logs) is archived under /home/oldkeeper/accounts/.\n",
    run,
};

const SPEC: &[Opt] = &[opt("account", Kind::Str), opt("no-confirm", Kind::Flag)];

fn run(ctx: &mut Ctx) -> Result<Reply> {
    let p = ctx.options(SPEC)?;
    let name = plugin::account_name(&p, "account")?;
    if osh_core::account::Account::lookup(name).is_none() {
        return Err(Reply::new(
            osh_core::Code::KO_NOT_FOUND,
            format!("Account '{name}' doesn't exist"),
        ));
    }
    if !p.flag("no-confirm") {
        ctx.confirm(
            &format!("delete the account {name}"),
            &format!("Yes, do as I say and delete {name}, kthxbye"),
        )?;
    }
    let r = ctx.helper(&AccountDelete {
        account: name.to_owned(),
    })?;
    ctx.out.info(&r.msg);
    Ok(r)
}
