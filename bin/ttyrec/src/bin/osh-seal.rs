//! `osh-seal`: signs a recording's seal. Installed setuid and setgid
//! `sealkeeper`, the only user that can read the bastion's signing key and
//! write the session ledger; the recorder (running as the account) runs it
//! at the session's start, at each checkpoint and rotation, and at the end.
//!
//! It reads one [`osh_seal::SealRequest`] as JSON on standard input, names
//! the account from its caller's real uid (a request claims no account),
//! signs the seal, appends it to the ledger, sends a `seal` event to syslog
//! (a witness copy for the remote collector), and prints
//! `{"seal": TEXT, "sig": ARMORED}` or `{"error": WHY}`. It reads nothing
//! else from its caller: no environment, no arguments.

use std::io::Read as _;
use std::path::Path;
use std::process::ExitCode;

use osh_core::log::{Event, Sink as _};
use osh_core::serde_json::{self, json};

const MAX_REQUEST: u64 = 64 * 1024;

fn fail(why: &str) -> ExitCode {
    println!("{}", json!({ "error": why }));
    ExitCode::from(1)
}

fn main() -> ExitCode {
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o027));
    let mut text = String::new();
    if std::io::stdin()
        .lock()
        .take(MAX_REQUEST)
        .read_to_string(&mut text)
        .is_err()
    {
        return fail("unreadable request");
    }
    let req: osh_seal::SealRequest = match serde_json::from_str(&text) {
        Ok(r) => r,
        Err(e) => return fail(&format!("malformed request: {e}")),
    };
    let uid = nix::unistd::getuid().as_raw();
    let Some(account) = osh_core::unix::local_user_name(uid) else {
        return fail("the caller is not a local user");
    };
    let signer = match osh_seal::keys::Signer::load(Path::new(osh_seal::PRIVATE_KEY)) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let config = osh_core::config::load_default()
        .map(|l| l.config)
        .unwrap_or_default();
    let now = osh_core::log::now();
    let month = now.strftime("%Y%m").to_string();
    let made = match osh_seal::keeper::make(
        &req,
        &account,
        &config.bastionName,
        &signer,
        Path::new(osh_seal::LEDGER_DIR),
        now.timestamp(),
        &month,
    ) {
        Ok(m) => m,
        Err(e) => return fail(&e),
    };
    if config.enableSyslog {
        let s = &made.seal;
        let mut ev = Event::new("seal");
        for (k, v) in [
            ("uniqid", s.uniqid.clone()),
            ("account", s.account.clone()),
            ("kind", s.kind.as_str().to_owned()),
            ("seq", s.seq.to_string()),
            ("segment", s.segment.to_string()),
            ("file", req.path.clone()),
            ("frames", s.measure.frames.to_string()),
            ("bytes", s.measure.bytes.to_string()),
            ("sha256", s.measure.sha256.clone()),
            ("seal_sha256", made.entry.seal_sha256.clone()),
            ("ledger_n", made.entry.n.to_string()),
            ("key", s.key.clone()),
        ] {
            ev.push(k, v);
        }
        let facility = osh_core::log::Facility::from_name(&config.syslogFacility)
            .unwrap_or(osh_core::log::Facility::LOCAL7);
        let mut sink = osh_core::log::SyslogSink::new(
            osh_core::logging::DEV_LOG,
            facility,
            &config.syslogDescription,
        );
        // The seal stands without its witness copy: a syslog failure is not the session's end.
        let _ = sink.write(&ev, &ev.render(), &now);
    }
    println!("{}", json!({ "seal": made.text, "sig": made.sig }));
    ExitCode::SUCCESS
}
