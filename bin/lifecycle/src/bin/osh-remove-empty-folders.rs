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
    /// Say what would be removed, remove nothing
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    common: tool::Common,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tool::exit(TOOL, run(&cli))
}

fn run(cli: &Cli) -> tool::Result<()> {
    let Some((conf, mut log, _lock)) =
        tool::start_reaper(TOOL, cli.common.config.clone(), cli.common.verbose)?
    else {
        return Ok(());
    };
    let days = tool::shell_number(&conf, "MTIME_DAYS", 1)?;
    let n = reap::empty_folders(std::path::Path::new("/home"), days, cli.dry_run, &mut log);
    log.summary(&[
        ("removed", n.to_string()),
        ("dry_run", cli.dry_run.to_string()),
        ("mtime_days", days.to_string()),
    ]);
    Ok(())
}
