//! The spine through real ssh: help, info, the envelope in every JSON mode,
//! unknown commands, no host, account creation and deletion.
//! Ports the assertions of The Bastion's tests/functional/tests.d/320-base.sh.

use osh_tests::{Sandbox, can_run};
use serde_json::json;

#[test]
fn base() {
    if !can_run("base") {
        return;
    }
    let sb = Sandbox::start("base");
    let admin = sb.admin_key();

    // 320: a0_create_a1
    let k1 = sb.create_account("te3456789012345678stu_Ser.1-", 9001);
    let a1 = "te3456789012345678stu_Ser.1-";

    // 320: nocmd -> 112, KO_NO_HOST, command null
    sb.admin(&[])
        .code(112)
        .contains("command specified and no host to connect to")
        .json_is(&[
            ("/command", json!(null)),
            ("/error_code", json!("KO_NO_HOST")),
            ("/value", json!(null)),
        ]);
    // 320: empty (-osh alone), help1 (-osh help), help2 (--osh help)
    for args in [&["-osh"][..], &["-osh", "help"], &["--osh", "help"]] {
        sb.admin(args).code(0).contains("OSH help").json_is(&[
            ("/command", json!("help")),
            ("/error_code", json!("OK")),
            ("/value", json!(null)),
        ]);
    }
    // 320: boguscmd -> 104
    sb.admin(&["--osh", "nonexistent"])
        .code(104)
        .contains("Unknown command")
        .json_is(&[
            ("/error_code", json!("KO_UNKNOWN_COMMAND")),
            ("/command", json!(null)),
            ("/value", json!(null)),
        ]);
    // 320: info as a1 (not admin): no admin list
    sb.ssh(&k1, a1, &["--json-greppable", "--osh", "info"])
        .code(0)
        .contains("Your alias to connect")
        .lacks("My admins are: ")
        .lacks("My super owners are: ")
        .json_is(&[
            ("/error_code", json!("OK")),
            ("/command", json!("info")),
            ("/value/account", json!(a1)),
        ]);
    // 320: info as a0 (admin)
    sb.admin(&["-osh", "info"])
        .code(0)
        .contains("Your alias to connect")
        .contains("My admins are: ")
        .contains("My super owners are: ")
        .json_is(&[
            ("/error_code", json!("OK")),
            ("/command", json!("info")),
            ("/value/account", json!("admin")),
            ("/value/adminAccounts", json!(["admin"])),
        ]);

    // The envelope: exactly 4 keys, in all three framings, for info and help.
    for cmd in ["info", "help"] {
        let plain = sb.ssh(&admin, "admin", &["--json", "--osh", cmd]);
        plain.code(0);
        assert!(
            plain.stdout.contains("\nJSON_START\n") && plain.stdout.contains("\nJSON_END\n"),
            "{plain}"
        );
        let pretty = sb.ssh(&admin, "admin", &["--json-pretty", "--osh", cmd]);
        assert!(pretty.stdout.contains("\n  \"command\": "), "{pretty}");
        let grep = sb.ssh(&admin, "admin", &["--json-greppable", "--osh", cmd]);
        assert_eq!(
            grep.stdout
                .lines()
                .filter(|l| l.starts_with("JSON_OUTPUT={"))
                .count(),
            1,
            "{grep}"
        );
        for r in [&plain, &pretty, &grep] {
            let j = r.json();
            let keys: Vec<&String> = j.as_object().unwrap().keys().collect();
            assert_eq!(keys, ["command", "error_code", "error_message", "value"]);
            assert_eq!(j["command"], json!(cmd));
        }
        // Without a JSON option, no envelope at all.
        assert!(
            !sb.ssh(&admin, "admin", &["--osh", cmd])
                .stdout
                .contains("JSON_")
        );
    }

    // A plain `ssh bastion` (no command): help, and 104 until interactive mode exists.
    sb.ssh(&admin, "admin", &[])
        .code(104)
        .contains("--osh help");

    // An account logs in with its key and gets osh, never a shell.
    let passwd = sb.root_ok(&format!("getent passwd '{a1}'"));
    assert!(passwd.trim_end().ends_with(":/opt/osh/bin/osh"), "{passwd}");
    // `id` is taken as a host name, which does not resolve: 102, and nothing ran.
    sb.ssh(&k1, a1, &["id"]).code(102).lacks("uid=");
    sb.ssh(&k1, a1, &["/bin/sh", "-c", "id"])
        .code(128)
        .lacks("uid=");
    let sub = sb.ssh_full(&k1, a1, &["-s"], &["sftp"], None);
    assert_ne!(
        sub.code, 0,
        "an sftp subsystem must not be served to accounts: {sub}"
    );

    // 320: delete_a1; the home is archived, never destroyed.
    sb.root_ok(&format!("echo evidence > '/home/{a1}/ttyrec/proof'"));
    sb.admin(&["--osh", "accountDelete", "--account", a1, "--no-confirm"])
        .code(0)
        .json_is(&[("/command", json!("accountDelete"))]);
    assert!(
        sb.root(&format!("getent passwd '{a1}'")).code != 0,
        "user still exists"
    );
    let archived = sb.root_ok(&format!(
        "cat /home/oldkeeper/accounts/{a1}.*/home/ttyrec/proof"
    ));
    assert_eq!(archived.trim(), "evidence");
    assert_eq!(
        sb.root_ok("stat -c %a:%U /home/oldkeeper/accounts").trim(),
        "700:root"
    );
    // The deleted key no longer logs in.
    assert_eq!(sb.ssh(&k1, a1, &["--osh", "info"]).code, 255);
}
