//! `osh-accountSessions` (as root): an account's sessions for auditors,
//! listed from its databases or replayed from its recordings (which only
//! the account itself and root can read). The replay is sent as a plain
//! ttyrec stream after the reply, so the plugin plays it at its pace, with
//! the auditor's keys.

use osh_core::helper::Caller;
use osh_core::requests::AccountSessions;
use osh_core::{Code, Reply, Result, account, getopt, json, sessions};

/// The replay's options (as `accountPlaySession` takes them).
const PLAY_SPEC: &[getopt::Opt] = &[
    getopt::opt("account", getopt::Kind::Str),
    getopt::opt("id", getopt::Kind::Str),
    getopt::opt("speed", getopt::Kind::Str),
    getopt::opt("max-idle", getopt::Kind::Str),
    getopt::opt("no-wait", getopt::Kind::Flag),
];

use osh_core::helper::Stream;

/// The helper's logic.
pub fn run(caller: &Caller, req: AccountSessions) -> Result<(Reply, Stream)> {
    if !caller.is_auditor() {
        return Err(Reply::new(
            Code::ERR_ACCESS_DENIED,
            "Another account's sessions are for bastion auditors only",
        ));
    }
    let acct = account::bastion_account(&req.account)?;
    if req.export {
        return export(caller, &acct, &req);
    }
    let spec = if req.play {
        PLAY_SPEC
    } else {
        sessions::LIST_SPEC
    };
    let p = getopt::parse(spec, &req.args);
    if let Some(extra) = p.rest.first() {
        return Err(Reply::new(
            Code::ERR_BAD_OPTIONS,
            format!("Unknown option: {}", osh_core::ui::clean(extra)),
        ));
    }
    let none: Stream = Box::new(|_| {});
    if !req.play {
        let f = sessions::filter(&p, req.host.as_deref(), req.user.as_deref())?;
        let (text, reply) = sessions::list(&acct.home, &acct.name, &p, &f)?;
        // The text travels in the message; the plugin shows it.
        return Ok((
            Reply::decoded(&reply.code, text).with_value(reply.value),
            none,
        ));
    }
    let id = p
        .str("id")
        .ok_or_else(|| Reply::missing("Missing mandatory parameter --id"))?;
    let session = sessions::find(&acct.home, &acct.name, id)?;
    let segments = sessions::segments(&acct.home, &session)?;
    let value = json!({
        "id": session.uniqid,
        "summary": sessions::summary(&session),
        "segments": segments.len(),
    });
    let stream: Stream = Box::new(move |out| {
        let mut out = out;
        for frame in sessions::frames(&segments).map_while(std::result::Result::ok) {
            if osh_ttyrec::write_frame(&mut out, frame.sec, frame.usec, &frame.data).is_err() {
                // The auditor stopped the replay.
                return;
            }
        }
    });
    Ok((Reply::ok(value), stream))
}

/// `accountExportSession`: verified here, where the ledger is readable, and
/// streamed after the reply; logged once the stream is done.
fn export(
    caller: &Caller,
    acct: &account::Account,
    req: &AccountSessions,
) -> Result<(Reply, Stream)> {
    let p = getopt::parse(osh_core::export::SPEC, &req.args);
    if let Some(extra) = p.rest.first() {
        return Err(Reply::new(
            Code::ERR_BAD_OPTIONS,
            format!("Unknown option: {}", osh_core::ui::clean(extra)),
        ));
    }
    let prepared = osh_core::export::prepare(&acct.home, &acct.name, &p)?;
    let value = json!({
        "id": prepared.report.uniqid,
        "summary": prepared.report.describe(),
        "verification": prepared.report.status,
    });
    let config = caller.config.clone();
    let who = caller.name.clone();
    let stream: Stream = Box::new(move |out| {
        let written = osh_core::export::write(&prepared, out);
        let frames = *written.as_ref().unwrap_or(&0);
        osh_core::export::log(
            &config,
            &osh_core::logging::uniqid(),
            &who,
            &prepared,
            frames,
            written.is_ok(),
        );
    });
    Ok((Reply::ok(value), stream))
}
