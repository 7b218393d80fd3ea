//! `selfGeneratePassword` and `selfListPasswords`: the caller's own egress
//! passwords, kept in its home as its own files (no helper: the OS already
//! lets an account write its home, and nobody else's).

use osh_core::getopt::{Kind, opt};
use osh_core::plugin::{Class, Ctx, Plugin};
use osh_core::{Reply, Result, json};

/// `selfGeneratePassword`.
pub const GENERATE: Plugin = Plugin {
    name: "selfGeneratePassword",
    class: Class::Open,
    summary: "generate a new egress password for your account",
    title: "generating a new egress password for your account",
    help: "Usage: --osh selfGeneratePassword [--size SIZE] --do-it\n\
           \x20 SIZE: 8 to 127 characters (default 16); the previous passwords are kept.\n",
    run: generate,
};

/// `selfListPasswords`.
pub const LIST: Plugin = Plugin {
    name: "selfListPasswords",
    class: Class::Open,
    summary: "list the hashes of your egress passwords",
    title: "hashes of your egress passwords",
    help: "Usage: --osh selfListPasswords\n",
    run: list,
};

fn generate(ctx: &mut Ctx) -> Result<Reply> {
    let p = ctx.options(&[opt("size", Kind::Int), opt("do-it", Kind::Flag)])?;
    let size = osh_core::password::size_option(&p)?;
    if !p.flag("do-it") {
        ctx.out.info(
            "Add --do-it to generate a new password (the servers must then be changed to it)",
        );
        return Err(Reply::missing("Missing --do-it"));
    }
    let a = &ctx.account;
    let hashes = osh_core::password::generate(
        &osh_core::password::base(&a.home, &a.name),
        size,
        (a.uid, a.gid),
        &a.name,
    )?;
    ctx.out.info(&format!(
        "A new egress password was generated for {}:\n{}",
        a.name,
        osh_core::password::hashes_text(&hashes)
    ));
    Ok(Reply::ok(json!({"account": a.name, "hashes": hashes})))
}

fn list(ctx: &mut Ctx) -> Result<Reply> {
    ctx.options(&[])?;
    let a = &ctx.account;
    let all = osh_core::password::list(&osh_core::password::base(&a.home, &a.name))?;
    if all.is_empty() {
        ctx.out.info("You have no egress password");
        return Ok(Reply::new(osh_core::Code::OK_EMPTY, "No password"));
    }
    let (text, value) = osh_core::password::listing(&all)?;
    ctx.out.info(&text);
    Ok(Reply::ok(value))
}
