//! `osh-orphaned-homedir`: see [`osh_lifecycle::reap::orphaned_homes`].
use clap::Parser;
use osh_lifecycle::{reap, tool};

const TOOL: &str = "osh-orphaned-homedir";

/// Clear the home directories of deleted accounts: on a master only a lone
/// lastlog is removed; on a read-only secondary (readOnlySlaveMode) the home
/// is archived to /home/oldkeeper/orphaned/ and removed, recordings kept.
/// Config: osh-orphaned-homedir.conf.
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
    let Some((_, mut log, _lock)) = tool::start_reaper(TOOL, &cli.args)? else {
        return Ok(());
    };
    let bastion = osh_core::config::load_default()
        .map_err(|e| tool::Error::new(format!("the bastion's configuration: {}", e.0)))?;
    let secondary = bastion.config.readOnlySlaveMode;
    log.info(if secondary {
        "Checking orphaned home directories..."
    } else {
        "We're a master instance, just check for orphaned lastlog files"
    });
    let n = reap::orphaned_homes(
        std::path::Path::new("/home"),
        secondary,
        cli.args.dry_run,
        &mut log,
    )?;
    log.summary(&[
        (
            "role",
            if secondary { "secondary" } else { "master" }.to_owned(),
        ),
        ("handled", n.to_string()),
        ("dry_run", cli.args.dry_run.to_string()),
    ]);
    Ok(())
}
