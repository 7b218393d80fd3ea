//! `osh-rotate-ttyrec`: see [`osh_lifecycle::rotate`].
use clap::Parser;
use osh_lifecycle::{rotate, tool};

/// Start a new recording segment in every live session (SIGUSR1 to each
/// recorder), or with --big-only only in those whose current segment is
/// larger than the threshold. Found from /proc, without lsof. Cron runs it
/// daily, and with --big-only every 3 minutes.
#[derive(Parser)]
#[command(name = TOOL, version)]
struct Cli {
    /// Only the recorders whose current file is larger than --threshold
    #[arg(long)]
    big_only: bool,
    /// Size in bytes above which a recording is big
    #[arg(long, default_value_t = rotate::BIG_BYTES)]
    threshold: u64,
    /// Say which recorders would be rotated, signal none
    #[arg(long)]
    dry_run: bool,
    /// One line per rotated recorder
    #[arg(long, short)]
    verbose: bool,
    /// Print nothing when nothing was rotated
    #[arg(long)]
    quiet: bool,
}

const TOOL: &str = "osh-rotate-ttyrec";

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tool::exit(TOOL, run(&cli))
}

fn run(cli: &Cli) -> tool::Result<()> {
    tool::require_root(TOOL)?;
    let mut log = tool::Reporter::new(TOOL, "local6", None, u8::from(cli.verbose))?;
    let pass = rotate::run(&rotate::Options {
        big_only: cli.big_only,
        threshold: cli.threshold,
        dry_run: cli.dry_run,
        recorder: osh_lifecycle::live::default_recorder(),
    });
    let verb = if cli.dry_run {
        "would rotate"
    } else {
        "rotated"
    };
    for (pid, file, size) in &pass.rotated {
        log.detail(
            1,
            &format!("{verb} pid {pid} ({size} bytes in {})", file.display()),
        );
    }
    for (pid, why) in &pass.failed {
        log.warn(&format!("could not signal pid {pid}: {why}"));
    }
    log.quiet = cli.quiet && pass.rotated.is_empty() && pass.failed.is_empty();
    log.summary(&[
        (
            "mode",
            if cli.big_only { "big-only" } else { "all" }.to_owned(),
        ),
        ("dry_run", cli.dry_run.to_string()),
        ("live", pass.live.to_string()),
        ("rotated", pass.rotated.len().to_string()),
        ("failed", pass.failed.len().to_string()),
    ]);
    Ok(())
}
