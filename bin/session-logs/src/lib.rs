//! `osh-session-logs`: verify sealed recordings and export them, on the
//! bastion or on any machine holding the files and the bastion's public
//! keys. The verbs and flags are Okta ASA's `sft session-logs` ones where
//! they exist (`export --format --output --insecure`, `verify`).

mod follow;

use std::io::{IsTerminal as _, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use osh_core::serde_json::{self, json};
use osh_seal::verify::{self, Context, Report, SessionFiles, Status};
use osh_ttyrec::export::{self, Exporter, Format};

/// Verification failed.
const EXIT_FAILED: u8 = 1;
/// Bad usage, or nothing to work on.
const EXIT_USAGE: u8 = 2;
/// Valid as far as sealed, but not all of it is (a session killed or live).
const EXIT_PARTIAL: u8 = 3;

#[derive(Parser, Debug)]
#[command(
    name = "osh-session-logs",
    version,
    about = "Verify and export osh's sealed session recordings",
    after_help = "TARGET is a recording file (a segment, its .seal or .winsize), a directory \
                  (every session under it), or a session id (searched under --root).\n\
                  Exit codes: 0 verified, 1 verification failed, 2 usage or nothing found, \
                  3 valid up to its last seal but not all of it sealed."
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Args, Debug, Clone)]
struct Trust {
    /// The bastion's public key (a .pub file), instead of its allowed_signers.
    #[arg(long, value_name = "FILE", conflicts_with = "allowed_signers")]
    key: Option<PathBuf>,
    /// An allowed_signers file with the bastion's keys [default: /home/sealkeeper/allowed_signers].
    #[arg(long, value_name = "FILE")]
    allowed_signers: Option<PathBuf>,
    /// The ledger's directory [default: /home/sealkeeper/ledger, when readable].
    #[arg(long, value_name = "DIR", conflicts_with = "no_ledger")]
    ledger: Option<PathBuf>,
    /// Do not check the ledger.
    #[arg(long)]
    no_ledger: bool,
    /// Where to look for a session given by id [default: every /home/*/ttyrec].
    #[arg(long, value_name = "DIR")]
    root: Vec<PathBuf>,
}

/// What every verb on one session takes.
#[derive(Args, Debug, Clone)]
struct One {
    #[command(flatten)]
    trust: Trust,
    /// Go on even if verification fails (said loudly, and marked in what is written).
    #[arg(long)]
    insecure: bool,
    /// The session.
    #[arg(value_name = "TARGET")]
    target: String,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Check every seal's signature, every segment's hash, the chains and the ledger.
    Verify {
        #[command(flatten)]
        trust: Trust,
        /// One JSON document on stdout.
        #[arg(long)]
        json: bool,
        /// What to verify.
        #[arg(required = true, value_name = "TARGET")]
        targets: Vec<String>,
    },
    /// Write a session as JSON frames, an asciicast (v2) or one plain ttyrec.
    Export {
        #[command(flatten)]
        one: One,
        /// json, asciinema or ttyrec.
        #[arg(long, default_value = "json", value_parser = ["json", "asciinema", "ttyrec"])]
        format: String,
        /// Write here instead of stdout.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Keep exporting a live session as it grows, until it ends.
        #[arg(long)]
        follow: bool,
    },
    /// The raw output bytes, as the terminal received them.
    Decode(One),
    /// The session as plain text: what a person saw, escapes interpreted.
    Cat(One),
    /// Replay the session on this terminal, at its pace.
    Play {
        #[command(flatten)]
        one: One,
        /// 2 is twice as fast.
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
        /// Pauses longer than this many seconds are cut to it.
        #[arg(long, default_value_t = 5.0)]
        max_idle: f64,
    },
}

fn err(msg: &str) -> ExitCode {
    eprintln!("osh-session-logs: {msg}");
    ExitCode::from(EXIT_USAGE)
}

/// The trust anchors and the ledger, as the options say.
fn context(
    t: &Trust,
) -> Result<(Context, Vec<osh_seal::ledger::Problem>, Option<PathBuf>), String> {
    let keyfile = t
        .key
        .clone()
        .or_else(|| t.allowed_signers.clone())
        .unwrap_or_else(|| PathBuf::from(osh_seal::ALLOWED_SIGNERS));
    let keys = osh_seal::keys::Keyring::load(&keyfile).map_err(|e| {
        format!("{e}\n(give the bastion's public key with --key FILE or --allowed-signers FILE)")
    })?;
    let ledger_dir = if t.no_ledger {
        None
    } else if let Some(d) = &t.ledger {
        if !d.is_dir() {
            return Err(format!("{}: not a directory", d.display()));
        }
        Some(d.clone())
    } else {
        let d = PathBuf::from(osh_seal::LEDGER_DIR);
        std::fs::read_dir(&d).is_ok().then_some(d)
    };
    let (ledger, problems) = match &ledger_dir {
        Some(d) => {
            let c = osh_seal::ledger::check(d, &keys);
            if c.files.is_empty() {
                return Err(format!(
                    "{}: no ledger file (ledger-YYYYMM.jsonl) in it",
                    d.display()
                ));
            }
            (Some(c.entries), c.problems)
        }
        None => (None, Vec::new()),
    };
    Ok((Context::new(keys, ledger), problems, ledger_dir))
}

fn roots(t: &Trust) -> Vec<PathBuf> {
    if !t.root.is_empty() {
        return t.root.clone();
    }
    let mut v: Vec<PathBuf> = std::fs::read_dir("/home")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("ttyrec"))
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

/// A progress bar on stderr for `total` bytes, only on a terminal.
fn bar(total: u64, what: &str) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() || total < 64 << 20 {
        return None;
    }
    let b = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{msg} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    ) {
        b.set_style(style.progress_chars("=> "));
    }
    b.set_message(what.to_owned());
    Some(b)
}

fn verify_all(trust: &Trust, json_out: bool, targets: &[String]) -> ExitCode {
    let mut found_all = Vec::new();
    for t in targets {
        match verify::find(t, &roots(trust)) {
            Ok(sessions) => found_all.push((t.clone(), sessions)),
            Err(e) => return err(&e),
        }
    }
    // The ledger after the seals, as in `checked`.
    let (mut ctx, ledger_problems, ledger_dir) = match context(trust) {
        Ok(c) => c,
        Err(e) => return err(&e),
    };
    let mut reports: Vec<Report> = Vec::new();
    let total: u64 = found_all
        .iter()
        .map(|(_, s)| osh_seal::export::total_bytes(s))
        .sum();
    let progress = bar(total, "verifying");
    if let Some(b) = progress.clone() {
        ctx.progress = Some(Box::new(move |n| b.inc(n)));
    }
    for (t, sessions) in &found_all {
        for s in sessions {
            let report = verify::session(s, &ctx);
            let (_, report) = verify::settle(s, report, |s| {
                let (ctx, _, _) = context(trust).ok()?;
                Some(verify::session(s, &ctx))
            });
            reports.push(report);
        }
        if let Some(l) = &ctx.ledger
            && Path::new(t).is_dir()
        {
            reports.extend(verify::vanished(l, Path::new(t), sessions));
        }
    }
    if let Some(b) = progress {
        b.finish_and_clear();
    }
    let failed = reports.iter().any(|r| r.status == Status::Failed) || !ledger_problems.is_empty();
    let partial = reports.iter().any(|r| r.status == Status::Partial);
    if json_out {
        let v = json!({
            "status": if failed { "failed" } else if partial { "partial" } else { "verified" },
            "sessions": reports,
            "ledger": ledger_dir.as_ref().map(|d| json!({
                "dir": d,
                "entries": ctx.ledger.as_ref().map_or(0, Vec::len),
                "problems": ledger_problems,
            })),
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        let mut out = std::io::stdout().lock();
        for r in &reports {
            let _ = out.write_all(r.describe().as_bytes());
        }
        match &ledger_dir {
            Some(d) if ledger_problems.is_empty() => {
                let _ = writeln!(
                    out,
                    "ledger {}: {} entries, intact",
                    d.display(),
                    ctx.ledger.as_ref().map_or(0, Vec::len)
                );
            }
            Some(d) => {
                let _ = writeln!(out, "ledger {}: FAILED", d.display());
                for p in &ledger_problems {
                    let _ = writeln!(out, "  - {} line {}: {}", p.file, p.line, p.what);
                }
            }
            None => {
                let _ = writeln!(
                    out,
                    "ledger: not checked (none given, or not readable here)"
                );
            }
        }
    }
    ExitCode::from(if failed {
        EXIT_FAILED
    } else if partial {
        EXIT_PARTIAL
    } else {
        0
    })
}

/// The verdict on `s`, the ledger's own problems included. The ledger is
/// read after the seals: the keeper writes a seal's entry before the seal
/// file, so every seal found is in the ledger read.
fn checked(trust: &Trust, s: &SessionFiles) -> Result<Report, String> {
    let (ctx, ledger_problems, _) = context(trust)?;
    let mut report = verify::session(s, &ctx);
    for p in ledger_problems {
        report.problems.push(verify::Problem {
            segment: None,
            file: Some(p.file),
            offset: None,
            until: None,
            frame: None,
            what: format!("ledger line {}: {}", p.line, p.what),
        });
        report.status = Status::Failed;
    }
    Ok(report)
}

/// One session, verified; with `insecure`, whatever the verdict (said loudly).
pub(crate) fn one_session(
    trust: &Trust,
    target: &str,
    insecure: bool,
) -> Result<(SessionFiles, Report), ExitCode> {
    let mut sessions = verify::find(target, &roots(trust)).map_err(|e| err(&e))?;
    if sessions.len() != 1 {
        return Err(err(&format!(
            "{target} holds {} sessions: name one (a file or a session id)",
            sessions.len()
        )));
    }
    let s = sessions.remove(0);
    let report = checked(trust, &s).map_err(|e| err(&e))?;
    let (fresh, report) = verify::settle(&s, report, |s| checked(trust, s).ok());
    let s = fresh.unwrap_or(s);
    if report.status == Status::Failed {
        eprint!("{}", report.describe());
        if !insecure {
            eprintln!(
                "osh-session-logs: verification failed: not exported (--insecure exports anyway, marked unverified)"
            );
            return Err(ExitCode::from(EXIT_FAILED));
        }
        eprintln!(
            "osh-session-logs: WARNING: verification FAILED; exporting anyway (--insecure): this output is NOT verified evidence"
        );
    } else if report.status == Status::Partial {
        eprint!("{}", report.describe());
        eprintln!(
            "osh-session-logs: warning: this session is not closed: what follows its last seal is not verified"
        );
    }
    Ok((s, report))
}

fn export_to(
    s: &SessionFiles,
    r: &Report,
    format: Format,
    mut out: Box<dyn Write>,
    follow: bool,
) -> ExitCode {
    let result = if follow {
        Exporter::new(
            format,
            &mut out,
            osh_seal::export::metadata(s, r, format),
            osh_seal::export::resizes(s),
        )
        .and_then(|mut ex| {
            follow::frames(s, &mut |f| ex.frame(f))?;
            ex.finish().map(drop)
        })
    } else {
        let progress = bar(
            osh_seal::export::total_bytes(std::slice::from_ref(s)),
            "exporting",
        );
        let tick = progress.clone().map(|b| move |n: u64| b.inc(n));
        let r = osh_seal::export::write(
            s,
            r,
            format,
            &mut out,
            tick.as_ref().map(|t| t as &dyn Fn(u64)),
        )
        .map(drop);
        if let Some(b) = progress {
            b.finish_and_clear();
        }
        r
    };
    match result {
        Ok(()) => ExitCode::from(if r.status == Status::Failed {
            EXIT_FAILED
        } else {
            0
        }),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => err(&format!("export failed: {e}")),
    }
}

fn output(path: Option<&Path>) -> Result<Box<dyn Write>, ExitCode> {
    match path {
        None => Ok(Box::new(std::io::BufWriter::with_capacity(
            1 << 16,
            std::io::stdout(),
        ))),
        Some(p) => {
            use std::os::unix::fs::OpenOptionsExt as _;
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(p)
                .map(|f| Box::new(std::io::BufWriter::with_capacity(1 << 16, f)) as Box<dyn Write>)
                .map_err(|e| err(&format!("{}: {e}", p.display())))
        }
    }
}

fn play(s: &SessionFiles, speed: f64, max_idle: f64) -> ExitCode {
    if !(speed.is_finite() && speed > 0.0 && max_idle.is_finite() && max_idle > 0.0) {
        return err("--speed and --max-idle take positive numbers");
    }
    let pace = osh_core::sessions::Pace {
        speed,
        max_idle: std::time::Duration::from_secs_f64(max_idle),
        no_wait: !std::io::stdout().is_terminal(),
    };
    let frames = s.segments.iter().flat_map(|g| {
        let mut fr = export::open_frames(&g.path).ok();
        std::iter::from_fn(move || match fr.as_mut()?.next_frame() {
            Ok(Some(f)) => Some(Ok(f)),
            _ => None,
        })
    });
    let mut out = std::io::stdout().lock();
    match osh_core::sessions::replay(frames, &mut out, pace, None) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => err(&e.msg),
    }
}

/// The tool's `main`.
#[must_use]
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Verify {
            trust,
            json,
            targets,
        } => verify_all(&trust, json, &targets),
        Cmd::Export {
            one,
            format,
            output: o,
            follow,
        } => {
            let format = Format::parse(&format).unwrap_or(Format::Json);
            let (s, r) = match one_session(&one.trust, &one.target, one.insecure) {
                Ok(x) => x,
                Err(code) => return code,
            };
            match output(o.as_deref()) {
                Ok(out) => export_to(&s, &r, format, out, follow),
                Err(code) => code,
            }
        }
        Cmd::Decode(one) => plain(&one, Format::Raw),
        Cmd::Cat(one) => plain(&one, Format::Text),
        Cmd::Play {
            one,
            speed,
            max_idle,
        } => match one_session(&one.trust, &one.target, one.insecure) {
            Ok((s, _)) => play(&s, speed, max_idle),
            Err(code) => code,
        },
    }
}

/// `decode` and `cat`: the session, verified, to stdout.
fn plain(one: &One, format: Format) -> ExitCode {
    match one_session(&one.trust, &one.target, one.insecure) {
        Ok((s, r)) => match output(None) {
            Ok(out) => export_to(&s, &r, format, out, false),
            Err(code) => code,
        },
        Err(code) => code,
    }
}
