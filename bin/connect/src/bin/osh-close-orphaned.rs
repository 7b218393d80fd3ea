//! `osh-close-orphaned`: write the `close` of sessions whose osh-connect died
//! before it could (see [`osh_connect::journal`]). Run by cron as root.

const HELP: &str = "Usage: osh-close-orphaned [--dry-run] [--quiet]\n\
  Write the close event of every session whose parent (osh-connect) died\n\
  without writing it (killed, crashed, or the machine went down), with\n\
  comment_close=\"parent_died\", and remove its journal entry.\n\
  --dry-run  only count what would be closed\n\
  --quiet    print nothing when there was nothing to do\n";

fn main() -> std::process::ExitCode {
    osh_core::logging::log_panics();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut dry_run = false;
    let mut quiet = false;
    for a in &args {
        match a.as_str() {
            "--dry-run" => dry_run = true,
            "--quiet" => quiet = true,
            "--help" | "-h" => {
                print!("{HELP}");
                return std::process::ExitCode::SUCCESS;
            }
            other => {
                eprintln!("osh-close-orphaned: unknown option {other}\n{HELP}");
                return std::process::ExitCode::from(2);
            }
        }
    }
    if !nix::unistd::geteuid().is_root() {
        eprintln!(
            "osh-close-orphaned: must run as root (it reads every account's journal entries)"
        );
        return std::process::ExitCode::from(1);
    }
    let config = match osh_core::config::load_default() {
        Ok(l) => l.config,
        Err(e) => {
            eprintln!("osh-close-orphaned: {}", e.0);
            return std::process::ExitCode::from(1);
        }
    };
    let pass = osh_connect::journal::close_orphans(
        std::path::Path::new(osh_core::paths::SESSIONS_DIR),
        &config,
        dry_run,
    );
    if !quiet || pass.closed + pass.refused > 0 {
        let verb = if dry_run { "would close" } else { "closed" };
        println!(
            "osh-close-orphaned: {verb} {} orphaned session(s), {} live, {} entry(ies) refused",
            pass.closed, pass.live, pass.refused
        );
    }
    std::process::ExitCode::SUCCESS
}
