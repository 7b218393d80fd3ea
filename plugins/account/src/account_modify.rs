//! `accountModify`: change account settings, one helper call per option given;
//! each option's outcome is reported under its name in the value.

use osh_core::getopt::{Kind, Opt, opt};
use osh_core::plugin::{self, Class, Ctx, Plugin};
use osh_core::requests::AccountModify;
use osh_core::serde_json::Map;
use osh_core::{Reply, Result, Value, json};

/// The plugin.
pub const PLUGIN: Plugin = Plugin {
    name: "accountModify",
    class: Class::Restricted,
    summary: "change settings of an account",
    title: "modify an account configuration",
    help: "Usage: --osh accountModify --account NAME [OPTIONS]\n\
           \x20 --always-active yes|no          never expire this account for inactivity\n\
           \x20 --idle-ignore yes|no            no idle lock/kill for this account\n\
           \x20 --osh-only yes|no               may only run osh commands, never connect anywhere\n\
           \x20 --max-inactive-days N           inactivity limit for this account (-1: the bastion's)\n\
           \x20 --pam-auth-bypass yes|no        skip PAM at login (member of bastion-nopam)\n\
           \x20 --pubkey-auth-optional yes|no   allow login without a public key when PAM MFA is set\n\
           \x20 --egress-strict-host-key-checking yes|no|ask|accept-new|bypass|default\n",
    run,
};

/// Options passed on to the helper, by name.
const SETTINGS: &[&str] = &[
    "always-active",
    "idle-ignore",
    "osh-only",
    "max-inactive-days",
    "pam-auth-bypass",
    "pubkey-auth-optional",
    "egress-strict-host-key-checking",
];

/// The Bastion's options that need features osh does not have yet.
const NOT_YET: &[&str] = &[
    "mfa-password-required",
    "mfa-totp-required",
    "personal-egress-mfa-required",
    "egress-session-multiplexing",
];

const SPEC: &[Opt] = &[
    opt("account", Kind::Str),
    opt("always-active", Kind::Str),
    opt("idle-ignore", Kind::Str),
    opt("osh-only", Kind::Str),
    opt("max-inactive-days", Kind::Str),
    opt("pam-auth-bypass", Kind::Str),
    opt("pubkey-auth-optional", Kind::Str),
    opt("egress-strict-host-key-checking", Kind::Str),
    opt("mfa-password-required", Kind::Str),
    opt("mfa-totp-required", Kind::Str),
    opt("personal-egress-mfa-required", Kind::Str),
    opt("egress-session-multiplexing", Kind::Str),
];

fn run(ctx: &mut Ctx) -> Result<Reply> {
    let p = ctx.options(SPEC)?;
    let acct = plugin::target_account(&p, "account")?;
    if let Some(n) = NOT_YET.iter().find(|n| p.str(n).is_some()) {
        return Err(Reply::new(
            osh_core::Code::ERR_NOT_SUPPORTED,
            format!("--{n} is not supported by this bastion yet"),
        ));
    }
    let given: Vec<(&str, &str)> = SETTINGS
        .iter()
        .filter_map(|n| p.str(n).map(|v| (*n, v)))
        .collect();
    if given.is_empty() {
        return Err(Reply::missing("Nothing to modify, see --help"));
    }
    let mut out = Map::new();
    let mut all_ok = true;
    for (name, value) in given {
        let r = osh_core::helper::call(&AccountModify {
            account: acct.name.clone(),
            option: name.to_owned(),
            value: value.to_owned(),
        });
        all_ok &= r.is_ok();
        ctx.out.info(&format!(
            "{name}: {}",
            if r.is_ok() {
                r.code.as_str()
            } else {
                r.msg.as_str()
            }
        ));
        out.insert(
            name.replace('-', "_"),
            json!({"error_code": r.code, "error_message": r.msg}),
        );
    }
    let value = Value::Object(out);
    if all_ok {
        Ok(Reply::ok(value))
    } else {
        Err(Reply::new(
            osh_core::Code::ERR_PARTIAL_FAILURE,
            "Some modifications failed, see the value for details",
        )
        .with_value(value))
    }
}
