//! `selfExportSession` / `accountExportSession`: one session of an account,
//! found in its logs, verified against the bastion's seal keys (and its
//! ledger, for those who may read it), written in the asked format; every
//! export is logged as an `export` event.

use std::path::Path;

use osh_seal::verify::{self, Context, Report, SessionFiles, Status};
use osh_ttyrec::export::Format;

use crate::config::Config;
use crate::getopt::{Kind, Opt, Parsed, opt};
use crate::{Code, Reply, Result, logging, sessions};

/// The options of both export plugins (`--account` for the `account*` one).
pub const SPEC: &[Opt] = &[
    opt("account", Kind::Str),
    opt("id", Kind::Str),
    opt("format", Kind::Str),
    opt("insecure", Kind::Flag),
];

/// The help text of the options.
#[macro_export]
macro_rules! export_options {
    () => {
        concat!(
            "  --id ID          the session (as selfListSessions shows it)\n",
            "  --format FORMAT  json (default: metadata, verification, base64 frames), asciinema\n",
            "                   (asciicast v2, for asciinema play/cat) or ttyrec (for ttyplay)\n",
            "  --insecure       export even if the seals do not verify (the output says so)\n",
            "\nThe export goes to standard output, to redirect without a terminal:\n",
            "  ssh -T bastion -- --osh selfExportSession --id ID --format asciinema > s.cast\n",
        )
    };
}

/// A session ready to export.
#[derive(Debug)]
pub struct Prepared {
    /// Its files.
    pub files: SessionFiles,
    /// Its verification.
    pub report: Report,
    /// The format asked.
    pub format: Format,
}

/// Find session `--id` of `account` (home `home`), verify it, and refuse
/// it unless it verifies (or `--insecure`).
///
/// # Errors
/// No such session, no seal keys, or a failed verification.
pub fn prepare(home: &Path, account: &str, p: &Parsed) -> Result<Prepared> {
    let id = p
        .str("id")
        .ok_or_else(|| Reply::missing("Missing mandatory parameter --id"))?;
    let format = match p.str("format").unwrap_or("json") {
        "json" => Format::Json,
        "asciinema" | "asciicast" => Format::Asciicast,
        "ttyrec" => Format::Ttyrec,
        other => {
            return Err(Reply::invalid(format!(
                "--format: json, asciinema or ttyrec, not {}",
                crate::ui::clean_bounded(other, 20)
            )));
        }
    };
    let session = sessions::find(home, account, id)?;
    let segments = sessions::segments(home, &session)?;
    let files = verify::group(segments)
        .into_iter()
        .find(|s| s.uniqid == session.uniqid)
        .ok_or_else(|| {
            Reply::new(
                Code::ERR_NOT_FOUND,
                format!("The recording of session {id} is gone"),
            )
        })?;
    let keys =
        osh_seal::keys::Keyring::load(Path::new(osh_seal::ALLOWED_SIGNERS)).map_err(|e| {
            Reply::new(
                Code::ERR_CONFIGURATION,
                format!("The bastion's seal keys: {e}"),
            )
        })?;
    // The ledger is the seal keeper's and the auditors': checked when
    // readable, and read after the seals (each seal's entry is written first).
    let ledger_dir = Path::new(osh_seal::LEDGER_DIR);
    let check = |files: &verify::SessionFiles| {
        let ledger = std::fs::read_dir(ledger_dir)
            .is_ok()
            .then(|| osh_seal::ledger::check(ledger_dir, &keys).entries);
        verify::session(files, &Context::new(keys.clone(), ledger))
    };
    let report = check(&files);
    let (fresh, report) = verify::settle(&files, report, |f| Some(check(f)));
    let files = fresh.unwrap_or(files);
    if report.status == Status::Failed && !p.flag("insecure") {
        return Err(Reply::new(
            Code::ERR_VERIFICATION_FAILED,
            format!(
                "{}The session does not verify: not exported (--insecure exports it anyway, marked unverified)",
                report.describe()
            ),
        ));
    }
    Ok(Prepared {
        files,
        report,
        format,
    })
}

/// Log the `export` of `p` by the plugin call `uniqid` of `account` (`frames` written).
pub fn log(config: &Config, uniqid: &str, account: &str, p: &Prepared, frames: u64, ok: bool) {
    let format = match p.format {
        Format::Json => "json",
        Format::Asciicast => "asciinema",
        _ => "ttyrec",
    };
    let status = match p.report.status {
        Status::Verified => "verified",
        Status::Partial => "partial",
        Status::Failed => "failed",
    };
    let ev = logging::event("export", uniqid)
        .field("account", account)
        .field("exported_uniqid", &p.report.uniqid)
        .field(
            "exported_account",
            p.report.account.as_deref().unwrap_or(""),
        )
        .field("format", format)
        .field("verification", status)
        .field("frames", frames.to_string())
        .field("completed", if ok { "true" } else { "false" });
    logging::logger(config).log(&ev);
}

/// Write the export of `p` to `out`: the frames written.
///
/// # Errors
/// A segment unreadable, or the output closed.
pub fn write(p: &Prepared, out: &mut dyn std::io::Write) -> Result<u64> {
    osh_seal::export::write(&p.files, &p.report, p.format, out, None)
        .map_err(|e| Reply::new(Code::ERR_IO, format!("The export failed: {e}")))
}
