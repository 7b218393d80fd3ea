//! `osh-remove-empty-folders`: see [`osh_lifecycle::reap::empty_folders`].
use clap::Parser;
use osh_lifecycle::{reap, tool};

const TOOL: &str = "osh-remove-empty-folders";

/// Remove the per-host recording folders (/home/*/ttyrec/*) that have been
/// empty for MTIME_DAYS days (1); never a file. Config:
/// osh-remove-empty-folders.conf.
#[derive(Parser)]
#[command(name = TOOL, version)]
struct Cli {
    #[command(flatten)]
    args: tool::ReaperArgs,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tool::exit(TOOL, run(&cli))
}

fn run(cli: &Cli) -> tool::Result<()> {
    let Some((conf, mut log, _lock)) = tool::start_reaper(TOOL, &cli.args)? else {
        return Ok(());
    };
    let days = tool::shell_number(&conf, "MTIME_DAYS", 1)?;
    let n = reap::empty_folders(
        std::path::Path::new("/home"),
        days,
        cli.args.dry_run,
        &mut log,
    );
    log.summary(&[
        ("removed", n.to_string()),
        ("dry_run", cli.args.dry_run.to_string()),
        ("mtime_days", days.to_string()),
    ]);
    Ok(())
}
