//! `accountAddPersonalAccess`, `accountDelPersonalAccess`: another account's
//! personal accesses, through [`osh_core::access::change_personal`] (the
//! allowkeeper helper writes them).

use osh_core::plugin::{Class, Ctx, Plugin};
use osh_core::{Reply, Result, access};

/// `accountAddPersonalAccess`.
pub const ACCOUNT_ADD: Plugin = Plugin {
    name: "accountAddPersonalAccess",
    class: Class::Restricted,
    summary: "allow an account to reach a server with its egress key",
    title: "adding a personal access to a server on an account",
    help: "Usage: --osh accountAddPersonalAccess --account ACCOUNT --host HOST (--user USER|--user-any) (--port PORT|--port-any)\n\
           \x20        [--force-key FINGERPRINT] [--ttl SECONDS] [--comment '\"TEXT\"']\n",
    run: account_add,
};
/// `accountDelPersonalAccess`.
pub const ACCOUNT_DEL: Plugin = Plugin {
    name: "accountDelPersonalAccess",
    class: Class::Restricted,
    summary: "remove a personal access of an account",
    title: "removing a personal access to a server from an account",
    help: "Usage: --osh accountDelPersonalAccess --account ACCOUNT --host HOST (--user USER|--user-any) (--port PORT|--port-any)\n",
    run: account_del,
};

fn account_add(ctx: &mut Ctx) -> Result<Reply> {
    access::change_personal(ctx, "accountAddPersonalAccess", false, true)
}

fn account_del(ctx: &mut Ctx) -> Result<Reply> {
    access::change_personal(ctx, "accountDelPersonalAccess", false, false)
}
