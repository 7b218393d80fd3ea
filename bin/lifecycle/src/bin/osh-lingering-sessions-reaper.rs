//! `osh-lingering-sessions-reaper`: see [`osh_lifecycle::reap::lingering`].
use clap::Parser;
use osh_lifecycle::{reap, tool};

const TOOL: &str = "osh-lingering-sessions-reaper";

/// End the sessions nobody is attached to any more: recorders, plugins and
/// account sshd processes older than MAX_AGE seconds (86400) that have no
/// terminal and lost their parent. Config: osh-lingering-sessions-reaper.conf.
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
    let max_age = tool::shell_number(&conf, "MAX_AGE", 86_400)?;
    let found = reap::lingering(
        &reap::processes(),
        std::path::Path::new(osh_core::paths::PREFIX),
        max_age,
    );
    let ended = if cli.args.dry_run {
        for l in &found {
            log.info(&format!(
                "would end lingering {} pid {} (running for {} s)",
                l.what, l.pid, l.age
            ));
        }
        0
    } else {
        reap::end(&found, &mut log)
    };
    log.summary(&[
        ("found", found.len().to_string()),
        ("ended", ended.to_string()),
        ("max_age", max_age.to_string()),
    ]);
    Ok(())
}
