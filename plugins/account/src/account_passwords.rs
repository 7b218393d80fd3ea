//! `accountGeneratePassword` (helper `osh-accountGeneratePassword`, as
//! root) and `accountListPasswords` (helper `osh-accountRead`, as keyreader):
//! an account's egress passwords, for targets that take no key.

use osh_core::getopt::{Kind, opt};
use osh_core::plugin::{self, Class, Ctx, Plugin};
use osh_core::requests::{AccountPassword, AccountRead, Read};
use osh_core::{Reply, Result};

/// `accountGeneratePassword`.
pub const GENERATE: Plugin = Plugin {
    name: "accountGeneratePassword",
    class: Class::Restricted,
    summary: "generate a new egress password for an account",
    title: "generating a new egress password for an account",
    help: "Usage: --osh accountGeneratePassword --account ACCOUNT [--size SIZE] --do-it\n\
           \x20 SIZE: 8 to 127 characters (default 16); the previous passwords are kept.\n",
    run: generate,
};

/// `accountListPasswords`.
pub const LIST: Plugin = Plugin {
    name: "accountListPasswords",
    class: Class::Restricted,
    summary: "list the hashes of an account's egress passwords",
    title: "hashes of the egress passwords of an account",
    help: "Usage: --osh accountListPasswords --account ACCOUNT\n",
    run: list,
};

fn generate(ctx: &mut Ctx) -> Result<Reply> {
    let p = ctx.options(&[
        opt("account", Kind::Str),
        opt("size", Kind::Int),
        opt("do-it", Kind::Flag),
    ])?;
    let account = plugin::account_name(&p, "account")?.to_owned();
    let size = osh_core::password::size_option(&p)?;
    if !p.flag("do-it") {
        ctx.out.info(
            "Add --do-it to generate a new password (the servers must then be changed to it)",
        );
        return Err(Reply::missing("Missing --do-it"));
    }
    let r = ctx.helper(&AccountPassword { account, size })?;
    ctx.out.info(&r.msg);
    ctx.out
        .info(&osh_core::password::hashes_text(&r.value["hashes"]));
    Ok(r)
}

fn list(ctx: &mut Ctx) -> Result<Reply> {
    let p = ctx.options(&[opt("account", Kind::Str)])?;
    let acct = plugin::target_account(&p, "account")?;
    let r = ctx.helper(&AccountRead {
        account: Some(acct.name),
        what: Read::Passwords,
    })?;
    ctx.out.info(&r.msg);
    Ok(Reply::new(
        osh_core::Code::from_name(&r.code).unwrap_or(osh_core::Code::OK),
        "OK",
    )
    .with_value(r.value))
}
