//! `osh-connect`: the small parent of every recorded session, as The Bastion's
//! `connect.pl` is.
//!
//! osh decides everything (account, access, command line), logs `open`, then
//! `exec`s this program with a [`Plan`] and the recorder's command line:
//!
//! ```text
//! osh-connect --plan-fd N -- /opt/osh/bin/ttyrec [RECORDER OPTIONS] -- COMMAND...
//! ```
//!
//! It starts the recorder, waits for it, passes an ending signal (the client
//! went away) on once, and always writes the `close` event -- also when the
//! recorder was killed -- then classifies an egress failure and prints its
//! guidance. It lives as long as the session, one per live session, so it is
//! kept small: no configuration parser, no ACLs, no recording decoder (the
//! recorder reports the first bytes it showed in its status instead).

mod classify;
pub mod journal;
mod plan;
mod supervise;

use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use osh_core::exit::Exit;
use osh_core::sys;
use osh_log::{Event, Logger};

pub use classify::{classify, guidance};
pub use plan::{Plan, Syslog};

/// Exit code when osh-connect itself was started wrongly (never by osh).
const EXIT_USAGE: u8 = 126;

/// The command line: the plan's descriptor, then the recorder's argv.
fn parse(args: &[String]) -> Result<(i32, &[String]), String> {
    match args {
        [flag, fd, dashes, recorder @ ..]
            if flag == "--plan-fd" && dashes == "--" && !recorder.is_empty() =>
        {
            let fd = fd.parse().map_err(|_| format!("bad --plan-fd {fd:?}"))?;
            Ok((fd, recorder))
        }
        _ => Err("usage: osh-connect --plan-fd N -- RECORDER [ARGS...]".into()),
    }
}

fn read_plan(fd: i32) -> Result<Plan, String> {
    use std::io::Read as _;
    let owned = sys::adopt_fd(fd).ok_or_else(|| format!("no plan on descriptor {fd}"))?;
    let mut text = String::new();
    std::fs::File::from(owned)
        .read_to_string(&mut text)
        .map_err(|e| format!("can't read the plan: {e}"))?;
    Plan::from_json(&text)
}

/// osh-connect's `main`.
#[must_use]
pub fn main() -> ExitCode {
    // First of all: osh blocked the ending signals across the exec; from here
    // they are caught (and a pending one is delivered now).
    sys::catch_ending();
    osh_core::logging::log_panics();
    let started = Instant::now();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (plan, recorder) = match parse(&args).and_then(|(fd, r)| Ok((read_plan(fd)?, r))) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("osh-connect: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    ExitCode::from(run(&plan, recorder, started))
}

/// The `close` event: the `open` event's fields (renamed), then how it ended:
/// `sysret` is the exit code, empty when a signal ended the session, which
/// `signal` then names. osh writes it too, when a session fails before it is
/// handed over.
#[must_use]
pub fn close_event(
    open: &Event,
    sysret: Option<i32>,
    signal: Option<&str>,
    comment_close: &str,
    took: Duration,
) -> Event {
    let mut e = open.with_kind("close");
    let sysret = if signal.is_some() { None } else { sysret };
    e.push("sysret", sysret.map(|c| c.to_string()).unwrap_or_default());
    e.push("signal", signal.unwrap_or_default());
    e.push("comment_close", comment_close);
    e.push("duration", format!("{:.3}", took.as_secs_f64()));
    e.push("accountsql_close", "no");
    e
}

/// Run the recorder as planned and finish the session; returns the exit code.
#[must_use]
pub fn run(plan: &Plan, recorder: &[String], started: Instant) -> u8 {
    let mut log = osh_core::logging::logger_with(
        plan.syslog
            .as_ref()
            .map(|s| (s.facility.as_str(), s.tag.as_str())),
        &plan.access_logs,
    );
    let close = |log: &mut Logger, sysret: Option<i32>, signal: Option<&str>, comment: &str| {
        let took = Duration::from_millis(plan.elapsed_ms) + started.elapsed();
        log.log(&close_event(&plan.open, sysret, signal, comment, took));
    };
    let started_ms = osh_core::time::epoch_ms().saturating_sub(plan.elapsed_ms);
    let entry = journal::Entry::write(plan, started_ms);
    let status = supervise::StatusPipe::new().ok();
    let mut cmd = Command::new(&recorder[0]);
    sys::end_with_parent(&mut cmd, journal::RECORDER_ORPHANED);
    if let Some(fd) = status.as_ref().and_then(supervise::StatusPipe::fd) {
        cmd.arg("--status-fd").arg(fd.to_string());
    }
    cmd.args(&recorder[1..]);
    let outcome = match supervise::run(cmd, status) {
        Ok(o) => o,
        Err(e) => {
            close(&mut log, Some(-1), None, "ttyrec_failed");
            if let Some(e) = entry {
                e.done();
            }
            osh_core::ui::crit(&format!("{}{e}", plan.spawn_failed));
            print!("{}", plan.spawn_failed_stdout);
            return Exit::TtyrecCmdlineFailed.code();
        }
    };
    let mut comment = outcome.comment();
    if plan.egress && comment.is_empty() && outcome.code == 255 {
        comment = match outcome.head() {
            "" => "ttyrec_empty".to_owned(),
            head => classify(head).to_owned(),
        };
    }
    close(
        &mut log,
        Some(outcome.code),
        outcome.ending_signal().as_deref(),
        &comment,
    );
    if let Some(e) = entry {
        e.done();
    }
    if plan.egress
        && !plan.quiet
        && let Some(text) = guidance(&comment)
    {
        osh_core::ui::crit(text);
    }
    if !plan.egress
        && let Some(reply) = abnormal_end(&outcome, &comment)
    {
        // The command was ended before it could answer (recording failed,
        // a signal): a JSON caller still gets an envelope, and a person the reason.
        osh_core::ui::crit(&reply.msg);
        let mode = osh_core::envelope::JsonMode::from_env_value(plan.json.as_deref());
        if let Some(text) = osh_core::envelope::render(mode, plan.open.get("plugin"), &reply) {
            print!("{text}");
        }
    }
    if outcome.signal.is_some() {
        return Exit::GotSignal.code();
    }
    u8::try_from(outcome.code).unwrap_or(if plan.egress {
        255
    } else {
        Exit::ExecFailed.code()
    })
}

/// The answer for a plugin that was ended rather than finished, if it was.
fn abnormal_end(outcome: &supervise::Outcome, comment: &str) -> Option<osh_core::Reply> {
    if let Some(detail) = comment.strip_prefix("ttyrec_error") {
        return Some(osh_core::Reply::new(
            osh_core::Code::KO_TTYREC_FAILED,
            format!(
                "The command could not be recorded ({}), so it was ended",
                detail.trim()
            ),
        ));
    }
    outcome.ending_signal().map(|sig| {
        osh_core::Reply::new(
            osh_core::Code::ERR_PLUGIN_KILLED,
            format!("The command was ended by {sig} before it answered"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn command_line() {
        let v = |s: &str| s.split(' ').map(str::to_owned).collect::<Vec<_>>();
        let args = v("--plan-fd 5 -- /opt/osh/bin/ttyrec -f x -- ssh h");
        let (fd, rec) = parse(&args).unwrap_or((0, &[]));
        assert_eq!((fd, rec.len()), (5, 6));
        assert!(parse(&v("--plan-fd 5 --")).is_err());
        assert!(parse(&v("--plan-fd x -- ttyrec")).is_err());
        assert!(parse(&v("ttyrec")).is_err());
    }
}
