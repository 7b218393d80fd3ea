//! How sessions end, through real ssh: whatever dies or vanishes (the
//! command, the client, the account), `close` says what happened, nothing
//! keeps running unrecorded, and JSON callers still get their envelope.

use std::time::Duration;

use osh_tests::{Sandbox, can_run, field, wait_until};

type Ev = (String, Vec<(String, String)>);

/// The last `close` event matching `pred`, waited for.
fn wait_close(sb: &Sandbox, what: &str, pred: impl Fn(&Ev) -> bool) -> Ev {
    let mut found = None;
    wait_until(what, || {
        found = sb
            .events()
            .into_iter()
            .rev()
            .find(|e| e.0 == "close" && pred(e));
        found.is_some()
    });
    found.expect("waited for")
}

#[test]
fn signals_and_vanishing_clients_are_told_in_close() {
    if !can_run("signals_and_vanishing_clients_are_told_in_close") {
        return;
    }
    let sb = Sandbox::start("session-end");
    sb.admin_reaches_target();
    let key = sb.admin_key();

    // A plugin killed by SIGQUIT: `signal` names it, `sysret` stays empty.
    let mut client = sb.ssh_background(
        &key,
        "admin",
        &["-T"],
        &["--osh", "accountDelete", "--account", "admin"],
    );
    wait_until("the plugin to wait for its confirmation", || {
        sb.root("pgrep -x accountDelete").code == 0
    });
    sb.root_ok("pkill -QUIT -x accountDelete");
    let _ = client.wait();
    let closed = wait_close(&sb, "close of the killed plugin", |e| {
        field(e, "plugin") == Some("accountDelete")
    });
    assert_eq!(field(&closed, "signal"), Some("SIGQUIT"), "{closed:?}");
    assert_eq!(field(&closed, "sysret"), Some(""), "{closed:?}");
    sb.root_ok("getent passwd admin");

    // A plain exit code is still an exit code.
    sb.admin(&["tuser@127.0.0.2", "-p", "2223", "--", "exit", "131"])
        .code(131);
    let closed = wait_close(&sb, "close of exit 131", |e| {
        field(e, "cmdtype") == Some("ssh")
    });
    assert_eq!(field(&closed, "sysret"), Some("131"), "{closed:?}");
    assert_eq!(field(&closed, "signal"), Some(""), "{closed:?}");

    // A client that vanishes while its command, without a terminal, prints
    // nothing: noticed, the egress ends, and close says so.
    let mut client = sb.ssh_background(
        &key,
        "admin",
        &["-T"],
        &["tuser@127.0.0.2", "-p", "2223", "--", "sleep", "307"],
    );
    wait_until("the remote command to start", || {
        sb.root("pgrep -u tuser -f 'sleep 307'").code == 0
    });
    // The client is nsenter's child: kill the ssh client itself.
    sb.root_ok("pkill -KILL -f '^ssh -i .*admin@127.0.0.1 -- tuser@127.0.0.2'");
    let _ = client.wait();
    let closed = wait_close(&sb, "close after the client vanished", |e| {
        field(e, "cmdtype") == Some("ssh")
            && field(e, "params").is_some_and(|p| p.ends_with("-- sleep 307"))
    });
    assert_eq!(
        field(&closed, "comment_close"),
        Some("client_gone"),
        "{closed:?}"
    );
    // (ssh, ended by the recorder's SIGHUP, exits 255 itself.)
    assert_ne!(field(&closed, "sysret"), Some("0"), "{closed:?}");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        sb.root("pgrep -u admin -f 'ssh 127.0.0.2'").code != 0,
        "the egress ssh outlived its client"
    );
}

#[test]
fn deleting_an_account_ends_its_live_sessions_first_and_leaves_no_half_state() {
    if !can_run("deleting_an_account_ends_its_live_sessions_first_and_leaves_no_half_state") {
        return;
    }
    let sb = Sandbox::start("session-end-delete");
    let kb = sb.create_account("bob", 9050);
    // bob's live session: a plugin waiting for a key on its standard input.
    let mut client = sb.ssh_background(&kb, "bob", &["-T"], &["--osh", "selfAddIngressKey"]);
    wait_until("bob's plugin to wait for its input", || {
        sb.root("pgrep -u bob -f selfAddIngressKey").code == 0
    });
    sb.admin(&["--osh", "accountDelete", "--account", "bob", "--no-confirm"])
        .code(0)
        .contains("archived");
    let _ = client.wait();
    assert!(sb.root("getent passwd bob").code != 0, "bob still exists");
    assert!(
        sb.root("pgrep -u 9050").code != 0,
        "bob's processes survived"
    );
    sb.root_ok("test -d /home/oldkeeper/accounts/bob.*/home/ttyrec && test ! -e /home/bob");
    // The session that was ended says so.
    let closed = wait_close(&sb, "close of bob's ended session", |e| {
        field(e, "account") == Some("bob") && field(e, "plugin") == Some("selfAddIngressKey")
    });
    assert_eq!(field(&closed, "signal"), Some("SIGHUP"), "{closed:?}");
}

#[test]
fn a_plugin_that_cannot_be_recorded_still_answers_json_callers() {
    if !can_run("a_plugin_that_cannot_be_recorded_still_answers_json_callers") {
        return;
    }
    let sb = Sandbox::start("session-end-full");
    sb.admin(&["--osh", "info"]).code(0);
    sb.root_ok(
        "mount -t tmpfs -o size=16k,uid=$(id -u admin),mode=700 tmpfs /home/admin/ttyrec/info \
         && (dd if=/dev/zero of=/home/admin/ttyrec/info/fill bs=1k count=64 2>/dev/null; true)",
    );
    for mode in ["--json", "--json-greppable", "--json-pretty"] {
        let r = sb.ssh(&sb.admin_key(), "admin", &[mode, "--osh", "info"]);
        assert_ne!(r.code, 0, "{r}");
        r.lacks("Your alias to connect")
            .json_is(&[("/error_code", serde_json::json!("KO_TTYREC_FAILED"))]);
    }
}

#[test]
fn a_session_whose_parent_is_killed_is_still_closed() {
    if !can_run("a_session_whose_parent_is_killed_is_still_closed") {
        return;
    }
    let sb = Sandbox::start("session-end-orphan");
    sb.admin_reaches_target();
    let journal = "ls -A /var/lib/osh/sessions";
    // A finished session leaves nothing in the journal.
    sb.admin(&["--osh", "info"]).code(0);
    assert_eq!(sb.root_ok(journal), "");

    let mut client = sb.ssh_background(
        &sb.admin_key(),
        "admin",
        &["-T"],
        &["tuser@127.0.0.2", "-p", "2223", "--", "sleep", "301"],
    );
    wait_until("the remote command to start", || {
        sb.root("pgrep -u tuser -f 'sleep 301'").code == 0
    });
    let id = sb.root_ok(journal).trim().to_owned();
    assert_eq!(id.len(), 12, "one journal entry: {id:?}");
    sb.root_ok("pkill -KILL -x osh-connect");
    // The session does not go on without its parent.
    wait_until("the recorder to end with its parent", || {
        sb.root("pgrep -u admin -x ttyrec").code != 0
    });
    let _ = client.wait();
    assert!(
        !sb.events()
            .iter()
            .any(|e| e.0 == "close" && field(e, "uniqid") == Some(id.as_str())),
        "closed without the closer?"
    );
    sb.root_ok("/opt/osh/bin/osh-close-orphaned")
        .contains("closed 1 orphaned session");
    let closed = wait_close(&sb, "the orphan's close", |e| {
        field(e, "uniqid") == Some(id.as_str())
    });
    assert_eq!(field(&closed, "comment_close"), Some("parent_died"));
    // The account's database row is completed too, by root for the account.
    let month = sb.root_ok("date +%Y%m").trim().to_owned();
    assert_eq!(
        sb.root_ok(&format!(
            "sqlite3 /home/admin/admin-log-{month}.sqlite \"SELECT comment FROM connections WHERE uniqid='{id}' AND timestampend IS NOT NULL\""
        ))
        .trim(),
        "parent_died"
    );
    // Handled, and said as worth a look.
    assert!(
        sb.events().iter().any(|e| e.0 == "warn-info"
            && field(e, "uniqid") == Some(id.as_str())
            && field(e, "msg").is_some_and(|m| m.contains("osh-connect died"))),
        "no warn-info"
    );
    assert_eq!(field(&closed, "sysret"), Some(""));
    assert_eq!(field(&closed, "ip_to"), Some("127.0.0.2"));
    assert!(field(&closed, "duration").is_some_and(|d| d.parse::<f64>().unwrap() > 0.0));
    assert_eq!(sb.root_ok(journal), "");
    sb.root_ok("/opt/osh/bin/osh-close-orphaned")
        .contains("closed 0 orphaned session");

    // An account can't list the journal, nor make root close another's session.
    let _kb = sb.create_account("bob", 9070);
    assert!(sb.root("runuser -u bob -- ls /var/lib/osh/sessions").code != 0);
    let forged = serde_json::json!({
        "pid": 1, "start": 0, "started_ms": 0,
        "plan": serde_json::json!({
            "open": [["uniqid", "0123456789ab"], ["account", "admin"], ["cmdtype", "ssh"]],
            "syslog": null, "egress": true,
        }).to_string(),
    });
    sb.root_ok(&format!(
        "runuser -u bob -- sh -c 'cat > /var/lib/osh/sessions/0123456789ab' <<'EOF'\n{forged}\nEOF"
    ));
    sb.root_ok("/opt/osh/bin/osh-close-orphaned")
        .contains("1 entry(ies) refused");
    assert!(
        !sb.events()
            .iter()
            .any(|e| e.0 == "close" && field(e, "uniqid") == Some("0123456789ab")),
        "a forged entry was closed"
    );
    assert!(
        sb.events()
            .iter()
            .any(|e| e.0 == "security" && field(e, "type") == Some("forged-session-journal"))
    );
    assert_eq!(sb.root_ok(journal), "");
}
