//! `selfListSessions` and `selfPlaySession`: an account's own past
//! sessions, from its SQLite logs, and their replay from its recordings.

use std::path::Path;

use osh_core::getopt::{Kind, Opt, Parsed, opt};
use osh_core::plugin::{Class, Ctx, Plugin};
use osh_core::{Reply, Result, json, sessions};

/// `selfListSessions`.
pub const LIST: Plugin = Plugin {
    name: "selfListSessions",
    class: Class::Open,
    summary: "list your past sessions",
    title: "your past sessions list",
    help: concat!(
        "Usage: --osh selfListSessions [OPTIONS]\n",
        osh_core::session_list_options!()
    ),
    run: list,
};

/// `selfPlaySession`.
pub const PLAY: Plugin = Plugin {
    name: "selfPlaySession",
    class: Class::Open,
    summary: "replay one of your past sessions",
    title: "replay a past session",
    help: concat!(
        "Usage: --osh selfPlaySession --id ID [--speed X] [--max-idle SECONDS] [--no-wait]\n",
        osh_core::session_play_options!()
    ),
    run: play,
};

fn list(ctx: &mut Ctx) -> Result<Reply> {
    let p = ctx.options(sessions::LIST_SPEC)?;
    if p.str("account").is_some() {
        return Err(Reply::new(
            osh_core::Code::ERR_BAD_OPTIONS,
            "Unknown option: account (that is accountListSessions and accountPlaySession)",
        ));
    }
    list_of(
        ctx,
        &ctx.account.home.clone(),
        &ctx.account.name.clone(),
        &p,
    )
}

/// The listing of `account`'s sessions (its own for the self version).
pub fn list_of(ctx: &Ctx, home: &Path, account: &str, p: &Parsed) -> Result<Reply> {
    let f = sessions::filter(p, ctx.host.as_deref(), ctx.user.as_deref())?;
    let (text, reply) = sessions::list(home, account, p, &f)?;
    ctx.out.raw(&text);
    Ok(reply)
}

/// The replay's options, `--account` for the `account*` twin.
pub const PLAY_SPEC: &[Opt] = &[
    opt("account", Kind::Str),
    opt("id", Kind::Str),
    opt("speed", Kind::Str),
    opt("max-idle", Kind::Str),
    opt("no-wait", Kind::Flag),
];

/// The replay's pace from its options.
pub fn pace(p: &Parsed, interactive: bool) -> Result<sessions::Pace> {
    let num = |name: &str, default: f64| -> Result<f64> {
        match p.str(name) {
            None => Ok(default),
            Some(v) => v
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && *x > 0.0 && *x <= 1000.0)
                .ok_or_else(|| Reply::invalid(format!("--{name}: a positive number is expected"))),
        }
    };
    Ok(sessions::Pace {
        speed: num("speed", 1.0)?,
        max_idle: std::time::Duration::from_secs_f64(num("max-idle", 5.0)?),
        // Played into a pipe or a file, waiting is pointless: the bytes, at once.
        no_wait: p.flag("no-wait") || !interactive,
    })
}

fn play(ctx: &mut Ctx) -> Result<Reply> {
    let p = ctx.options(PLAY_SPEC)?;
    if p.str("account").is_some() {
        return Err(Reply::new(
            osh_core::Code::ERR_BAD_OPTIONS,
            "Unknown option: account (that is accountListSessions and accountPlaySession)",
        ));
    }
    play_of(
        ctx,
        &ctx.account.home.clone(),
        &ctx.account.name.clone(),
        &p,
    )
}

/// Restores the terminal's mode when the replay ends, however it ends.
struct RawMode {
    saved: nix::sys::termios::Termios,
}

impl RawMode {
    fn on(tty: &std::fs::File) -> Option<Self> {
        use nix::sys::termios::{SetArg, cfmakeraw, tcgetattr, tcsetattr};
        let saved = tcgetattr(tty).ok()?;
        let mut raw = saved.clone();
        cfmakeraw(&mut raw);
        // Output as recorded, newlines included: only input is raw.
        raw.output_flags = saved.output_flags;
        tcsetattr(tty, SetArg::TCSANOW, &raw).ok()?;
        Some(Self { saved })
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        if let Ok(tty) = std::fs::File::open("/dev/stdin") {
            let _ =
                nix::sys::termios::tcsetattr(&tty, nix::sys::termios::SetArg::TCSANOW, &self.saved);
        }
    }
}

/// The replay of session `--id` of `account`.
pub fn play_of(ctx: &Ctx, home: &Path, account: &str, p: &Parsed) -> Result<Reply> {
    let id = p
        .str("id")
        .ok_or_else(|| Reply::missing("Missing mandatory parameter --id"))?;
    let session = sessions::find(home, account, id)?;
    let segments = sessions::segments(home, &session)?;
    replay_session(
        ctx,
        &sessions::summary(&session),
        &session.uniqid,
        sessions::frames(&segments),
        segments.len(),
        p,
    )
}

/// Show `summary`, then replay `frames` (of `segments` segments) at the
/// pace the options ask for, with keys if the user is at a terminal.
pub fn replay_session(
    ctx: &Ctx,
    summary: &str,
    id: &str,
    frames: impl Iterator<Item = Result<osh_ttyrec::Frame>>,
    segments: usize,
    p: &Parsed,
) -> Result<Reply> {
    let stdin = std::fs::File::open("/dev/stdin").ok();
    let interactive = stdin
        .as_ref()
        .is_some_and(|f| nix::unistd::isatty(f).unwrap_or(false));
    let pace = pace(p, interactive)?;
    ctx.out.info(summary);
    let keys = if interactive && !pace.no_wait {
        ctx.out.info(
            "Press a key to start the replay. While it plays: + or f faster, - or s slower, \
             1 normal speed, space pause, n next output at once, q quit.",
        );
        let raw = stdin.as_ref().and_then(RawMode::on);
        let mut b = [0u8; 1];
        if let Some(mut f) = stdin.as_ref() {
            let _ = std::io::Read::read(&mut f, &mut b);
        }
        if sessions::Key::of(b[0]) == Some(sessions::Key::Quit) {
            drop(raw);
            return Ok(Reply::ok(json!({"id": id, "bytes": 0, "stopped": true})));
        }
        raw
    } else {
        None
    };
    ctx.out.info(&format!(
        "Starting from the next line, the Total Recall of session {id} begins."
    ));
    let mut out = std::io::stdout().lock();
    let result = sessions::replay(frames, &mut out, pace, keys.as_ref().and(stdin.as_ref()));
    drop(out);
    drop(keys);
    let (bytes, quit) = result?;
    ctx.out.info(&format!(
        "\nEnd of the replay of session {id}{} ({segments} segment(s), {bytes} bytes).",
        if quit { " (stopped)" } else { "" },
    ));
    Ok(Reply::ok(json!({
        "id": id,
        "segments": segments,
        "bytes": bytes,
        "stopped": quit,
    })))
}
