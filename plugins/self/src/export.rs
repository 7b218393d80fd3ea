//! `selfExportSession`: one of the account's own sessions, verified, as
//! JSON frames, an asciicast or a ttyrec on standard output.

use osh_core::plugin::{Class, Ctx, Plugin};
use osh_core::{Reply, Result, export, json};

/// `selfExportSession`.
pub const EXPORT: Plugin = Plugin {
    name: "selfExportSession",
    class: Class::Open,
    summary: "export one of your past sessions, verified (JSON, asciinema, ttyrec)",
    title: "export a past session",
    help: concat!(
        "Usage: --osh selfExportSession --id ID [--format json|asciinema|ttyrec] [--insecure]\n",
        osh_core::export_options!()
    ),
    run,
};

fn run(ctx: &mut Ctx) -> Result<Reply> {
    let p = ctx.options(export::SPEC)?;
    if p.str("account").is_some() {
        return Err(Reply::new(
            osh_core::Code::ERR_BAD_OPTIONS,
            "Unknown option: account (that is accountExportSession)",
        ));
    }
    let prepared = export::prepare(&ctx.account.home, &ctx.account.name, &p)?;
    emit(ctx, &prepared, |out| export::write(&prepared, out))
}

/// Say what was verified (on stderr, as all human text of an export),
/// write the export with `write`, log it; the reply.
fn emit(
    ctx: &Ctx,
    prepared: &export::Prepared,
    write: impl FnOnce(&mut dyn std::io::Write) -> Result<u64>,
) -> Result<Reply> {
    ctx.out.info(prepared.report.describe().trim_end());
    let mut out = std::io::stdout().lock();
    let written = write(&mut out);
    drop(out);
    let frames = *written.as_ref().unwrap_or(&0);
    export::log(
        &ctx.config,
        &ctx.uniqid,
        &ctx.account.name,
        prepared,
        frames,
        written.is_ok(),
    );
    written?;
    Ok(Reply::ok(json!({
        "id": prepared.report.uniqid,
        "frames": frames,
        "verification": prepared.report.status,
    })))
}
