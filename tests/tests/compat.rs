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
        .json_is(&[("/value/already_seen_before", json!(0))]);
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
    sb.admin(&[
        "--osh",
        "accountGrantCommand",
        "--account",
        "carol",
        "--command",
        "accountInfo",
    ])
    .code(0);
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
    ];
    sb.admin(&add)
        .code(0)
        .json_is(&[("/error_code", json!("OK"))]);
    sb.admin(&add).code(0).json_is(&[
        ("/error_code", json!("OK_NO_CHANGE")),
        ("/value", json!(null)),
    ]);
    let mut del = add;
    del[1] = "selfDelPersonalAccess";
    sb.admin(&del)
        .code(0)
        .json_is(&[("/error_code", json!("OK"))]);
    sb.admin(&del).code(0).json_is(&[
        ("/error_code", json!("OK_NO_CHANGE")),
        ("/value", json!(null)),
    ]);
}
