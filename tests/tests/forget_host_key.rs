//! `assetForgetHostKey`: a server's host key changed for a good reason, and
//! every account's `known_hosts` forgets it (commented, with who and when),
//! but a delegate never touches an admin's, and root never follows an
//! account's link.

use osh_tests::{Sandbox, can_run};
use serde_json::json;

const KNOWN: &str = "/home/admin/.ssh/known_hosts";

#[test]
fn a_changed_host_key_is_forgotten_for_every_account_a_caller_may_act_on() {
    if !can_run("forget_host_key") {
        return;
    }
    let sb = Sandbox::start("forget-host-key");
    // A real connection: ssh saved the target's key in the admin's known_hosts.
    sb.admin_has_met_target();
    let line = sb.root_ok(&format!("grep '^\\[127.0.0.2\\]:2223 ' {KNOWN}"));
    let key = line.split_once(' ').unwrap().1.trim().to_owned();

    let carol = sb.create_account("carol", 5101);
    let _ = sb.create_account("bob", 5102);
    let _ = sb.create_account("mallory", 5103);
    let carol_runs = |args: &[&str]| {
        let mut a = vec!["--json-greppable"];
        a.extend_from_slice(args);
        sb.ssh(&carol, "carol", &a)
    };
    let forget = [
        "--osh",
        "assetForgetHostKey",
        "--host",
        "127.0.0.2",
        "--port",
        "2223",
    ];

    // Bob's file as ssh and people leave it: the key under several names,
    // other hosts, another port, a CA line, a comment.
    let bob_known = format!(
        "[127.0.0.2]:2223 {key}\n127.0.0.2 {key}\nsrv,[127.0.0.2]:2223 {key}\n[127.0.0.20]:2223 {key}\n\
         @cert-authority [127.0.0.2]:2223 {key}\n# [127.0.0.2]:2223 kept\n"
    );
    sb.root_ok(&format!(
        "runuser -u bob -- sh -c 'mkdir -p ~/.ssh && chmod 700 ~/.ssh && cat > ~/.ssh/known_hosts && chmod 640 ~/.ssh/known_hosts' <<'EOF'\n{bob_known}EOF"
    ));
    // Mallory's known_hosts is a link to a file of root's holding the line.
    sb.root_ok(&format!(
        "printf '[127.0.0.2]:2223 {key}\\n' > /etc/osh-bait && \
         runuser -u mallory -- sh -c 'mkdir -p ~/.ssh && ln -s /etc/osh-bait ~/.ssh/known_hosts'"
    ));

    // Restricted: not without the grant.
    carol_runs(&forget).code(106);
    sb.grant("carol", "assetForgetHostKey");

    // Carol, a delegate: bob's lines go, the admin's stay, mallory's link is not followed.
    let r = carol_runs(&forget);
    r.code(0).json_is(&[
        ("/error_code", json!("OK")),
        ("/command", json!("assetForgetHostKey")),
        ("/value/changed_files", json!(1)),
        ("/value/changed", json!(["bob"])),
        ("/value/skipped", json!(["admin"])),
        ("/value/failed", json!(["mallory"])),
    ]);
    assert!(
        r.stdout
            .contains("Removing 2 lines from bob's known_hosts file"),
        "{r}"
    );
    let bob_now = sb.root_ok("cat /home/bob/.ssh/known_hosts");
    let commented: Vec<&str> = bob_now
        .lines()
        .filter(|l| l.starts_with("# removed by carol at "))
        .collect();
    assert_eq!(commented.len(), 2, "{bob_now}");
    assert!(
        commented
            .iter()
            .all(|l| l.contains("in session with uniqid ")
                && l.ends_with(&format!("[127.0.0.2]:2223 {key}"))),
        "{bob_now}"
    );
    for kept in [
        format!("127.0.0.2 {key}"),
        format!("[127.0.0.20]:2223 {key}"),
        format!("@cert-authority [127.0.0.2]:2223 {key}"),
        "# [127.0.0.2]:2223 kept".to_owned(),
    ] {
        assert!(bob_now.lines().any(|l| l == kept), "{kept} went: {bob_now}");
    }
    // ssh no longer knows a key for bob's target (only the CA line, a CA's trust, names it);
    // his file is still his, its mode kept.
    let found = sb.root_ok(
        "runuser -u bob -- ssh-keygen -F '[127.0.0.2]:2223' -f /home/bob/.ssh/known_hosts | grep -v '^#' || true",
    );
    assert!(
        !found.is_empty() && found.lines().all(|l| l.starts_with("@cert-authority ")),
        "{found}"
    );
    assert_eq!(
        sb.root_ok("stat -c '%U:%G %a' /home/bob/.ssh/known_hosts")
            .trim(),
        "bob:bob 640"
    );
    assert!(
        !sb.root_ok("ls -A /home/bob/.ssh")
            .contains(".known_hosts.osh"),
        "a temporary file was left: {}",
        sb.root_ok("ls -lA /home/bob/.ssh")
    );
    assert_eq!(
        sb.root_ok("cat /etc/osh-bait; ls -l /home/mallory/.ssh/known_hosts | cut -c1"),
        format!("[127.0.0.2]:2223 {key}\nl\n")
    );
    assert_eq!(
        sb.root(&format!("grep -c '^\\[127.0.0.2\\]:2223 ' {KNOWN}"))
            .stdout
            .trim(),
        "1"
    );

    // The admin: its own file now; then nothing left to do.
    sb.admin(&forget).code(0).json_is(&[
        ("/value/changed", json!(["admin"])),
        ("/value/skipped", json!([])),
    ]);
    sb.admin(&forget).code(0).json_is(&[
        ("/error_code", json!("OK_NO_CHANGE")),
        ("/value/changed_files", json!(0)),
    ]);
    // The default port is 22: bob's `127.0.0.2` line.
    sb.admin(&["--osh", "assetForgetHostKey", "--host", "127.0.0.2"])
        .code(0)
        .json_is(&[
            ("/value/host", json!("127.0.0.2")),
            ("/value/changed", json!(["bob"])),
        ]);
    // The admin's next connection learns the key again (accept-new), through osh.
    sb.ssh(
        &sb.admin_key(),
        "admin",
        &["tuser@127.0.0.2", "-p", "2223", "--", "true"],
    )
    .code(0);
    assert_eq!(
        sb.root(&format!("grep -c '^\\[127.0.0.2\\]:2223 ' {KNOWN}"))
            .stdout
            .trim(),
        "1"
    );

    // Bad input: a clear error, nothing changed.
    let before = sb.root_ok("md5sum /home/*/.ssh/known_hosts 2>/dev/null");
    for (args, code) in [
        (&["--host", "127.0.0.0/24"][..], "ERR_INVALID_PARAMETER"),
        (
            &["--host", "-oProxyCommand=x"][..],
            "KO_INVALID_REMOTE_HOST",
        ),
        (
            &["--host", "127.0.0.2", "--port", "0"][..],
            "KO_INVALID_PORT",
        ),
        (
            &["--host", "127.0.0.2", "--port", "'22 x'"][..],
            "KO_INVALID_PORT",
        ),
        (&[][..], "ERR_MISSING_PARAMETER"),
    ] {
        let mut a = vec!["--osh", "assetForgetHostKey"];
        a.extend_from_slice(args);
        let r = sb.admin(&a);
        assert_eq!(r.json()["error_code"], json!(code), "{args:?}: {r}");
    }
    assert_eq!(
        sb.root_ok("md5sum /home/*/.ssh/known_hosts 2>/dev/null"),
        before
    );
    sb.admin(&["--osh", "assetForgetHostKey", "--help"])
        .code(0)
        .contains("Usage: --osh assetForgetHostKey");
}
