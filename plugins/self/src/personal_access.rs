//! `selfAddPersonalAccess`, `selfDelPersonalAccess`: the caller's own
//! personal accesses, through [`osh_core::access::change_personal`] (the
//! allowkeeper helper writes them; both plugins are restricted).

use osh_core::plugin::{Class, Ctx, Plugin};
use osh_core::{Reply, Result, access};

/// `selfAddPersonalAccess`.
pub const SELF_ADD: Plugin = Plugin {
    name: "selfAddPersonalAccess",
    class: Class::Restricted,
    summary: "allow yourself to reach a server with your egress key",
    title: "adding a personal access to a server on your account",
    help: "Usage: --osh selfAddPersonalAccess --host HOST (--user USER|--user-any) (--port PORT|--port-any)\n\
           \x20        [--force-key FINGERPRINT] [--ttl SECONDS] [--comment '\"TEXT\"']\n",
    run: self_add,
};
/// `selfDelPersonalAccess`.
pub const SELF_DEL: Plugin = Plugin {
    name: "selfDelPersonalAccess",
    class: Class::Restricted,
    summary: "remove one of your personal accesses",
    title: "removing a personal access to a server from your account",
    help: "Usage: --osh selfDelPersonalAccess --host HOST (--user USER|--user-any) (--port PORT|--port-any)\n",
    run: self_del,
};

fn self_add(ctx: &mut Ctx) -> Result<Reply> {
    access::change_personal(ctx, "selfAddPersonalAccess", true, true)
}

fn self_del(ctx: &mut Ctx) -> Result<Reply> {
    access::change_personal(ctx, "selfDelPersonalAccess", true, false)
}
