//! More of recorded egress: what the client cannot forge, a full disk through
//! osh, a missing recorder or waiting parent, the stealth pattern, plugin
//! recordings, and lock/unlock.

use osh_tests::{Sandbox, can_run, field, wait_until};
use serde_json::json;

const SSH_OPTS: &str =
    "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -p 2222";

#[test]
fn egress_more() {
    if !can_run("egress_more") {
        return;
    }
    let sb = Sandbox::start("egress-more");
    let key = sb.admin_key();
    sb.admin_reaches_target();

    // LC_BASTION is osh's word on the target, whatever the client sends.
    let r = sb.root_ok(&format!(
        "LC_BASTION=forged ssh -o SendEnv=LC_BASTION -i {} {SSH_OPTS} admin@127.0.0.1 -- tuser@127.0.0.2 -p 2223 -- 'echo $LC_BASTION; echo $LC_BASTION_DETAILS'",
        key.display()
    ));
    let mut lines = r.lines();
    assert_eq!(lines.next(), Some("admin"), "{r}");
    let details: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(details[0]["account"], "admin");
    assert_eq!(details[0]["to"], "127.0.0.2:2223");

    // The target's host key was saved on first use; selfForgetHostKey removes it.
    let known = "ssh-keygen -F '[127.0.0.2]:2223' -f /home/admin/.ssh/known_hosts";
    assert_eq!(sb.root(known).code, 0, "the host key was not saved");
    assert!(
        sb.root_ok("cat /home/admin/.ssh/known_hosts")
            .contains("[127.0.0.2]:2223"),
        "known_hosts is hashed"
    );
    sb.admin(&[
        "--osh",
        "selfForgetHostKey",
        "--host",
        "127.0.0.2",
        "--port",
        "2223",
    ])
    .code(0)
    .json_is(&[("/value/[127.0.0.2]:2223/action", json!("OK_DELETED"))]);
    assert_ne!(sb.root(known).code, 0, "the host key is still known");
    // Per host, as The Bastion answers: nothing left to forget.
    sb.admin(&[
        "--osh",
        "selfForgetHostKey",
        "--host",
        "127.0.0.2",
        "--port",
        "2223",
    ])
    .json_is(&[
        ("/error_code", json!("OK")),
        ("/value/[127.0.0.2]:2223/action", json!("OK_NO_MATCH")),
    ]);
    sb.admin(&[
        "--osh",
        "selfForgetHostKey",
        "--host",
        "-oX",
        "--port",
        "2223",
    ])
    .code(100);

    // Plugins are recorded too, in ~/ttyrec/PLUGIN/.
    sb.admin(&["--osh", "info"]).code(0);
    let played = sb.root_ok("ttyplay -n /home/admin/ttyrec/info/*.admin.0.info.0.ttyrec");
    assert!(played.contains("Your alias to connect"), "{played}");

    // ttyrecStealthStdoutPattern: shown, not recorded, and said in the open event.
    // (It must match the whole command: see below.)
    sb.config_set("ttyrecStealthStdoutPattern", r#""^cat /etc/host.*""#);
    let r = sb.ssh(
        &key,
        "admin",
        &[
            "tuser@127.0.0.2",
            "-p",
            "2223",
            "--",
            "cat",
            "/etc/hostname",
        ],
    );
    r.code(0);
    let shown = r.stdout.trim().to_owned();
    assert!(!shown.is_empty());
    let ev = sb.events();
    let open = ev
        .iter()
        .rev()
        .find(|e| e.0 == "open" && field(e, "cmdtype") == Some("ssh"))
        .unwrap();
    assert!(field(open, "params").unwrap().contains("--stealth-stdout"));
    let id = field(open, "uniqid").unwrap();
    let played = sb.root_ok(&format!(
        "ttyplay -n /home/admin/ttyrec/127.0.0.2/*.{id}.*.ttyrec"
    ));
    assert!(
        !played.contains(&shown),
        "stealth stdout was recorded: {played}"
    );
    // A second command after a matching one, or a pattern that matches only
    // the start: everything is recorded, and no --stealth-stdout is asked for.
    for (pattern, remote) in [
        (
            r#""^cat /etc/host.*""#,
            "cat /etc/hostname; echo SECRET-$((6*7))",
        ),
        (
            r#""^cat /etc/host.*""#,
            "cat /etc/hostname && echo SECRET-$((6*7))",
        ),
        (r#""^cat /etc/host""#, "cat /etc/hostname"),
    ] {
        sb.config_set("ttyrecStealthStdoutPattern", pattern);
        let r = sb.ssh(
            &key,
            "admin",
            &["tuser@127.0.0.2", "-p", "2223", "--", remote],
        );
        r.code(0);
        let open = sb
            .last_event("open", |e| field(e, "cmdtype") == Some("ssh"))
            .unwrap();
        assert!(!field(&open, "params").unwrap().contains("--stealth-stdout"));
        let id = field(&open, "uniqid").unwrap();
        let played = sb.root_ok(&format!(
            "ttyplay -n /home/admin/ttyrec/127.0.0.2/*.{id}.*.ttyrec"
        ));
        assert!(played.contains(&shown), "not recorded: {played}");
        if remote.contains("SECRET") {
            assert!(played.contains("SECRET-42"), "not recorded: {played}");
        }
    }
    sb.config_set("ttyrecStealthStdoutPattern", r#""""#);

    // A full disk ends the session through osh, with a message and the reason in close.
    sb.root_ok(
        "mount -t tmpfs -o size=16k,uid=$(id -u admin),mode=700 tmpfs /home/admin/ttyrec/127.0.0.2",
    );
    let r = sb.ssh(
        &key,
        "admin",
        &["tuser@127.0.0.2", "-p", "2223", "--", "seq", "1", "200000"],
    );
    assert_ne!(r.code, 0, "{r}");
    assert!(r.stderr.contains("could not be recorded"), "{r}");
    assert!(
        r.stdout.len() < 20_000,
        "the session went on after the disk was full"
    );
    let ev = sb.events();
    let close = ev
        .iter()
        .rev()
        .find(|e| e.0 == "close" && field(e, "cmdtype") == Some("ssh"))
        .unwrap();
    let why = field(close, "comment_close").unwrap();
    assert!(
        why.starts_with("ttyrec_error") && why.contains("No space left"),
        "{close:?}"
    );
    sb.root_ok("umount /home/admin/ttyrec/127.0.0.2");

    // Without the recorder, or without osh-connect (a half-done upgrade),
    // nothing runs unrecorded: 126, KO_TTYREC_FAILED, a close saying so, and
    // the command never reached the target. The positive control runs first.
    let touch = [
        "--json",
        "tuser@127.0.0.2",
        "-p",
        "2223",
        "--",
        "touch",
        "/tmp/ran",
    ];
    sb.ssh(&key, "admin", &touch).code(0);
    assert_eq!(sb.root("test -e /tmp/ran && rm /tmp/ran").code, 0);
    for (seen, binary) in ["ttyrec", "osh-connect"].into_iter().enumerate() {
        sb.root_ok(&format!(
            "mv /opt/osh/bin/{binary} /opt/osh/bin/{binary}.away"
        ));
        sb.ssh(&key, "admin", &touch)
            .code(126)
            .json_is(&[("/error_code", json!("KO_TTYREC_FAILED"))]);
        sb.root_ok(&format!(
            "mv /opt/osh/bin/{binary}.away /opt/osh/bin/{binary}"
        ));
        assert_ne!(
            sb.root("test -e /tmp/ran").code,
            0,
            "the command ran without {binary}"
        );
        // Syslog is asynchronous: wait for the refusal's event.
        let refused = |e: &(String, Vec<(String, String)>)| {
            field(e, "comment_close").or(field(e, "comment")) == Some("ttyrec_failed")
        };
        wait_until("the refusal in syslog", || {
            sb.events().iter().filter(|e| refused(e)).count() == seen + 1
        });
    }

    // lock and unlock signal the caller's other recorders (not their own).
    let mut held = sb.ssh_background(
        &key,
        "admin",
        &["-tt"],
        &["-t", "tuser@127.0.0.2", "-p", "2223", "--", "sleep", "20"],
    );
    wait_until("the held session", || {
        sb.root("pgrep -u tuser -f 'sleep 20'").code == 0
    });
    sb.admin(&["--osh", "lock"])
        .code(0)
        .json_is(&[("/value/sessions", json!(1))]);
    sb.admin(&["--osh", "unlock"])
        .code(0)
        .json_is(&[("/value/sessions", json!(1))]);
    sb.root_ok("pkill -u tuser -f 'sleep 20' || true");
    let _ = held.kill();
    let _ = held.wait();
}
