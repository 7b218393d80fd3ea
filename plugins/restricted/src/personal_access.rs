//! `selfAddPersonalAccess`, `selfDelPersonalAccess`, `accountAddPersonalAccess`,
//! `accountDelPersonalAccess`: personal ACL lines, written by the
//! `osh-accountModifyPersonalAccess` helper as allowkeeper.
//!
//! The target comes from osh's own `--host`, `--user` and `--port`; `--user-any`
//! and `--port-any` say "any" explicitly, so that no access is wider by accident.

use osh_core::getopt::{Kind, Opt, opt};
use osh_core::plugin::{self, Ctx, Plugin};
use osh_core::requests::PersonalAccess;
use osh_core::{Reply, Result, access};

const HELP_TARGET: &str = "  --host HOST|NET        the server (or network) -- osh's own option\n\
                           \x20 --user USER | --user-any   the remote user, or any user\n\
                           \x20 --port PORT | --port-any   the remote port, or any port\n";

/// `selfAddPersonalAccess`.
pub const SELF_ADD: Plugin = Plugin {
    name: "selfAddPersonalAccess",
    title: "adding a personal access to a server on your account",
    help: "Usage: --osh selfAddPersonalAccess --host HOST (--user USER|--user-any) (--port PORT|--port-any)\n\
           \x20        [--force-key FINGERPRINT] [--ttl SECONDS] [--comment '\"TEXT\"']\n",
    run: self_add,
};
/// `selfDelPersonalAccess`.
pub const SELF_DEL: Plugin = Plugin {
    name: "selfDelPersonalAccess",
    title: "removing a personal access to a server from your account",
    help: "Usage: --osh selfDelPersonalAccess --host HOST (--user USER|--user-any) (--port PORT|--port-any)\n",
    run: self_del,
};
/// `accountAddPersonalAccess`.
pub const ACCOUNT_ADD: Plugin = Plugin {
    name: "accountAddPersonalAccess",
    title: "adding a personal access to a server on an account",
    help: "Usage: --osh accountAddPersonalAccess --account ACCOUNT --host HOST (--user USER|--user-any) (--port PORT|--port-any)\n\
           \x20        [--force-key FINGERPRINT] [--ttl SECONDS] [--comment '\"TEXT\"']\n",
    run: account_add,
};
/// `accountDelPersonalAccess`.
pub const ACCOUNT_DEL: Plugin = Plugin {
    name: "accountDelPersonalAccess",
    title: "removing a personal access to a server from an account",
    help: "Usage: --osh accountDelPersonalAccess --account ACCOUNT --host HOST (--user USER|--user-any) (--port PORT|--port-any)\n",
    run: account_del,
};

const SPEC: &[Opt] = &[
    opt("account", Kind::Str),
    opt("user-any", Kind::Flag),
    opt("port-any", Kind::Flag),
    opt("force-key", Kind::Str),
    opt("ttl", Kind::Int),
    opt("comment", Kind::Str),
];

fn change(ctx: &mut Ctx, plugin: &str, on_self: bool, add: bool) -> Result<Reply> {
    let p = ctx.options(SPEC)?;
    let account = if on_self {
        ctx.account.name.clone()
    } else {
        plugin::target_account(&p, "account")?.name
    };
    let host = ctx
        .host
        .clone()
        .ok_or_else(|| Reply::missing(format!("Missing parameter --host\n{HELP_TARGET}")))?;
    let user = match (ctx.user.as_deref(), p.flag("user-any")) {
        (Some(u), false) => Some(u.to_owned()),
        (None, true) => None,
        _ => {
            return Err(Reply::missing(format!(
                "Specify either --user or --user-any\n{HELP_TARGET}"
            )));
        }
    };
    let port = match (ctx.port.as_deref(), p.flag("port-any")) {
        (Some(pt), false) => Some(
            pt.parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| Reply::new("KO_INVALID_PORT", "Invalid port"))?,
        ),
        (None, true) => None,
        _ => {
            return Err(Reply::missing(format!(
                "Specify either --port or --port-any\n{HELP_TARGET}"
            )));
        }
    };
    let target = access::target(&host, user.as_deref(), port)?;
    if add {
        access::check_limits(plugin, &account, &target)?;
    }
    let req = PersonalAccess {
        account,
        plugin: plugin.into(),
        add,
        target: target.target(),
        force_key: p.str("force-key").filter(|_| add).map(str::to_owned),
        ttl: p.int("ttl").filter(|_| add),
        comment: p.str("comment").filter(|_| add).map(str::to_owned),
    };
    let r = ctx.helper(&req)?;
    ctx.out.info(&r.msg);
    Ok(r)
}

fn self_add(ctx: &mut Ctx) -> Result<Reply> {
    change(ctx, "selfAddPersonalAccess", true, true)
}
fn self_del(ctx: &mut Ctx) -> Result<Reply> {
    change(ctx, "selfDelPersonalAccess", true, false)
}
fn account_add(ctx: &mut Ctx) -> Result<Reply> {
    change(ctx, "accountAddPersonalAccess", false, true)
}
fn account_del(ctx: &mut Ctx) -> Result<Reply> {
    change(ctx, "accountDelPersonalAccess", false, false)
}
