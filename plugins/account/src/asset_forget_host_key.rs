//! `assetForgetHostKey` (helper `osh-assetForgetHostKey`, as root): forget
//! a server's host key for every account, after a legitimate key change.

use osh_core::plugin::{Class, Ctx, Plugin};
use osh_core::requests::AssetForgetHostKey;
use osh_core::{Code, Reply, Result, access};

/// `assetForgetHostKey`.
pub const PLUGIN: Plugin = Plugin {
    name: "assetForgetHostKey",
    class: Class::Restricted,
    summary: "remove the host key of a given asset from all accounts' known hosts",
    title: "remove the host key of a given asset from all accounts' known hosts",
    help: "Usage: --osh assetForgetHostKey --host HOST|IP [--port PORT]\n  \
           --host HOST|IP   the server whose host key changed (a name is resolved; not a network)\n  \
           --port PORT      its ssh port (default: 22)\n\n  \
           Comments the server's lines out of every account's known_hosts (who, when and\n  \
           in which session, on each line), so that the next connection learns its new key.\n  \
           Admins' files are changed only when an admin runs it.\n",
    run,
};

fn run(ctx: &mut Ctx) -> Result<Reply> {
    ctx.options(&[])?;
    let host = ctx.host.clone().ok_or_else(|| {
        Reply::missing("Missing mandatory parameter --host (or host didn't resolve correctly)")
    })?;
    // Resolved and validated like any target: no option-looking or odd host
    // goes further, and a network is not one server.
    let target = access::target(&host, None, None)?;
    if target.net.prefix_len() != target.net.max_prefix_len() {
        return Err(Reply::new(
            Code::ERR_INVALID_PARAMETER,
            format!("Specified IP must not be a subnet ({})", target.net),
        ));
    }
    let port = ctx.port.as_deref().map_or(Ok(22), access::port)?;
    let ip = target.net.addr().to_string();
    ctx.out
        .info(&format!("Removing {ip} host key from accounts..."));
    let r = ctx.helper(&AssetForgetHostKey { ip, port })?;
    ctx.out.info(&r.msg);
    Ok(r)
}
