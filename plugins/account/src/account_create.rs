//! `accountCreate`: create a bastion account (helper `osh-accountCreate`, as root).

use osh_core::getopt::{Kind, Opt, opt};
use osh_core::plugin::{self, Class, Ctx, Plugin};
use osh_core::requests::AccountCreate;
use osh_core::{Reply, Result, keys};

/// The plugin.
pub const PLUGIN: Plugin = Plugin {
    name: "accountCreate",
    class: Class::Restricted,
    summary: "create a new bastion account",
    title: "create a new bastion account",
    help: "Usage: --osh accountCreate --account NAME (--uid UID | --uid-auto) [--public-key '\"KEY\"' | --no-key]\n\
           \x20        [--always-active] [--osh-only] [--ttl DURATION] [--max-inactive-days DAYS] [--comment '\"TEXT\"']\n\
           \x20 Without --public-key or --no-key, the key is read from standard input.\n",
    run,
};

const SPEC: &[Opt] = &[
    opt("account", Kind::Str),
    opt("uid", Kind::Int),
    opt("uid-auto", Kind::Flag),
    opt("public-key|pubKey", Kind::Str),
    opt("no-key", Kind::Flag),
    opt("always-active", Kind::Flag),
    opt("osh-only", Kind::Flag),
    opt("ttl", Kind::Str),
    opt("max-inactive-days", Kind::Int),
    opt("comment", Kind::Str),
];

fn run(ctx: &mut Ctx) -> Result<Reply> {
    let (p, given) = ctx.options_with_key(SPEC);
    let name = plugin::account_name(&p, "account")?;
    if p.int("uid").is_some() == p.flag("uid-auto") {
        return Err(Reply::missing("Specify exactly one of --uid or --uid-auto"));
    }
    let key_line = match (given, p.flag("no-key")) {
        (Some(_), true) => {
            return Err(Reply::invalid(
                "--public-key and --no-key are mutually exclusive",
            ));
        }
        (Some(k), false) => Some(k),
        (None, true) => None,
        (None, false) => {
            ctx.out
                .info("Please paste the SSH public key of the new account:");
            let input = ctx.stdin(keys::MAX_PASTE)?;
            Some(
                input
                    .lines()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("")
                    .to_owned(),
            )
        }
    };
    // Checked here for a quick answer; the helper checks it again.
    let key = key_line
        .as_deref()
        .map(|l| keys::ingress_policy(l, &ctx.config))
        .transpose()?;
    let req = AccountCreate {
        account: name.to_owned(),
        uid: p
            .int("uid")
            .map(|u| u32::try_from(u).map_err(|_| Reply::invalid("Bad --uid")))
            .transpose()?,
        public_key: key.map(|k| k.line),
        always_active: p.flag("always-active"),
        osh_only: p.flag("osh-only"),
        comment: p.str("comment").map(str::to_owned),
        ttl: p
            .str("ttl")
            .map(osh_core::time::parse_ttl)
            .transpose()?
            .map(|t| i64::try_from(t).unwrap_or(i64::MAX)),
        max_inactive_days: match p.int("max-inactive-days") {
            Some(d) if d < 0 => {
                return Err(Reply::invalid(
                    "Expected a >= 0 amount of days for --max-inactive-days",
                ));
            }
            d => d,
        },
        force_from: None,
    };
    let r = ctx.helper(&req)?;
    ctx.out.info(&r.msg);
    if let Some(line) = r.value["egress_key"]["line"].as_str() {
        ctx.out.info(&format!(
            "\nIts egress key, to put in the authorized_keys of the servers it will reach:\n{line}"
        ));
    }
    ctx.out.info(&format!(
        "==> alias {}='{}'\nTo test the access, ask this user to set the above alias in their .bash_aliases, then run `{} --osh info'",
        ctx.config.bastionName,
        osh_core::ui::alias(&ctx.config, &req.account),
        ctx.config.bastionName
    ));
    // The value stays The Bastion's (null): the key is also in accountListEgressKeys.
    Ok(Reply::new(osh_core::Code::OK, r.msg))
}
