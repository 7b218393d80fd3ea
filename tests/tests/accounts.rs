//! Account management and the login-time state checks, through real ssh:
//! restricted commands and grants, freeze, maintenance, TTL, inactivity, bad
//! names, and a configuration file a non-root user could have written.

use osh_tests::{Sandbox, can_run};
use serde_json::json;

#[test]
fn accounts() {
    if !can_run("accounts") {
        return;
    }
    let sb = Sandbox::start("accounts");
    let kb = sb.create_account("bob", 9010);
    let bob = |args: &[&str]| {
        let mut a = vec!["--json-greppable"];
        a.extend_from_slice(args);
        sb.ssh(&kb, "bob", &a)
    };

    // Restricted without a grant: 106, command null; granted: runs; revoked: 106 again.
    bob(&["--osh", "accountList"])
        .code(106)
        .contains("specifically granted")
        .json_is(&[
            ("/error_code", json!("KO_RESTRICTED_COMMAND")),
            ("/command", json!(null)),
        ]);
    sb.admin(&[
        "--osh",
        "accountGrantCommand",
        "--account",
        "bob",
        "--command",
        "accountList",
    ])
    .code(0)
    .json_is(&[
        ("/command", json!("accountGrantCommand")),
        ("/error_code", json!("OK")),
    ]);
    sb.admin(&[
        "--osh",
        "accountGrantCommand",
        "--account",
        "bob",
        "--command",
        "accountList",
    ])
    .json_is(&[("/error_code", json!("OK_NO_CHANGE"))]);
    let list = bob(&["--osh", "accountList"]);
    list.code(0).json_is(&[
        ("/command", json!("accountList")),
        ("/error_code", json!("OK")),
    ]);
    assert!(
        list.json()["value"].get("bob").is_some() && list.json()["value"].get("admin").is_some(),
        "{list}"
    );
    sb.admin(&["--osh", "accountInfo", "--account", "bob"])
        .code(0)
        .json_is(&[
            ("/value/allowed_commands", json!(["accountList"])),
            // Roles are listed only when held, as The Bastion does.
            ("/value/is_admin", json!(null)),
        ]);
    // Only admins hand out the right to hand out rights.
    sb.admin(&[
        "--osh",
        "accountGrantCommand",
        "--account",
        "bob",
        "--command",
        "accountGrantCommand",
    ])
    .code(0);
    bob(&[
        "--osh",
        "accountGrantCommand",
        "--account",
        "bob",
        "--command",
        "accountRevokeCommand",
    ])
    .code(100)
    .json_is(&[
        ("/error_code", json!("ERR_SECURITY_VIOLATION")),
        ("/command", json!("accountGrantCommand")),
    ]);
    // ... and a helper called directly with sudo re-checks the caller itself.
    let direct = sb.root("echo '{\"account\":\"evil\"}' | su -s /bin/sh bob -c 'sudo -n -u root /opt/osh/bin/helper/osh-accountCreate'");
    assert!(!direct.stdout.contains("\"error_code\":\"OK\""), "{direct}");
    assert!(
        sb.root("getent passwd evil").code != 0,
        "a helper ran for a caller without the grant"
    );
    // Not grantable: admin plugins, unknown names, option-looking names.
    for cmd in ["adminMaintenance", "nonexistent", "-y", "../open/help"] {
        sb.admin(&[
            "--osh",
            "accountGrantCommand",
            "--account",
            "bob",
            "--command",
            cmd,
        ])
        .code(100);
    }
    sb.admin(&[
        "--osh",
        "accountRevokeCommand",
        "--account",
        "bob",
        "--command",
        "accountList",
    ])
    .code(0);
    bob(&["--osh", "accountList"]).code(106);

    // Invalid account names are refused before anything reaches useradd.
    for bad in [
        "-rf", "a", "ab\"c", "root", "keyfoo", "x-tty", "a b", "../etc",
    ] {
        let r = sb.admin(&[
            "--osh",
            "accountCreate",
            "--account",
            &format!("'{bad}'"),
            "--uid-auto",
            "--no-key",
        ]);
        r.code(100)
            .json_is(&[("/error_code", json!("KO_INVALID_ACCOUNT"))]);
    }
    sb.admin(&[
        "--osh",
        "accountCreate",
        "--account",
        "bob",
        "--uid-auto",
        "--no-key",
    ])
    .code(100)
    .json_is(&[("/error_code", json!("KO_ALREADY_EXISTING"))]);
    sb.admin(&[
        "--osh",
        "accountCreate",
        "--account",
        "carol",
        "--uid",
        "12",
        "--no-key",
    ])
    .code(100);
    assert!(sb.root("getent passwd carol").code != 0);

    // Freeze: the next login is refused with 131 and the reason; unfreeze restores it.
    sb.admin(&[
        "--osh",
        "accountFreeze",
        "--account",
        "bob",
        "--reason",
        "'\"left the company\"'",
    ])
    .code(0)
    .json_is(&[("/command", json!("accountFreeze"))]);
    bob(&["--osh", "info"])
        .code(131)
        .contains("frozen")
        .contains("left the company")
        .json_is(&[("/error_code", json!("KO_ACCOUNT_FROZEN"))]);
    sb.admin(&["--osh", "accountUnfreeze", "--account", "bob"])
        .code(0);
    bob(&["--osh", "info"]).code(0);

    // Maintenance mode: 118 for accounts, admins pass.
    sb.root_ok("echo 'disk swap' > /home/allowkeeper/maintenance");
    bob(&["--osh", "info"]).code(118).contains("disk swap");
    sb.admin(&["--osh", "info"]).code(0);
    sb.root_ok("rm /home/allowkeeper/maintenance");

    // Inactivity (113): lastlog older than accountMaxInactiveDays, and, as
    // in The Bastion, always-active does not exempt (only from activation).
    let unexpire = || sb.admin(&["--osh", "accountUnexpire", "--account", "bob"]);
    unexpire().code(0).json_is(&[
        ("/error_code", json!("OK_EXPIRATION_NOT_CONFIGURED")),
        ("/value/account", json!("bob")),
    ]);
    sb.config_set("accountMaxInactiveDays", "3");
    bob(&["--osh", "info"]).code(0);
    sb.admin(&[
        "--osh",
        "accountModify",
        "--account",
        "bob",
        "--always-active",
        "yes",
    ])
    .code(0);
    sb.root_ok("touch -d '5 days ago' /home/bob/lastlog");
    bob(&["--osh", "info"])
        .code(113)
        .contains("has expired (5 days)")
        .json_is(&[("/error_code", json!("KO_ACCOUNT_EXPIRED"))]);
    unexpire()
        .code(0)
        .contains("was expired (5 days without connection)")
        .json_is(&[("/error_code", json!("OK")), ("/value/days", json!(5))]);
    bob(&["--osh", "info"]).code(0);
    unexpire().json_is(&[("/error_code", json!("OK_NOT_EXPIRED"))]);
    // Never logged in: counted from the creation; unexpire makes the lastlog,
    // the account's own file, never root's.
    sb.root_ok("rm /home/bob/lastlog");
    unexpire().json_is(&[("/error_code", json!("OK_NOT_EXPIRED"))]);
    assert_eq!(sb.root_ok("stat -c %U /home/bob/lastlog").trim(), "bob");
    // A link bob puts there is not followed by root.
    sb.root_ok("rm /home/bob/lastlog; ln -s /etc/hostname /home/bob/lastlog; touch -d '2 days ago' /etc/hostname");
    unexpire().code(100);
    assert!(
        sb.root_ok("find /etc/hostname -mmin -60").trim().is_empty(),
        "root followed the link"
    );
    sb.root_ok("rm /home/bob/lastlog");
    sb.config_set("accountMaxInactiveDays", "0");

    // accountUnlock: pam_faillock's record is reset.
    sb.admin(&["--osh", "accountUnlock", "--account", "bob"])
        .code(0)
        .json_is(&[
            ("/error_code", json!("OK")),
            ("/value/account", json!("bob")),
        ]);

    // TTL (121).
    let kt = sb.new_key("ttl", "ed25519");
    let pk = format!("\"{}\"", Sandbox::pubkey(&kt));
    sb.admin(&[
        "--osh",
        "accountCreate",
        "--account",
        "temp",
        "--uid-auto",
        "--ttl",
        "2",
        "--public-key",
        &pk,
    ])
    .code(0);
    sb.ssh(&kt, "temp", &["--osh", "info"]).code(0);
    std::thread::sleep(std::time::Duration::from_secs(3));
    sb.ssh(&kt, "temp", &["--json", "--osh", "info"])
        .code(121)
        .json_is(&[("/error_code", json!("KO_TTL_EXPIRED"))]);

    // Unknown keys and bad values in the config are warned about in syslog, never on stdout.
    sb.root_ok("sed -i 's/^\"debug\": false/\"debug\": false, \"noSuchOption\": 1/' /etc/bastion/bastion.conf");
    let r = sb.admin(&["--osh", "info"]);
    r.code(0).lacks("noSuchOption");
    let warns: Vec<_> = sb
        .events()
        .into_iter()
        .filter(|e| e.0 == "code-warning")
        .collect();
    assert!(
        warns
            .iter()
            .any(|e| osh_tests::field(e, "msg").is_some_and(|m| m.contains("noSuchOption"))),
        "{warns:?}"
    );
    // A key set to ask for what osh does not have yet is said, not ignored;
    // the shipped configuration asks for nothing of the kind.
    let said = |key: &str| {
        sb.events().into_iter().any(|e| {
            e.0 == "code-warning"
                && osh_tests::field(&e, "msg").is_some_and(|m| {
                    m.contains(&format!("'{key}'")) && m.contains("does not honour yet")
                })
        })
    };
    assert!(!said("moshAllowed"));
    sb.config_set("moshAllowed", "true");
    sb.admin(&["--osh", "info"]).code(0).lacks("moshAllowed");
    assert!(said("moshAllowed"));
    sb.config_set("moshAllowed", "false");

    // A configuration a non-root user could have written is refused: 110.
    sb.root_ok("chmod g+w /etc/bastion/bastion.conf");
    sb.admin(&["--osh", "info"])
        .code(110)
        .contains("group-writable");
    sb.root_ok("chmod g-w /etc/bastion/bastion.conf");
    sb.admin(&["--osh", "info"]).code(0);

    // A plugin disabled by /etc/bastion/plugin.NAME.conf: 106.
    sb.root_ok("echo '{\"disabled\": true}' > /etc/bastion/plugin.info.conf");
    sb.admin(&["--osh", "info"])
        .code(106)
        .json_is(&[("/error_code", json!("KO_PLUGIN_DISABLED"))]);
    sb.root_ok("rm /etc/bastion/plugin.info.conf");

    // Options osh does not support yet are refused by name, never taken for a host.
    sb.admin(&["--ssh-as", "bob", "--osh", "info"])
        .code(111)
        .contains("--ssh-as")
        .json_is(&[("/error_code", json!("KO_UNSUPPORTED_OPTION"))]);
    sb.admin(&["--interactive"]).code(114);
    sb.admin(&["-p", "99999", "host"])
        .code(134)
        .json_is(&[("/error_code", json!("KO_INVALID_PORT"))]);
    sb.admin(&["-t", "-T", "host"]).code(115);
}

#[test]
fn the_installer_makes_the_bastions_healthcheck_account() {
    if !can_run("the_installer_makes_the_bastions_healthcheck_account") {
        return;
    }
    let sb = Sandbox::start("accounts-healthcheck");
    // As a monitoring probe runs it: as healthcheck, with its own key.
    let probe = |src: &str, args: &str| {
        sb.root(&format!(
            "runuser -u healthcheck -- ssh -i /home/healthcheck/.ssh/id_healthcheck -b {src} \
             -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
             -p 2222 healthcheck@127.0.0.1 -- --json-greppable {args}"
        ))
    };
    probe("127.0.0.1", "--osh info")
        .code(0)
        .json_is(&[("/value/account", json!("healthcheck"))]);
    // osh-only, and its key is good from the bastion itself only.
    probe("127.0.0.1", "tuser@127.0.0.2 -p 2223 -- true").code(107);
    probe("127.0.0.5", "--osh info")
        .code(255)
        .contains("Permission denied");
    assert_eq!(
        sb.root_ok("stat -c '%U %a' /home/healthcheck/.ssh/id_healthcheck")
            .trim(),
        "healthcheck 400"
    );
    // Its key file has only from="127.0.0.1", whatever ingressKeysFrom says.
    assert!(
        sb.root_ok("cat /home/healthcheck/.ssh/authorized_keys2")
            .starts_with("from=\"127.0.0.1\" ssh-ed25519 "),
    );
    // Listed with the others, as in The Bastion (accountInfo --all counts it).
    sb.admin(&["--osh", "accountInfo", "--all"])
        .code(0)
        .json_is(&[("/value/healthcheck/osh_only", json!(1))]);
    // Only root forces a from=: not a delegate's accountCreate.
    let r = sb.root(
        r#"echo '{"account":"sneaky","force_from":["0.0.0.0/0"]}' | runuser -u admin -- sudo -n /opt/osh/bin/helper/osh-accountCreate"#,
    );
    r.contains("ERR_SECURITY_VIOLATION");
    assert!(sb.root("getent passwd sneaky").code != 0);
}
