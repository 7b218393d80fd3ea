//! `osh-cleanup-guest-key-access`: see [`osh_lifecycle::reap::guest_keys`].
use clap::Parser;
use osh_lifecycle::{reap, tool};

const TOOL: &str = "osh-cleanup-guest-key-access";

/// Take the group key access from guests whose last access to the group's
/// servers expired (a TTL), so they can no longer read the group's keys.
/// Config: osh-cleanup-guest-key-access.conf (JSON: syslog_facility, enabled).
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
    tool::require_root(TOOL)?;
    let path = cli
        .args
        .common
        .config
        .clone()
        .unwrap_or_else(|| tool::config_path(TOOL));
    let conf = tool::load_json(&path, false)?.unwrap_or_default();
    if !conf.get("enabled").is_none_or(|v| {
        v.as_bool()
            .unwrap_or_else(|| tool::truthy(&v.to_string().replace('"', "")))
    }) {
        println!("{TOOL}: disabled (enabled in {})", path.display());
        return Ok(());
    }
    let _lock = if path.exists() {
        Some(tool::single_instance(TOOL, &path)?)
    } else {
        None
    };
    let facility = conf
        .get("syslog_facility")
        .and_then(|v| v.as_str())
        .unwrap_or("local6");
    let mut log = tool::Reporter::new(TOOL, facility, None, cli.args.common.verbose)?;
    let n = reap::guest_keys(cli.args.dry_run, &mut log);
    log.summary(&[
        ("removed", n.to_string()),
        ("dry_run", cli.args.dry_run.to_string()),
    ]);
    Ok(())
}
