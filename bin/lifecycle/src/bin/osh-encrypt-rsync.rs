//! `osh-encrypt-rsync`: see [`osh_lifecycle::encrypt`].
use clap::Parser;
use osh_lifecycle::{encrypt, live, tool};

/// Encrypt recordings, account logs and databases older than their delays
/// (osh-encrypt-rsync.conf) in GPG or age layers, move them to
/// encrypt_and_move_to_directory, push that to rsync_destination and remove
/// what the escrow holds. Recordings a live session writes are left alone.
#[derive(Parser)]
#[command(name = "osh-encrypt-rsync", version)]
struct Cli {
    /// Don't encrypt, move, push or remove anything: say what would be done
    #[arg(long)]
    dry_run: bool,
    /// Check the config file, then sign and encrypt a scratch file through every layer
    #[arg(long)]
    config_test: bool,
    /// Encrypt and move the files, skip the push
    #[arg(long)]
    encrypt_only: bool,
    /// Don't wait for the recordings' delay (logs and databases still wait 31 days)
    #[arg(long)]
    force_encrypt: bool,
    /// Skip the encryption, only push what is already encrypted
    #[arg(long, conflicts_with = "encrypt_only")]
    rsync_only: bool,
    /// Remove pushed files here as soon as the escrow holds them
    #[arg(long, conflicts_with = "no_delete")]
    force_delete: bool,
    /// Keep pushed files here, whatever their age
    #[arg(long)]
    no_delete: bool,
    #[command(flatten)]
    common: tool::Common,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tool::exit(encrypt::TOOL, run(&cli))
}

fn run(cli: &Cli) -> tool::Result<()> {
    tool::require_root(encrypt::TOOL)?;
    let path = cli
        .common
        .config
        .clone()
        .unwrap_or_else(|| tool::config_path(encrypt::TOOL));
    let Some(map) = tool::load_json(&path, true)? else {
        println!("{}: no {}: nothing to do", encrypt::TOOL, path.display());
        return Ok(());
    };
    let Some(cfg) = encrypt::Config::from_map(&map)
        .map_err(|e| tool::Error::new(format!("{}: {e}", path.display())))?
    else {
        println!(
            "{}: not configured yet (no recipients in {}): recordings and logs stay where they are",
            encrypt::TOOL,
            path.display()
        );
        return Ok(());
    };
    let _instance = tool::single_instance(encrypt::TOOL, &path)?;
    let verbose = cfg.verbose.max(cli.common.verbose);
    let mut cfg = cfg;
    cfg.encryptor.raw_output = verbose >= 2;
    let mut log = tool::Reporter::new(
        encrypt::TOOL,
        &cfg.syslog_facility,
        Some(std::path::Path::new(&cfg.logfile)),
        verbose,
    )?;
    if cli.config_test {
        encrypt::config_test(&cfg)?;
        println!(
            "{}: Config test passed: {} layer(s), signing and encryption work",
            encrypt::TOOL,
            cfg.encryptor.layers.len()
        );
        return Ok(());
    }
    // Checked before anything moves: a broken key must not cost a night.
    if !cli.dry_run && !cli.rsync_only {
        encrypt::config_test(&cfg)
            .map_err(|e| tool::Error::new(format!("config test failed, nothing done: {e}")))?;
        log.info("Config test passed");
    }
    let opts = encrypt::Options {
        dry_run: cli.dry_run,
        encrypt_only: cli.encrypt_only,
        force_encrypt: cli.force_encrypt,
        rsync_only: cli.rsync_only,
        force_delete: cli.force_delete,
        no_delete: cli.no_delete,
        home: "/home".into(),
        recorder: live::default_recorder(),
    };
    let (out, result) = encrypt::run(&cfg, &opts, &mut log);
    if let Err(e) = &result {
        log.error(&e.message);
    }
    log.summary(&[
        ("dry_run", cli.dry_run.to_string()),
        ("eligible", out.eligible.to_string()),
        ("encrypted", out.encrypted_files.to_string()),
        ("encrypted_bytes", out.encrypted_bytes.to_string()),
        ("failed", out.failed.to_string()),
        ("live_skipped", out.live_skipped.to_string()),
        (
            "pushed",
            out.pushed.map_or(
                "no".into(),
                |p| if p { "ok".into() } else { "failed".into() },
            ),
        ),
        ("removed_local", out.removed_local.to_string()),
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
