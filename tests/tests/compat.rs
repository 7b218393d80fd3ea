//! The Bastion's call shapes, as its users' scripts and its own test harness
//! send them: through a shell that has already removed the quotes.

use osh_tests::{Sandbox, can_run};
use serde_json::json;

#[test]
fn a_key_split_into_words_by_a_shell_is_glued_back() {
    if !can_run("a_key_split_into_words_by_a_shell_is_glued_back") {
        return;
    }
    let sb = Sandbox::start("compat-keys");
    // `--public-key ecdsa-sha2-nistp256 AAAA... comment`, three words.
    let kb = sb.new_key("bob", "ecdsa");
    let pk = Sandbox::pubkey(&kb);
    let mut args = vec![
        "--osh",
        "accountCreate",
        "--account",
        "bob",
        "--uid-auto",
        "--public-key",
    ];
    args.extend(pk.split(' '));
    sb.admin(&args)
        .code(0)
        .json_is(&[("/error_code", json!("OK"))]);
    sb.ssh(&kb, "bob", &["--osh", "info"]).code(0);
    assert!(
        sb.root_ok("cat /home/bob/.ssh/authorized_keys2")
            .contains(&pk)
    );
    // The same for selfAddIngressKey, with the legacy --pubKey name.
    let k2 = sb.new_key("bob2", "ed25519");
    let pk2 = Sandbox::pubkey(&k2);
    let mut args = vec!["--json-greppable", "--osh", "selfAddIngressKey", "--pubKey"];
    args.extend(pk2.split(' '));
    sb.ssh(&kb, "bob", &args)
        .code(0)
        .json_is(&[("/error_code", json!("OK"))]);
    sb.ssh(&k2, "bob", &["--osh", "info"]).code(0);
    // Words that are no key are still no key.
    sb.ssh(
        &kb,
        "bob",
        &[
            "--json-greppable",
            "--osh",
            "selfAddIngressKey",
            "--public-key",
            "hello",
            "world",
        ],
    )
    .code(100)
    .json_is(&[("/error_code", json!("KO_NOT_A_KEY"))]);
}

#[test]
fn ttls_are_durations_as_in_the_bastion() {
    if !can_run("ttls_are_durations_as_in_the_bastion") {
        return;
    }
    let sb = Sandbox::start("compat-ttl");
    sb.admin(&[
        "--osh",
        "selfAddPersonalAccess",
        "--host",
        "127.0.0.9",
        "--user",
        "tuser",
        "--port",
        "22",
        "--ttl",
        "2d8h15m",
        "--force",
    ])
    .code(0)
    .json_is(&[("/value/ttl", json!(2 * 86_400 + 8 * 3_600 + 15 * 60))]);
    sb.admin(&[
        "--osh",
        "selfAddPersonalAccess",
        "--host",
        "127.0.0.10",
        "--user-any",
        "--port-any",
        "--ttl",
        "soon",
    ])
    .code(100)
    .json_is(&[("/error_code", json!("KO_INVALID_PARAMETER"))]);
    // An account with a TTL of 3 seconds, written as The Bastion's tests write it.
    let (kb, r) = sb.create_account_with("short", &["--ttl", "0d0h0m3s"]);
    r.code(0);
    sb.ssh(&kb, "short", &["--osh", "info"]).code(0);
    std::thread::sleep(std::time::Duration::from_secs(4));
    sb.ssh(&kb, "short", &["--osh", "info"])
        .code(121)
        .contains("TTL has expired");
}

#[test]
fn account_info_says_when_it_was_last_seen_and_freeze_echoes_its_reason() {
    if !can_run("account_info_says_when_it_was_last_seen_and_freeze_echoes_its_reason") {
        return;
    }
    let sb = Sandbox::start("compat-info");
    let kb = sb.create_account("bob", 9200);
    sb.admin(&["--osh", "accountInfo", "--account", "bob"])
        .code(0)
        .contains("NEVER been used")
        .json_is(&[
            ("/value/already_seen_before", json!(0)),
            ("/value/last_activity", json!(null)),
            ("/value/personal_egress_mfa_required", json!("none")),
            ("/value/ingress_piv_policy", json!(null)),
            ("/value/pam_auth_bypass", json!(0)),
            ("/value/always_active", json!(0)),
            ("/value/creation_information/by", json!("admin")),
        ]);
    // The state of its Unix password, for auditors: never the hash.
    let today = sb.root_ok("date +%Y-%m-%d").trim().to_owned();
    sb.admin(&[
        "--osh",
        "accountInfo",
        "--account",
        "bob",
        "--with-mfa-password-info",
    ])
    .code(0)
    .lacks("$6$")
    .json_is(&[
        ("/value/password/user", json!("bob")),
        ("/value/password/password", json!("locked")),
        ("/value/password/min_days", json!(0)),
        ("/value/password/inactive_days", json!(-1)),
        ("/value/password/date_disabled", json!(null)),
        ("/value/password/date_disabled_timestamp", json!(0)),
        ("/value/password/date_changed", json!(today)),
    ]);
    sb.ssh(&kb, "bob", &["--osh", "info"]).code(0);
    let r = sb.admin(&["--osh", "accountInfo", "--account", "bob"]);
    r.code(0).contains("Last seen on").json_is(&[
        ("/value/already_seen_before", json!(1)),
        ("/value/can_connect", json!(1)),
    ]);
    assert!(
        r.json()["value"]["last_activity"]["timestamp"].is_u64(),
        "{r}"
    );
    sb.admin(&[
        "--osh",
        "accountFreeze",
        "--account",
        "bob",
        "--reason",
        "'cest la vie'",
    ])
    .code(0)
    .json_is(&[("/value/reason", json!("cest la vie"))]);
    sb.admin(&["--osh", "accountInfo", "--account", "bob"])
        .json_is(&[("/value/can_connect", json!(0))]);

    // accountCreate --max-inactive-days, as The Bastion's tests create one.
    sb.create_account_with("carol", &["--max-inactive-days", "-1"])
        .1
        .code(100)
        .json_is(&[("/error_code", json!("ERR_INVALID_PARAMETER"))]);
    let (kc, r) = sb.create_account_with("carol", &["--max-inactive-days", "42"]);
    r.code(0);
    sb.admin(&["--osh", "accountInfo", "--account", "carol"])
        .json_is(&[("/value/max_inactive_days", json!(42))]);

    // --all: every account, for auditors (and admins) only.
    let all = sb.admin(&["--osh", "accountInfo", "--all"]);
    all.code(0);
    let v = &all.json()["value"];
    assert!(
        v["bob"]["is_frozen"] == json!(1) && v["carol"].is_object() && v["admin"].is_object(),
        "{all}"
    );
    sb.grant("carol", "accountInfo");
    sb.ssh(
        &kc,
        "carol",
        &["--json-greppable", "--osh", "accountInfo", "--all"],
    )
    .code(100)
    .json_is(&[("/error_code", json!("ERR_ACCESS_DENIED"))]);
}

#[test]
fn reply_shapes_of_the_access_commands_are_the_bastions() {
    if !can_run("reply_shapes_of_the_access_commands_are_the_bastions") {
        return;
    }
    let sb = Sandbox::start("compat-shapes");
    sb.admin(&["--osh", "selfListAccesses"])
        .code(0)
        .contains("no registered accesses")
        .lacks("personal")
        .json_is(&[("/error_code", json!("OK_EMPTY")), ("/value", json!(null))]);
    let add = [
        "--osh",
        "selfAddPersonalAccess",
        "--host",
        "127.0.0.9",
        "--user",
        "tuser",
        "--port",
        "22",
        "--force",
    ];
    sb.admin(&add)
        .code(0)
        .json_is(&[("/error_code", json!("OK"))]);
    sb.admin(&add).code(0).json_is(&[
        ("/error_code", json!("OK_NO_CHANGE")),
        ("/value", json!(null)),
    ]);
    let mut del = add[..8].to_vec();
    del[1] = "selfDelPersonalAccess";
    sb.admin(&del)
        .code(0)
        .json_is(&[("/error_code", json!("OK"))]);
    sb.admin(&del).code(0).json_is(&[
        ("/error_code", json!("OK_NO_CHANGE")),
        ("/value", json!(null)),
    ]);
}

/// The harness's `$a0 --osh selfAddPersonalAccess ...` with `--force`,
/// `--user '*'`, `--port '*'`: the words a shell leaves after its quotes.
fn add_access(sb: &Sandbox, words: &[&str]) -> osh_tests::Run {
    let mut a = vec!["--osh", "selfAddPersonalAccess"];
    a.extend_from_slice(words);
    sb.admin(&a)
}

#[test]
fn a_personal_access_is_tried_before_it_is_added() {
    if !can_run("a_personal_access_is_tried_before_it_is_added") {
        return;
    }
    let sb = Sandbox::start("compat-conntest");
    let list = |sb: &Sandbox| sb.admin(&["--osh", "selfListAccesses"]).all();
    // The admin's egress key is on tuser@127.0.0.2:2223: tried, works, added.
    add_access(
        &sb,
        &[
            "-h",
            "127.0.0.2",
            "-u",
            "tuser",
            "-p",
            "2223",
            "--kbd-interactive",
        ],
    )
    .code(0)
    .contains("Testing connection to tuser@127.0.0.2")
    .json_is(&[("/error_code", json!("OK"))]);
    // Not on 'nokey': refused with ssh's answer and a hint, nothing added.
    add_access(&sb, &["-h", "127.0.0.2", "-u", "nokey", "-p", "2223"])
        .code(100)
        .contains("Couldn't connect to nokey@127.0.0.2 (ssh returned error 255)")
        .contains("proper public key")
        .contains("use --force")
        .json_is(&[
            ("/error_code", json!("ERR_CONNECTION_FAILED")),
            ("/value", json!(null)),
        ]);
    assert!(!list(&sb).contains("nokey@"), "{}", list(&sb));
    // Nothing listens on port 2: the same, with ssh's error.
    add_access(&sb, &["-h", "127.0.0.2", "-u", "tuser", "-p", "2"])
        .code(100)
        .json_is(&[("/error_code", json!("ERR_CONNECTION_FAILED"))]);
    // --force: added untried, and said so.
    add_access(
        &sb,
        &["-h", "127.0.0.2", "-u", "nokey", "-p", "2223", "--force"],
    )
    .code(0)
    .contains("we didn't test the SSH connection");
    // Any user ('*'): tried as the account's own name, which has no key there.
    add_access(&sb, &["-h", "127.0.0.2", "--user", "*", "--port", "2223"])
        .code(100)
        .contains("Couldn't connect to admin@127.0.0.2");
    // A target the egress policy refuses is never tried (the test must not
    // probe networks sessions can't reach); the access is written as asked.
    add_access(&sb, &["-h", "127.0.0.1", "-u", "tuser", "-p", "22"])
        .code(0)
        .contains("this bastion's policy refuses it")
        .lacks("Testing connection");
    assert!(
        sb.events().iter().any(|e| e.0 == "code-info"
            && osh_tests::field(e, "msg")
                .is_some_and(|m| m.starts_with("selfAddPersonalAccess: "))),
        "the odd access is not said"
    );
    // A forced key none of the account's keys has.
    add_access(
        &sb,
        &[
            "-h",
            "127.0.0.2",
            "-u",
            "tuser",
            "-p",
            "2223",
            "--force-key",
            "SHA256:notAKeyWeHave",
        ],
    )
    .code(100)
    .json_is(&[("/error_code", json!("KO_NO_MATCHING_KEY"))]);

    // '*' for any port and any user, in and out; a connection can't use it.
    add_access(
        &sb,
        &["-h", "127.0.0.4", "--user", "*", "--port", "*", "--force"],
    )
    .code(0)
    .json_is(&[("/value/user", json!(null)), ("/value/port", json!(null))]);
    sb.admin(&[
        "--osh",
        "selfDelPersonalAccess",
        "-h",
        "127.0.0.4",
        "--user",
        "*",
        "--port",
        "*",
    ])
    .code(0)
    .json_is(&[("/error_code", json!("OK"))]);
    sb.admin(&[
        "--osh",
        "selfDelPersonalAccess",
        "-h",
        "127.0.0.4",
        "--user-any",
        "--port=*",
    ])
    .code(0)
    .json_is(&[("/error_code", json!("OK_NO_CHANGE"))]);
    sb.admin(&["-p", "*", "tuser@127.0.0.2", "--", "true"])
        .code(134);

    // A name keeps the name it was added with, as its comment.
    add_access(
        &sb,
        &[
            "--host",
            "localhost",
            "-u",
            "autocomment",
            "-p",
            "1234",
            "--force",
            "--ttl",
            "1",
        ],
    )
    .code(0)
    .json_is(&[
        ("/value/comment", json!("hostname=localhost")),
        ("/value/ttl", json!(1)),
    ]);
    // Once expired, an access is no longer listed.
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert!(!list(&sb).contains("autocomment"), "{}", list(&sb));

    // The plugin's limits, in The Bastion's words.
    sb.root_ok(
        "echo '{\"self_remote_user_only\":true,\"widest_v4_prefix\":30}' > /etc/bastion/plugin.selfAddPersonalAccess.conf",
    );
    add_access(
        &sb,
        &["--host", "127.0.0.9", "--user", "notme", "--port-any"],
    )
    .code(100)
    .contains("you may retry with --user admin");
    add_access(
        &sb,
        &["--host", "127.0.0.0/8", "--user", "admin", "--port-any"],
    )
    .code(100)
    .contains("maximum allowed for IPv4 is /30 by policy");

    // --kbd-interactive is refused where the policy says so.
    sb.config_set("keyboardInteractiveAllowed", "false");
    sb.admin(&[
        "--kbd-interactive",
        "tuser@127.0.0.2",
        "-p",
        "2223",
        "--",
        "true",
    ])
    .code(115)
    .contains("disabled by policy");
}

#[test]
fn remote_commands_as_the_bastion_passes_them() {
    if !can_run("remote_commands_as_the_bastion_passes_them") {
        return;
    }
    let sb = Sandbox::start("compat-remote");
    sb.admin_reaches_target();
    let to = ["tuser@127.0.0.2", "-p", "2223"];
    let go = |opts: &[&str], cmd: &[&str]| {
        let mut a: Vec<&str> = opts.to_vec();
        a.extend_from_slice(&to);
        a.extend_from_slice(cmd);
        sb.ssh(&sb.admin_key(), "admin", &a)
    };
    // The remote shell reads the words as the user wrote them...
    go(&[], &["--", "echo", "'a;b'"]).code(0).contains("a;b");
    // ...unless --always-escape (or remoteCommandEscapeByDefault) sends each ' as \'.
    go(&["--always-escape"], &["--", "echo", "'a;b'"])
        .contains("'a")
        .lacks("a;b");
    sb.config_set("remoteCommandEscapeByDefault", "true");
    go(&[], &["--", "echo", "'x'"]).contains("'x'");
    go(&["--never-escape"], &["--", "echo", "'x'"])
        .contains("x")
        .lacks("'x'");
    sb.config_set("remoteCommandEscapeByDefault", "false");
    // Without the '--' delimiter: run, with The Bastion's warning.
    go(&[], &["echo", "nodelim"])
        .code(0)
        .contains("nodelim")
        .contains("You did not use the '--' delimiter");
    // --wait: the port is checked first; an open port is waited for no longer.
    sb.admin(&["--wait", "-p", "65539", "127.0.0.2", "--", "id"])
        .code(134)
        .json_is(&[("/error_code", json!("KO_INVALID_PORT"))]);
    go(&["--wait"], &["--", "echo", "waited"])
        .code(0)
        .contains("Alive after waiting")
        .contains("waited");
}

#[test]
fn batch_runs_each_line_as_a_command_of_its_own() {
    if !can_run("batch_runs_each_line_as_a_command_of_its_own") {
        return;
    }
    let sb = Sandbox::start("compat-batch");
    let kb = sb.create_account("bob", 9300);
    let input =
        b"info\naccountInfo --account admin --json-pretty\n\nselfListEgressKeys\nquit\ninfo\n";
    let r = sb.ssh_full(
        &kb,
        "bob",
        &[],
        &["--json-greppable", "--osh", "batch"],
        Some(input),
    );
    r.code(0).contains("--- launching command: info").json_is(&[
        ("/command", json!("batch")),
        ("/error_code", json!("OK")),
        ("/value/0/command", json!("info")),
        ("/value/0/result/error_code", json!("OK")),
        ("/value/0/result/value/account", json!("bob")),
        (
            "/value/1/command",
            json!("accountInfo --account admin --json-pretty"),
        ),
        ("/value/1/result/error_code", json!("KO_RESTRICTED_COMMAND")),
        ("/value/2/command", json!("selfListEgressKeys")),
        ("/value/2/result/error_code", json!("OK")),
    ]);
    // The blank line is skipped, and nothing after 'quit' runs.
    assert_eq!(r.json()["value"].as_array().map(Vec::len), Some(3), "{r}");
    // Each line was a session of its own, logged as bob's.
    let runs = sb
        .events()
        .iter()
        .filter(|e| {
            e.0 == "open"
                && osh_tests::field(e, "account") == Some("bob")
                && osh_tests::field(e, "plugin") == Some("info")
        })
        .count();
    assert_eq!(runs, 1, "{:?}", sb.events());
}
