//! The connection test of the access-adding plugins: before an access is
//! written, try the account's egress keys on the target with `ssh ... true`,
//! as The Bastion does, so that a key missing on the server is said at once
//! rather than at the first connection. `--force` skips it.
//!
//! The test is an egress connection that is not recorded (it runs `true`
//! and shows nothing of the target), so it is only made where the egress
//! policy would let a recorded session go: it must never become a way to
//! probe networks the bastion refuses.

use std::io::Read as _;
use std::net::IpAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::keys::EgressKey;
use crate::{Code, Reply, Result};

/// How long the whole test may take, connection and authentication.
const DEADLINE: Duration = Duration::from_secs(6);

/// What the test concluded when it did not fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The keys work on the target.
    Works,
    /// Not tested; the text says why (nothing to test with, a pattern user,
    /// a network, a target the policy refuses).
    NotTested(String),
}

/// Which target to try, with what.
pub struct Probe<'a> {
    /// The remote user to log in as: the access's, or for an access to any
    /// user, the one a connection would use (`defaultLogin`, else the
    /// account's name); a pattern is not tested.
    pub user: &'a str,
    /// The target address, or a network (not testable).
    pub net: ipnet::IpNet,
    /// The port, `None` for any (ssh's default is tried).
    pub port: Option<u16>,
    /// The keys to try: the readable ones of the account, or the forced one.
    pub keys: &'a [EgressKey],
    /// Whether a key was forced (no match is then an error).
    pub forced: bool,
    /// `--kbd-interactive` was given to osh.
    pub kbd_interactive: bool,
    /// Why the egress policy would refuse this target, if it would.
    pub refused_by_policy: Option<String>,
}

/// Run the test. `Err` is `ERR_CONNECTION_FAILED` (or `KO_NO_MATCHING_KEY`),
/// with a hint where ssh's answer gives one.
pub fn test(p: &Probe<'_>) -> Result<Outcome> {
    if p.net.prefix_len() != p.net.max_prefix_len() {
        return Ok(Outcome::NotTested(
            "Can't test a connection to a network, assuming it's OK".into(),
        ));
    }
    let user = p.user;
    if user.contains(['*', '?']) || user.starts_with('!') {
        return Ok(Outcome::NotTested(
            "Didn't really test the connection, as the specified user is special".into(),
        ));
    }
    if let Some(why) = &p.refused_by_policy {
        return Ok(Outcome::NotTested(format!(
            "Didn't test the connection: this bastion's policy refuses it ({why})"
        )));
    }
    let readable: Vec<&EgressKey> = p
        .keys
        .iter()
        .filter(|k| std::fs::File::open(&k.private).is_ok())
        .collect();
    if readable.is_empty() {
        if p.forced {
            return Err(Reply::new(
                Code::KO_NO_MATCHING_KEY,
                "Couldn't find any key with the fingerprint you specified",
            ));
        }
        return Ok(Outcome::NotTested(
            "Couldn't find any accessible SSH key to test connection with, you're probably adding \
             access to an account or a group you don't have access to yourself, nevermind, will continue"
                .into(),
        ));
    }
    let ip: IpAddr = p.net.addr();
    crate::ui::Out::from_env().info(&format!(
        "Testing connection to {user}@{ip}, please wait..."
    ));
    let auth = if p.kbd_interactive {
        "publickey,keyboard-interactive"
    } else {
        "publickey"
    };
    let mut cmd = Command::new("/usr/bin/ssh");
    cmd.args(["-o", "ConnectTimeout=5"])
        // The host key is not checked nor kept: only `true` runs, nothing of
        // the target is shown, and the user's own connection will check it.
        .args(["-o", "UserKnownHostsFile=/dev/null"])
        .args(["-o", "StrictHostKeyChecking=no"])
        .args(["-o", "LogLevel=ERROR"])
        .args(["-o", &format!("PreferredAuthentications={auth}")])
        .args(["-o", "IdentitiesOnly=yes", "-o", "ForwardAgent=no"])
        .args([
            "-o",
            "ClearAllForwardings=yes",
            "-o",
            "PermitLocalCommand=no",
        ])
        .args(["-o", "ProxyCommand=none", "-o", "ProxyJump=none"])
        .args(["-o", "ControlMaster=no", "-o", "ControlPath=none"]);
    if !p.kbd_interactive {
        cmd.args(["-o", "BatchMode=yes"]);
    }
    for k in &readable {
        cmd.arg("-i").arg(&k.private);
    }
    if let Some(port) = p.port {
        cmd.args(["-p", &port.to_string()]);
    }
    cmd.args(["-l", user, &ip.to_string(), "-T", "--", "true"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| {
        Reply::new(
            Code::ERR_SYSTEM_COMMAND,
            format!("Couldn't run ssh to test the connection: {e}"),
        )
    })?;
    let mut stderr = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(e) = stderr.as_mut() {
            let _ = e.take(64 * 1024).read_to_string(&mut s);
        }
        s
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break st.code(),
            Ok(None) if started.elapsed() < DEADLINE => {
                std::thread::sleep(Duration::from_millis(20));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let err = reader.join().unwrap_or_default();
    // Another bastion on the target answers with its own refusals (113
    // account invalid, 102 host not found): the key was accepted.
    if matches!(status, Some(0 | 113 | 102)) {
        return Ok(Outcome::Works);
    }
    // 124 for a timeout, as timeout(1) says it (scripts match on the figure).
    let shown = status.map_or_else(|| "124".to_owned(), |c| c.to_string());
    let mut msg = format!("Couldn't connect to {user}@{ip} (ssh returned error {shown})");
    if status.is_none() || err.to_ascii_lowercase().contains("timed out") {
        msg.push_str(". Hint: did you remotely allow this bastion to access the SSH port?");
    } else if err.contains("Permission denied") {
        msg.push_str(". Hint: did you add the proper public key to the remote's authorized_keys?");
    }
    Err(Reply::new(Code::ERR_CONNECTION_FAILED, msg))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe<'a>(net: &str, user: &'a str) -> Probe<'a> {
        Probe {
            user,
            net: net.parse().unwrap(),
            port: Some(22),
            keys: &[],
            forced: false,
            kbd_interactive: false,
            refused_by_policy: None,
        }
    }

    #[test]
    fn what_is_not_tested_says_why_and_connects_nowhere() {
        let n = test(&probe("10.0.0.0/24", "u")).unwrap();
        assert!(matches!(n, Outcome::NotTested(m) if m.contains("network")));
        for u in ["*", "ro?t", "!sftp"] {
            let n = test(&probe("10.0.0.1/32", u)).unwrap();
            assert!(
                matches!(n, Outcome::NotTested(m) if m.contains("special")),
                "{u:?}"
            );
        }
        let mut refused = probe("10.0.0.1/32", "u");
        refused.refused_by_policy = Some("forbidden network".into());
        assert!(matches!(test(&refused).unwrap(), Outcome::NotTested(m) if m.contains("policy")));
        let none = test(&probe("10.0.0.1/32", "u")).unwrap();
        assert!(matches!(none, Outcome::NotTested(m) if m.contains("accessible SSH key")));
        let mut forced = probe("10.0.0.1/32", "u");
        forced.forced = true;
        assert_eq!(test(&forced).unwrap_err().code, "KO_NO_MATCHING_KEY");
    }
}
