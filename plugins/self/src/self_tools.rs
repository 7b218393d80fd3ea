//! `selfGenerateEgressKey`, `selfForgetHostKey`, `lock`, `unlock`: things an
//! account does to its own files and sessions, which the OS already lets it do.

use std::os::unix::fs::PermissionsExt as _;
use std::process::Command;

use osh_core::fsx::At as _;
use osh_core::getopt::{Kind, opt};
use osh_core::plugin::{Class, Ctx, Plugin};
use osh_core::{Reply, Result, access, json, keys};

/// `selfGenerateEgressKey`.
pub const GENERATE: Plugin = Plugin {
    name: "selfGenerateEgressKey",
    class: Class::Open,
    summary: "generate a new egress key for your account",
    title: "generating a new egress key for your account",
    help: "Usage: --osh selfGenerateEgressKey --algo rsa|ecdsa|ed25519 [--size BITS]\n",
    run: generate,
};

/// `selfForgetHostKey`.
pub const FORGET: Plugin = Plugin {
    name: "selfForgetHostKey",
    class: Class::Open,
    summary: "forget a server's host key after a legitimate change",
    title: "forget a known host key",
    help: "Usage: --osh selfForgetHostKey --host HOST [--port PORT]\n  \
           Remove a server's host key from your account's known_hosts (after a legitimate key change).\n",
    run: forget,
};

/// `lock`.
pub const LOCK: Plugin = Plugin {
    name: "lock",
    class: Class::Open,
    summary: "lock all your other sessions",
    title: "lock your sessions",
    help: "Usage: --osh lock\n  Lock all your other sessions on this bastion (unlock them with --osh unlock).\n",
    run: lock,
};

/// `unlock`.
pub const UNLOCK: Plugin = Plugin {
    name: "unlock",
    class: Class::Open,
    summary: "unlock your sessions",
    title: "unlock your sessions",
    help: "Usage: --osh unlock\n  Unlock all your sessions on this bastion.\n",
    run: unlock,
};

fn generate(ctx: &mut Ctx) -> Result<Reply> {
    let p = ctx.options(&[opt("algo", Kind::Str), opt("size", Kind::Int)])?;
    let algo = p
        .str("algo")
        .ok_or_else(|| Reply::missing("Missing --algo (rsa, ecdsa or ed25519)"))?;
    let c = &ctx.config;
    let (algo, size) = keys::egress_kind(c, algo, p.int("size"))?;
    let cfg = osh_core::config::Config {
        defaultAccountEgressKeyAlgorithm: algo,
        defaultAccountEgressKeySize: size,
        ..c.clone()
    };
    let _one_at_a_time = keys::lock_generation(&ctx.account.home)?;
    let epoch = osh_core::time::epoch();
    let private = keys::generate_egress(
        &ctx.account.home.join(".ssh"),
        &ctx.account.name,
        &cfg,
        epoch,
    )?;
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o400)).at(&private)?;
    let public = private.with_file_name(format!(
        "{}.pub",
        private
            .file_name()
            .map(|f| f.to_string_lossy())
            .unwrap_or_default()
    ));
    std::fs::set_permissions(&public, std::fs::Permissions::from_mode(0o444)).at(&public)?;
    let k = osh_core::sshkey::PublicKey::parse(&std::fs::read_to_string(&public)?)
        .map_err(|_| Reply::internal("the new key does not parse"))?;
    ctx.out.info(&format!(
        "New egress key generated: {} {} {}",
        k.family, k.size, k.fingerprint
    ));
    Ok(Reply::ok(json!(
        k.with_from(&keys::egress_from(&ctx.config))
    )))
}

fn forget(ctx: &mut Ctx) -> Result<Reply> {
    ctx.options(&[])?;
    let host = ctx
        .host
        .clone()
        .ok_or_else(|| Reply::missing("Missing argument 'host'"))?;
    // Validated like any target: no option-looking or odd host reaches ssh-keygen.
    let target = access::target(&host, None, None)?;
    let addr = target.net.addr().to_string();
    let port = ctx
        .port
        .as_deref()
        .map(access::port)
        .transpose()?
        .filter(|p| *p != 22);
    // The name as typed and the address it resolves to, as known_hosts may
    // hold either.
    let mut items = vec![host.clone()];
    if addr != host {
        items.push(addr);
    }
    let known = ctx.account.home.join(".ssh/known_hosts");
    if !known.exists() {
        return Ok(Reply::new(
            osh_core::Code::OK_NO_CHANGE,
            "Your account didn't have any known_hosts file, nothing to do",
        ));
    }
    let mut result = osh_core::serde_json::Map::new();
    for name in items {
        let item = port.map_or_else(|| name.clone(), |p| format!("[{name}]:{p}"));
        ctx.out
            .info(&format!("Looking for keys in your known_hosts for {item}"));
        let keygen = |op: &str| {
            Command::new(osh_core::paths::tool::SSH_KEYGEN)
                .arg("-f")
                .arg(&known)
                .arg(op)
                .arg(&item)
                .output()
        };
        let found = keygen("-F")?;
        let action = if found.stdout.is_empty() {
            ctx.out
                .info("... none found (maybe you forgot to specify --port ?)");
            "OK_NO_MATCH"
        } else if keygen("-R")?.status.success() {
            ctx.out
                .info(&format!("Key for '{item}' deleted successfully"));
            "OK_DELETED"
        } else {
            ctx.out.info(&format!(
                "An error occurred while trying to delete the key of {item}"
            ));
            "ERR_DELETE_FAILED"
        };
        result.insert(item, json!({"action": action}));
    }
    let _ = std::fs::remove_file(known.with_file_name("known_hosts.old"));
    Ok(Reply::ok(osh_core::Value::Object(result)))
}

/// Send `sig` to the caller's recorders (by process name and uid), except the
/// one recording this very command.
fn signal_recorders(sig: nix::sys::signal::Signal) -> usize {
    let me = nix::unistd::getuid().as_raw();
    let parent = nix::unistd::getppid().as_raw();
    let mut n = 0;
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        if pid == parent {
            continue;
        }
        let comm = std::fs::read_to_string(e.path().join("comm")).unwrap_or_default();
        let owner = std::fs::metadata(e.path())
            .map(|m| std::os::unix::fs::MetadataExt::uid(&m))
            .unwrap_or(u32::MAX);
        if comm.trim() == "ttyrec"
            && owner == me
            && nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), sig).is_ok()
        {
            n += 1;
        }
    }
    n
}

fn lock(ctx: &mut Ctx) -> Result<Reply> {
    ctx.options(&[])?;
    let n = signal_recorders(nix::sys::signal::Signal::SIGURG);
    ctx.out.info(&format!("{n} session(s) locked."));
    Ok(Reply::ok(json!({"sessions": n})))
}

fn unlock(ctx: &mut Ctx) -> Result<Reply> {
    ctx.options(&[])?;
    let n = signal_recorders(nix::sys::signal::Signal::SIGUSR2);
    ctx.out.info(&format!("{n} session(s) unlocked."));
    Ok(Reply::ok(json!({"sessions": n})))
}
