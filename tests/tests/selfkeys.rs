//! Ingress keys through real ssh: adding, refusing, listing, deleting, the
//! from= policy, and the egress ssh settings of accountModify.
//! Ports the assertions of The Bastion's tests/functional/tests.d/330-selfkeys.sh.

use osh_tests::{Sandbox, can_run};
use serde_json::json;

const RSA1024: &str = "AAAAB3NzaC1yc2EAAAADAQABAAAAgQDNbJemAKF6u4xZtbbkHtQeXeh9EvsYgBdUlnES1oBSS/ICKU7lcUrW4UvUpYLQ0+N1f0XaYfGO01BnEPwJDYJngkybh1Qwo6IbCBySpIFJG7ToK4M1U2arALGelwgoVP3AE+HoLjSH9W0ZisBvWtiyCekBWnzf+kD5hLkblPXYkQ==";
const FP1024: &str = "SHA256:tHu5MD2vgUWxduQUnXqtHaRCCbez7CB9hOvD7zMZu/U";
const RSA2048: &str = "AAAAB3NzaC1yc2EAAAADAQABAAABAQDUcjtSpPwY9kdBtmfAURXEIwvUnfJ41acboaNyXU0Vv9C0hg6DNemm8FjDC4xp9AtQgKc8Sq2VGrUXIMO/xxD8LA9u3DjwWLYAzoBYGzKZ9p7QynoeEAa/Fpv811LmSJMVw1NPDahMrv1mVR4vXrU5Z/S4VkIEY19DnO0TlpciWPC9ePLhcF/MIb2dwzRlWaKm0JRw8D/V3aPbacyZL1zO+Gdk8an95DZ7T8KbxDdLxf6pLLWbtdMxZKnTQeAJGW7JXsf6ybmHgOqHTI3gWfydbRe0bHBcqORT21resFcqqyqKrKjGedWYqDraAi3k8G+U0T8RwDGMJpC2EFDk7c0H";
const FP2048: &str = "SHA256:ZdeU0HZyYoqz+ysPxoZ5cUX8eDIV4PIn7s0oDipqUnI";

#[test]
fn selfkeys() {
    if !can_run("selfkeys") {
        return;
    }
    let sb = Sandbox::start("selfkeys");
    let a1 = "Te0123456789012345678StUsEr4";
    let k1 = sb.create_account(a1, 9002);
    let me = |args: &[&str]| {
        let mut a = vec!["--json-greppable"];
        a.extend_from_slice(args);
        sb.ssh(&k1, a1, &a)
    };
    let add = |line: &str| {
        sb.ssh_full(
            &k1,
            a1,
            &[],
            &["--json-greppable", "-osh", "selfAddIngressKey"],
            Some(format!("{line}\n").as_bytes()),
        )
    };

    // accountCreate generated the first egress key pair, as The Bastion does.
    let listing = sb.root_ok(&format!("cd /home/{a1}/.ssh && stat -c '%n %a %U' id_*"));
    assert!(
        listing
            .lines()
            .any(|l| l.starts_with("id_ecdsa521_private.") && l.ends_with(&format!(" 400 {a1}"))),
        "{listing}"
    );
    assert!(
        listing.lines().any(|l| l.contains(".pub 444 ")),
        "{listing}"
    );
    let egress_pub = sb.root_ok(&format!("cat /home/{a1}/.ssh/id_ecdsa521_private.*.pub"));
    let comment = egress_pub.split_whitespace().nth(2).unwrap();
    assert!(
        comment.starts_with(&format!("{a1}@osh-sandbox:")),
        "{egress_pub}"
    );
    assert_eq!(
        sb.root_ok(&format!("stat -c %a /home/{a1}/.ssh/authorized_keys2"))
            .trim(),
        "640"
    );

    // 330: accountInfo default egress ssh config, then each strict-host-key mode.
    sb.config_set("minimumIngressRsaKeySize", "4096");
    sb.admin(&["--osh", "accountInfo", "--account", a1])
        .code(0)
        .json_is(&[
            ("/command", json!("accountInfo")),
            ("/value/account_egress_ssh_config/type", json!("default")),
        ]);
    for (mode, expect) in [
        ("no", "no"),
        ("accept-new", "accept-new"),
        ("yes", "yes"),
        ("ask", "ask"),
        ("bypass", "no"),
    ] {
        sb.admin(&[
            "--osh",
            "accountModify",
            "--account",
            a1,
            "--egress-strict-host-key-checking",
            mode,
        ])
        .code(0)
        .json_is(&[
            ("/error_code", json!("OK")),
            ("/command", json!("accountModify")),
        ]);
        let info = sb.admin(&["--osh", "accountInfo", "--account", a1]);
        info.code(0).json_is(&[
            ("/value/account_egress_ssh_config/type", json!("custom")),
            (
                "/value/account_egress_ssh_config/items/stricthostkeychecking",
                json!(expect),
            ),
        ]);
        if mode == "bypass" {
            info.json_is(&[(
                "/value/account_egress_ssh_config/items/userknownhostsfile",
                json!("/dev/null"),
            )]);
        }
    }
    sb.admin(&[
        "--osh",
        "accountModify",
        "--account",
        a1,
        "--egress-strict-host-key-checking",
        "default",
    ])
    .code(0);
    sb.admin(&["--osh", "accountInfo", "--account", a1])
        .json_is(&[("/value/account_egress_ssh_config/type", json!("default"))]);
    sb.admin(&[
        "--osh",
        "accountModify",
        "--pam-auth-bypass",
        "yes",
        "--account",
        a1,
    ])
    .code(0)
    .json_is(&[("/value/pam_auth_bypass/error_code", json!("OK"))]);
    sb.admin(&[
        "--osh",
        "accountModify",
        "--pam-auth-bypass",
        "yes",
        "--account",
        a1,
    ])
    .json_is(&[("/value/pam_auth_bypass/error_code", json!("OK_NO_CHANGE"))]);
    sb.admin(&[
        "--osh",
        "accountModify",
        "--account",
        a1,
        "--egress-strict-host-key-checking",
        "-oProxyCommand=x",
    ])
    .code(100);

    // 330: beforeadd
    let before = me(&["-osh", "selfListIngressKeys"]);
    before.code(0).json_is(&[
        ("/command", json!("selfListIngressKeys")),
        ("/value/account", json!(a1)),
        ("/value/keys/0/id", json!(1)),
        ("/value/keys/0/validity", json!("OK")),
        ("/value/keys/0/size", json!(256)),
    ]);

    // 330: flood -- an endless stream on stdin gets an answer, not a hang.
    let flood = sb.root(&format!(
        "timeout 30 ssh -i {} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -p 2222 {a1}@127.0.0.1 -- -osh selfAddIngressKey < /dev/urandom",
        k1.display()
    ));
    assert_ne!(
        flood.code, 124,
        "selfAddIngressKey hung on an endless stdin"
    );
    assert_eq!(flood.code, 100, "{flood}");

    // 330: privkey x3
    for kind in ["RSA PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"] {
        add(&format!("-----BEGIN {kind}-----\nMIIBugIBAAKBgQCawvohH0r9B4NxdaYHiBT5pLWDe14o3MTE3WwtKF0l7az+zw0P"))
            .code(100)
            .contains("HOLY SH")
            .json_is(&[("/command", json!("selfAddIngressKey")), ("/error_code", json!("KO_PRIVATE_KEY")), ("/value", json!(null))]);
    }
    // 330: bogus, eof
    add("bogus")
        .code(100)
        .contains("look like an SSH public key")
        .json_is(&[
            ("/error_code", json!("KO_NOT_A_KEY")),
            ("/value/key/line", json!("bogus")),
        ]);
    sb.ssh_full(
        &k1,
        a1,
        &[],
        &["--json-greppable", "-osh", "selfAddIngressKey"],
        Some(b""),
    )
    .code(100)
    .contains("look like an SSH public key")
    .json_is(&[
        ("/error_code", json!("KO_NOT_A_KEY")),
        ("/value", json!(null)),
    ]);

    // 330: rsa1024 and rsa2048 (minimum set to 4096 above) are too small.
    for (b64, fp, size, c) in [
        (RSA1024, FP1024, 1024, "test@rsa1024"),
        (RSA2048, FP2048, 2048, "test@rsa2048"),
    ] {
        add(&format!("ssh-rsa {b64} {c}"))
            .code(100)
            .contains("This is too small")
            .json_is(&[
                ("/command", json!("selfAddIngressKey")),
                ("/error_code", json!("KO_KEY_SIZE_TOO_SMALL")),
                ("/value/key/base64", json!(b64)),
                ("/value/key/comment", json!(c)),
                ("/value/key/typecode", json!("ssh-rsa")),
                ("/value/key/fingerprint", json!(fp)),
                ("/value/key/size", json!(size)),
                ("/value/key/family", json!("RSA")),
                ("/value/key/line", json!(format!("ssh-rsa {b64} {c}"))),
                ("/value/key/prefix", json!("")),
            ]);
    }

    // A good key: added, then refused as a duplicate; it logs in.
    let k2 = sb.new_key("second", "ecdsa");
    let line2 = Sandbox::pubkey(&k2);
    add(&line2)
        .code(0)
        .contains("key successfully added")
        .json_is(&[
            ("/value/key/family", json!("ECDSA")),
            ("/value/key/prefix", json!("")),
            ("/value/connect_only_from", json!([])),
        ]);
    add(&line2)
        .code(100)
        .json_is(&[("/error_code", json!("KO_DUPLICATE_KEY"))]);
    sb.ssh(&k2, a1, &["--osh", "info"]).code(0);
    let list = me(&["-osh", "selfListIngressKeys"]);
    assert_eq!(list.json()["value"]["keys"].as_array().unwrap().len(), 2);
    let fp2 = list.json()["value"]["keys"][1]["fingerprint"]
        .as_str()
        .unwrap()
        .to_owned();
    // accountListIngressKeys shows the same thing to an admin (through keyreader).
    sb.admin(&["--osh", "accountListIngressKeys", "--account", a1])
        .code(0)
        .json_is(&[
            ("/value/account", json!(a1)),
            ("/value/keys/1/fingerprint", json!(fp2)),
        ]);
    // Delete it by fingerprint; it no longer logs in.
    me(&["-osh", "selfDelIngressKey", "-f", &fp2])
        .code(0)
        .json_is(&[
            ("/command", json!("selfDelIngressKey")),
            ("/error_code", json!("OK")),
            ("/value/deleted_key/err", json!("OK")),
        ]);
    assert_eq!(sb.ssh(&k2, a1, &["--osh", "info"]).code, 255);
    // The only key left can't be deleted.
    me(&["-osh", "selfDelIngressKey", "--id-to-delete", "1"])
        .code(100)
        .json_is(&[
            ("/command", json!("selfDelIngressKey")),
            ("/error_code", json!("ERR_ONLY_ONE_KEY")),
            ("/value", json!(null)),
        ]);

    // 330: ingress from= policy: forced by ingressKeysFrom.
    sb.config_set("ingressKeysFrom", r#"["127.0.0.1", "127.0.0.2/32"]"#);
    let k3 = sb.new_key("third", "ed25519");
    add(&Sandbox::pubkey(&k3)).code(0).json_is(&[
        ("/value/connect_only_from/0", json!("127.0.0.1")),
        ("/value/connect_only_from/1", json!("127.0.0.2/32")),
        ("/value/key/from_list/0", json!("127.0.0.1")),
        ("/value/key/from_list/1", json!("127.0.0.2/32")),
        (
            "/value/key/prefix",
            json!("from=\"127.0.0.1,127.0.0.2/32\""),
        ),
    ]);
    me(&["-osh", "selfListIngressKeys"]).json_is(&[
        ("/value/keys/1/from_list/0", json!("127.0.0.1")),
        (
            "/value/keys/1/prefix",
            json!("from=\"127.0.0.1,127.0.0.2/32\""),
        ),
    ]);
    // sshd enforces it: the key works from 127.0.0.1, not from 127.0.0.3.
    sb.ssh(&k3, a1, &["--osh", "info"]).code(0);
    let elsewhere = sb.ssh_full(
        &k3,
        a1,
        &["-o", "BindAddress=127.0.0.3"],
        &["--osh", "info"],
        None,
    );
    assert_eq!(elsewhere.code, 255, "{elsewhere}");

    // Concurrent changes lose nothing: 6 adds racing a delete.
    let before = me(&["-osh", "selfListIngressKeys"]).json()["value"]["keys"]
        .as_array()
        .unwrap()
        .len();
    let doomed = me(&["-osh", "selfListIngressKeys"]).json()["value"]["keys"][1]["fingerprint"]
        .as_str()
        .unwrap()
        .to_owned();
    let new_keys: Vec<String> = (0..6)
        .map(|i| Sandbox::pubkey(&sb.new_key(&format!("race{i}"), "ed25519")))
        .collect();
    std::thread::scope(|t| {
        for k in &new_keys {
            t.spawn(|| {
                add(k).code(0);
            });
        }
        t.spawn(|| {
            me(&["-osh", "selfDelIngressKey", "-f", &doomed]).code(0);
        });
    });
    let after = me(&["-osh", "selfListIngressKeys"]).json()["value"]["keys"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(after.len(), before + 6 - 1, "{after:?}");
    for k in &new_keys {
        let b64 = k.split_whitespace().nth(1).unwrap();
        assert!(
            after.iter().any(|a| a["base64"] == b64),
            "a concurrently added key was lost"
        );
    }
}
