//! `osh-backup-acl-keys`: see [`osh_lifecycle::backup`].
use clap::Parser;
use osh_lifecycle::{backup, tool};

/// Back up what makes this bastion (accounts, groups, ACLs, keys,
/// /etc/bastion, sshd host keys) into DESTDIR/backup-DATE.tar.gz, encrypted
/// to GPGKEYS and signed with SIGNING_KEY, pushed with scp to PUSH_REMOTE;
/// backups older than DAYSTOKEEP days are removed. With --restore, unpack a
/// backup over this host (see doc/lifecycle.md for the whole procedure).
#[derive(Parser)]
#[command(name = "osh-backup-acl-keys", version)]
struct Cli {
    /// Restore FILE (backup-DATE.tar.gz or .tar.gz.gpg) over / instead of backing up
    #[arg(long, value_name = "FILE")]
    restore: Option<std::path::PathBuf>,
    /// Where --restore unpacks (default /)
    #[arg(long, value_name = "DIR", default_value = "/", requires = "restore")]
    root: std::path::PathBuf,
    #[command(flatten)]
    common: tool::Common,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tool::exit(backup::TOOL, run(&cli))
}

fn run(cli: &Cli) -> tool::Result<()> {
    tool::require_root(backup::TOOL)?;
    let gnupghome = std::env::var_os("GNUPGHOME").map(std::path::PathBuf::from);
    if let Some(file) = &cli.restore {
        let mut log = tool::Reporter::new(backup::TOOL, "local6", None, cli.common.verbose)?;
        backup::restore(file, &cli.root, gnupghome.as_deref(), &mut log)?;
        log.info(&format!(
            "restored {} over {}: now run install/install --upgrade (it also makes a new seal key) and restart sshd",
            file.display(),
            cli.root.display()
        ));
        return Ok(());
    }
    let path = cli
        .common
        .config
        .clone()
        .unwrap_or_else(|| tool::config_path(backup::TOOL));
    let Some(pairs) = tool::load_shell(&path, true)? else {
        println!("{}: no {}: nothing to do", backup::TOOL, path.display());
        return Ok(());
    };
    let Some(cfg) = backup::Config::from_pairs(&pairs)
        .map_err(|e| tool::Error::new(format!("{}: {e}", path.display())))?
    else {
        println!(
            "{}: not configured yet (no DESTDIR in {}): no backup made",
            backup::TOOL,
            path.display()
        );
        return Ok(());
    };
    if !cfg.enabled {
        println!(
            "{}: disabled (ENABLED=0 in {})",
            backup::TOOL,
            path.display()
        );
        return Ok(());
    }
    let _instance = tool::single_instance(backup::TOOL, &path)?;
    let mut log = tool::Reporter::new(
        backup::TOOL,
        &cfg.facility,
        Some(std::path::Path::new(&cfg.logfile)),
        cli.common.verbose,
    )?;
    let (out, result) = backup::run(&cfg, gnupghome.as_deref(), &mut log);
    if let Err(e) = &result {
        log.error(&e.message);
    }
    log.summary(&[
        (
            "file",
            out.file
                .as_ref()
                .map(|f| f.display().to_string())
                .unwrap_or_default(),
        ),
        ("bytes", out.bytes.to_string()),
        ("encrypted", out.encrypted.to_string()),
        (
            "pushed",
            out.pushed.map_or(
                "no".into(),
                |p| if p { "ok".into() } else { "failed".into() },
            ),
        ),
        ("pruned", out.pruned.to_string()),
        (
            "result",
            if result.is_ok() { "ok" } else { "error" }.to_owned(),
        ),
    ]);
    result.map_err(|e| tool::Error {
        message: "finished with errors (see above)".into(),
        code: e.code,
    })
}
