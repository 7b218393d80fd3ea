//! `accountListSessions` and `accountPlaySession` (helper
//! `osh-accountSessions`, as root): another account's sessions, for
//! auditors, with the options and outputs of the self versions.

use osh_core::plugin::{self, Class, Ctx, Plugin};
use osh_core::requests::AccountSessions;
use osh_core::{Code, Reply, Result, json, sessions};
use osh_plugins_self::sessions as own;

/// `accountListSessions`.
pub const LIST: Plugin = Plugin {
    name: "accountListSessions",
    class: Class::Restricted,
    summary: "list the past sessions of an account (auditors)",
    title: "past sessions of an account",
    help: concat!(
        "Usage: --osh accountListSessions --account NAME [OPTIONS]\n",
        osh_core::session_list_options!()
    ),
    run: list,
};

/// `accountExportSession`.
pub const EXPORT: Plugin = Plugin {
    name: "accountExportSession",
    class: Class::Restricted,
    summary: "export a past session of an account, verified (auditors)",
    title: "export a past session of an account",
    help: concat!(
        "Usage: --osh accountExportSession --account NAME --id ID [--format json|asciinema|ttyrec] [--insecure]\n",
        osh_core::export_options!()
    ),
    run: export,
};

/// The export, verified by the helper (which also reads the ledger),
/// copied from its stream to our standard output.
fn export(ctx: &mut Ctx) -> Result<Reply> {
    let p = ctx.options(osh_core::export::SPEC)?;
    let req = AccountSessions {
        account: plugin::account_name(&p, "account")?.to_owned(),
        play: false,
        export: true,
        args: ctx.args.clone(),
        host: None,
        user: None,
    };
    let (reply, mut child) = osh_core::helper::call_stream(&req)?;
    if !reply.is_ok() {
        let _ = child.wait();
        return Err(reply);
    }
    ctx.out.info(
        reply.value["summary"]
            .as_str()
            .unwrap_or_default()
            .trim_end(),
    );
    let copied = child
        .stdout
        .take()
        .ok_or_else(|| Reply::internal("no export stream"))
        .and_then(|mut from| {
            std::io::copy(&mut from, &mut std::io::stdout().lock())
                .map_err(|e| Reply::new(Code::ERR_IO, format!("The export stopped: {e}")))
        });
    let _ = child.wait();
    let bytes = copied?;
    Ok(Reply::ok(json!({
        "id": reply.value["id"],
        "bytes": bytes,
        "verification": reply.value["verification"],
    })))
}

/// `accountPlaySession`.
pub const PLAY: Plugin = Plugin {
    name: "accountPlaySession",
    class: Class::Restricted,
    summary: "replay a past session of an account (auditors)",
    title: "replay a past session of an account",
    help: concat!(
        "Usage: --osh accountPlaySession --account NAME --id ID [--speed X] [--max-idle SECONDS] [--no-wait]\n",
        osh_core::session_play_options!()
    ),
    run: play,
};

fn request(ctx: &Ctx, play: bool) -> Result<AccountSessions> {
    let spec = if play {
        own::PLAY_SPEC
    } else {
        sessions::LIST_SPEC
    };
    let p = ctx.options(spec)?;
    Ok(AccountSessions {
        account: plugin::account_name(&p, "account")?.to_owned(),
        play,
        export: false,
        args: ctx.args.clone(),
        host: ctx.host.clone(),
        user: ctx.user.clone(),
    })
}

fn list(ctx: &mut Ctx) -> Result<Reply> {
    let req = request(ctx, false)?;
    let r = ctx.helper(&req)?;
    ctx.out.raw(&r.msg);
    let msg = if r.code == Code::OK_EMPTY.as_str() {
        "No session found"
    } else {
        "OK"
    };
    Ok(Reply::decoded(&r.code, msg).with_value(r.value))
}

fn play(ctx: &mut Ctx) -> Result<Reply> {
    let req = request(ctx, true)?;
    let p = ctx.options(own::PLAY_SPEC)?;
    let (reply, mut child) = osh_core::helper::call_stream(&req)?;
    if !reply.is_ok() {
        let _ = child.wait();
        return Err(reply);
    }
    let out = child
        .stdout
        .take()
        .ok_or_else(|| Reply::internal("no replay stream"))?;
    let summary = reply.value["summary"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let id = reply.value["id"].as_str().unwrap_or_default().to_owned();
    let segments = reply.value["segments"]
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0);
    let r = own::replay_session(
        ctx,
        &summary,
        &id,
        sessions::stream_frames(out),
        segments,
        &p,
    );
    let _ = child.kill();
    let _ = child.wait();
    r
}
