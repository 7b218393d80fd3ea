//! The privilege boundaries, attacked through real ssh the way an outside
//! probe did: delegates acting on admins, helpers started without sudo, key
//! options smuggled into authorized_keys2, option-like and non-UTF-8 input.

use std::path::Path;

use osh_tests::{Sandbox, can_run, field};
use serde_json::json;

/// `ssh ACCOUNT@bastion -- --json-greppable --osh ARGS...`.
fn osh(sb: &Sandbox, key: &Path, account: &str, args: &[&str]) -> osh_tests::Run {
    let mut a = vec!["--json-greppable", "--osh"];
    a.extend_from_slice(args);
    sb.ssh(key, account, &a)
}

/// Every account-changing command a delegate can be granted, run against
/// `target`: (command, its arguments after `--account TARGET`).
const ACTIONS: &[(&str, &[&str])] = &[
    (
        "accountModify",
        &["--egress-strict-host-key-checking", "bypass"],
    ),
    ("accountModify", &["--always-active", "yes"]),
    ("accountFreeze", &["--reason", "probe"]),
    (
        "accountAddPersonalAccess",
        &[
            "--host",
            "127.0.0.9",
            "--user",
            "x",
            "--port",
            "22",
            "--force",
        ],
    ),
    ("accountGrantCommand", &["--command", "accountList"]),
    ("accountUnexpire", &[]),
    ("accountUnlock", &[]),
    ("accountDelete", &["--no-confirm"]),
];

#[test]
fn delegates_never_act_on_admins_or_superowners() {
    if !can_run("delegates_never_act_on_admins_or_superowners") {
        return;
    }
    let sb = Sandbox::start("sec-delegates");
    let kb = sb.create_account("bob", 9020);
    let _kc = sb.create_account("carol", 9021);
    let _kd = sb.create_account("dave", 9022);
    // dave becomes a superowner the way an admin makes one: config and group.
    sb.config_set("superOwnerAccounts", r#"["dave"]"#);
    sb.root_ok("gpasswd -a dave osh-superowner >/dev/null");
    for cmd in [
        "accountModify",
        "accountFreeze",
        "accountUnfreeze",
        "accountDelete",
        "accountAddPersonalAccess",
        "accountDelPersonalAccess",
        "accountGrantCommand",
        "accountRevokeCommand",
        "accountUnexpire",
        "accountUnlock",
    ] {
        sb.grant("bob", cmd);
    }
    let before = sb.root_ok("ls -la /home/admin/.ssh /home/allowkeeper/admin; id admin; id dave");

    for target in ["admin", "dave"] {
        for (cmd, args) in ACTIONS {
            let mut a = vec![*cmd, "--account", target];
            a.extend_from_slice(args);
            // (accountModify reports per option, under the option's name.)
            osh(&sb, &kb, "bob", &a)
                .code(100)
                .contains("without being admin yourself")
                .contains("\"error_code\":\"ERR_SECURITY_VIOLATION\"");
        }
        osh(&sb, &kb, "bob", &["accountUnfreeze", "--account", target])
            .json_is(&[("/error_code", json!("ERR_SECURITY_VIOLATION"))]);
        osh(
            &sb,
            &kb,
            "bob",
            &[
                "accountRevokeCommand",
                "--account",
                target,
                "--command",
                "auditor",
            ],
        )
        .json_is(&[("/error_code", json!("ERR_SECURITY_VIOLATION"))]);
    }
    // Nothing of theirs changed: same files, same groups, still logging in.
    assert_eq!(
        before,
        sb.root_ok("ls -la /home/admin/.ssh /home/allowkeeper/admin; id admin; id dave")
    );
    sb.admin(&["--osh", "info"]).code(0);
    // Reading is not acting: accountInfo on an admin still works for a delegate.
    sb.grant("bob", "accountInfo");
    let seen = osh(&sb, &kb, "bob", &["accountInfo", "--account", "admin"]);
    seen.code(0).json_is(&[
        ("/value/account", json!("admin")),
        ("/value/is_admin", json!(1)),
    ]);
    // A delegate who is not an auditor sees what The Bastion shows one: roles,
    // granted commands, groups, activeness; nothing of the account's home.
    let shown = [
        "account",
        "allowed_commands",
        "always_active",
        "always_active_reason",
        "groups",
        "is_active",
        "is_admin",
        "is_superowner",
        "is_auditor",
    ];
    let value = seen.json()["value"].clone();
    let keys: Vec<&String> = value
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    assert!(
        keys.iter().all(|k| shown.contains(&k.as_str())) && keys.len() >= 5,
        "{seen}"
    );
    // Nor through the helper itself, called as the plugin would.
    sb.root(
        r#"echo '{"account":"admin","what":"info"}' | runuser -u bob -- sudo -n -u keyreader /opt/osh/bin/helper/osh-accountRead"#,
    )
    .contains("ERR_ACCESS_DENIED")
    .lacks("creation_information");
    for opt in ["--all", "--with-mfa-password-info"] {
        osh(&sb, &kb, "bob", &["accountInfo", "--account", "admin", opt])
            .json_is(&[("/error_code", json!("ERR_ACCESS_DENIED"))]);
    }

    // The positive control: the same delegate, the same commands, on an
    // ordinary account, all succeed.
    for (cmd, args) in ACTIONS {
        let mut a = vec![*cmd, "--account", "carol"];
        a.extend_from_slice(args);
        let r = osh(&sb, &kb, "bob", &a);
        r.code(0);
        // (accountUnexpire says OK_EXPIRATION_NOT_CONFIGURED here.)
        assert!(
            r.json()["error_code"]
                .as_str()
                .is_some_and(|c| c.starts_with("OK")),
            "{r}"
        );
    }
    assert!(sb.root("getent passwd carol").code != 0, "carol deleted");
    // Refusals are logged where the privilege is: no `account` event for
    // admin or dave came from bob.
    for ev in sb.events() {
        if ev.0 == "account" || ev.0 == "security" || ev.0 == "acl" {
            let acct = field(&ev, "account").unwrap_or("");
            assert!(
                !(field(&ev, "sudo_user") == Some("bob") && (acct == "admin" || acct == "dave")),
                "bob acted on {acct}: {ev:?}"
            );
        }
    }
}

#[test]
fn helpers_refuse_to_run_outside_sudo() {
    if !can_run("helpers_refuse_to_run_outside_sudo") {
        return;
    }
    let sb = Sandbox::start("sec-helpers");
    let _kb = sb.create_account("bob", 9030);
    let _kc = sb.create_account("carol", 9031);
    let admin_uid = sb.root_ok("id -u admin").trim().to_owned();
    // bob starts helpers himself, claiming to be the admin through sudo's variables.
    for (helper, request) in [
        (
            "osh-accountFreeze",
            r#"{"account":"carol","freeze":true,"reason":null}"#,
        ),
        (
            "osh-accountModify",
            r#"{"account":"carol","option":"osh-only","value":"yes"}"#,
        ),
        (
            "osh-accountModifyPersonalAccess",
            r#"{"account":"carol","plugin":"accountAddPersonalAccess","add":true,"target":"127.0.0.9","force_key":null,"ttl":null,"comment":null}"#,
        ),
        ("osh-accountRead", r#"{"account":null,"what":"list"}"#),
    ] {
        let r = sb.root(&format!(
            "echo '{request}' | runuser -u bob -- env SUDO_USER=admin SUDO_UID={admin_uid} SUDO_GID={admin_uid} \
             SUDO_COMMAND=/bin/true /opt/osh/bin/helper/{helper}"
        ));
        r.contains("ERR_SECURITY_VIOLATION")
            .contains("through sudo");
    }
    assert!(
        sb.root("test -e /home/allowkeeper/carol/config.frozen")
            .code
            != 0,
        "carol was frozen by a forged SUDO_USER"
    );
    // Root, not through sudo, may still run a root helper (the installer does).
    let r =
        sb.root(r#"echo '{"account":null,"what":"list"}' | /opt/osh/bin/helper/osh-accountRead"#);
    r.contains("ERR_SECURITY_VIOLATION");
    let r = sb.root(
        r#"echo '{"account":"carol","option":"osh-only","value":"yes"}' | /opt/osh/bin/helper/osh-accountModify"#,
    );
    r.contains("\"OK\"");
    // Arguments on sudo's command line (which ps shows) are refused by the rule itself.
    sb.admin(&["--osh", "info"]).code(0);
    let r = sb.root(
        "su -s /bin/sh admin -c 'sudo -n -u root /opt/osh/bin/helper/osh-accountModify --account carol'",
    );
    assert_ne!(r.code, 0, "{r}");
    r.lacks("\"OK\"");
}

/// `ssh` to the bastion from a shell inside the sandbox, so a test can send
/// what a `&str` cannot hold (the script's own quoting is the client's).
fn ssh_script(sb: &Sandbox, key: &Path, account: &str, remote: &str) -> osh_tests::Run {
    sb.root(&format!(
        "ssh -i {} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
         -o BatchMode=yes -o IdentitiesOnly=yes -p 2222 {account}@127.0.0.1 -- {remote}",
        key.display()
    ))
}

#[test]
fn ingress_keys_take_no_options_and_bad_input_is_refused_and_logged() {
    if !can_run("ingress_keys_take_no_options_and_bad_input_is_refused_and_logged") {
        return;
    }
    let sb = Sandbox::start("sec-input");
    let kb = sb.create_account("bob", 9040);
    let ak = "cat /home/bob/.ssh/authorized_keys2";
    let keys_before = sb.root_ok(ak);

    // A certificate authority: with it, any key the CA signs logs in, of any
    // size, past the ingress key policy. Refused, and so are other options.
    let ca = sb.new_key("ca", "ed25519");
    let ca_pub = Sandbox::pubkey(&ca);
    for prefix in [
        "cert-authority",
        "from=\"127.0.0.1\",cert-authority",
        "command=\"/bin/sh\"",
        "restrict,pty",
    ] {
        let line = format!("'{prefix} {ca_pub}'");
        osh(
            &sb,
            &kb,
            "bob",
            &["selfAddIngressKey", "--public-key", &line],
        )
        .code(100)
        .json_is(&[("/error_code", json!("KO_FORBIDDEN_KEY_OPTION"))]);
        sb.admin(&[
            "--osh",
            "accountCreate",
            "--account",
            "eve",
            "--uid",
            "9041",
            "--public-key",
            &line,
        ])
        .json_is(&[("/error_code", json!("KO_FORBIDDEN_KEY_OPTION"))]);
    }
    assert_eq!(keys_before, sb.root_ok(ak), "authorized_keys2 changed");
    assert!(sb.root("getent passwd eve").code != 0);
    // What the probe did next: an RSA-1024 key signed by that CA does not log in.
    let weak = sb.state.join("key-weak");
    assert!(
        std::process::Command::new("ssh-keygen")
            .args(["-q", "-N", "", "-t", "rsa", "-b", "1024", "-f"])
            .arg(&weak)
            .status()
            .unwrap()
            .success()
    );
    assert!(
        std::process::Command::new("ssh-keygen")
            .args(["-q", "-s"])
            .arg(&ca)
            .args(["-I", "probe", "-n", "bob"])
            .arg(format!("{}.pub", weak.display()))
            .status()
            .unwrap()
            .success()
    );
    sb.ssh(&weak, "bob", &["--osh", "info"]).code(255);
    // A plain from= stays accepted (the positive control).
    let plain = sb.new_key("plain", "ed25519");
    let line = format!("'from=\"127.0.0.1\" {}'", Sandbox::pubkey(&plain));
    osh(
        &sb,
        &kb,
        "bob",
        &["selfAddIngressKey", "--public-key", &line],
    )
    .code(0)
    .json_is(&[("/error_code", json!("OK"))]);

    // A command line that is not UTF-8: refused with an error, and logged.
    let r = ssh_script(&sb, &kb, "bob", "\"$(printf 'inf\\377o')\"");
    r.code(111).contains("not valid UTF-8");
    let r = ssh_script(
        &sb,
        &kb,
        "bob",
        "--json \"$(printf -- '--osh info \\377')\"",
    );
    r.code(111)
        .json_is(&[("/error_code", json!("KO_INVALID_ENCODING"))]);
    let aborts: Vec<_> = sb
        .events()
        .into_iter()
        .filter(|e| e.0 == "open" && field(e, "comment") == Some("invalid_encoding"))
        .collect();
    assert_eq!(aborts.len(), 2, "{aborts:?}");
    assert_eq!(field(&aborts[0], "cmdtype"), Some("abort"));
    assert_eq!(field(&aborts[0], "account"), Some("bob"));
    assert!(field(&aborts[0], "params").unwrap().starts_with("inf"));
}

#[test]
fn the_bastions_sshd_runs_one_session_per_connection_and_says_nothing_of_the_host() {
    if !can_run("the_bastions_sshd_runs_one_session_per_connection_and_says_nothing_of_the_host") {
        return;
    }
    let sb = Sandbox::start("sec-sshd");
    let t = sb.root_ok("sshd -T -C user=admin,host=localhost,addr=127.0.0.1");
    for line in [
        "maxsessions 1",
        "printmotd no",
        "permituserrc no",
        "clientaliveinterval 300",
    ] {
        assert!(t.lines().any(|l| l == line), "no {line} in:\n{t}");
    }
    let kex = t.lines().find(|l| l.starts_with("kexalgorithms ")).unwrap();
    assert!(
        kex.contains("sntrup761x25519-sha512@openssh.com") || kex.contains("mlkem768x25519-sha256"),
        "post-quantum key exchange is gone: {kex}"
    );

    // One multiplexed connection: the first session holds, the second is refused.
    let key = sb.admin_key();
    let opts = format!(
        "-i {} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
         -o BatchMode=yes -o ControlPath=/tmp/osh-mux -p 2222",
        key.display()
    );
    sb.root_ok(&format!(
        "ssh {opts} -o ControlMaster=yes -o ControlPersist=60 -N -f admin@127.0.0.1"
    ));
    sb.admin_reaches_target();
    let hold = sb.root(&format!(
        "(ssh {opts} -o ControlMaster=no admin@127.0.0.1 -- tuser@127.0.0.2 -p 2223 -- sleep 5 >/dev/null 2>&1 &) ; \
         sleep 1.5; ssh {opts} -o ControlMaster=no admin@127.0.0.1 -- --osh info"
    ));
    // (ssh then falls back to a connection of its own, which is fine: one
    // login, one session.)
    hold.contains("Session open refused by peer");
    // Without the held session, the same multiplexed connection serves again.
    // It ends on the bastion once its recorder has sealed and closed, a
    // moment after the target's command.
    osh_tests::wait_until("the held session to end", || {
        sb.root("pgrep -u tuser -x sleep || pgrep -f '^/opt/osh/bin/ttyrec'")
            .code
            != 0
    });
    sb.root(&format!(
        "ssh {opts} -o ControlMaster=no admin@127.0.0.1 -- --osh info"
    ))
    .code(0)
    .lacks("refused");
    let _ = sb.root(&format!("ssh {opts} -O exit admin@127.0.0.1"));

    // A terminal login shows no MOTD: not the kernel's name or version.
    let uname = sb.root_ok("uname -r");
    let r = sb.ssh_full(&key, "admin", &["-tt"], &["--osh", "info"], None);
    r.code(0).lacks(uname.trim()).lacks("GNU/Linux");
}

#[test]
fn egress_key_generation_is_one_at_a_time_and_bounded() {
    if !can_run("egress_key_generation_is_one_at_a_time_and_bounded") {
        return;
    }
    let sb = Sandbox::start("sec-keygen");
    let kb = sb.create_account("bob", 9060);
    // Above the configured maximum (maximumEgressRsaKeySize, 8192): refused.
    osh(
        &sb,
        &kb,
        "bob",
        &["selfGenerateEgressKey", "--algo", "rsa", "--size", "16384"],
    )
    .code(100)
    .json_is(&[("/error_code", json!("ERR_INVALID_PARAMETER"))]);
    // One long generation running: a second one is refused at once.
    let mut first = sb.ssh_background(
        &kb,
        "bob",
        &["-T"],
        &[
            "--osh",
            "selfGenerateEgressKey",
            "--algo",
            "rsa",
            "--size",
            "8192",
        ],
    );
    osh_tests::wait_until("the first generation to run", || {
        sb.root("pgrep -u bob -x ssh-keygen").code == 0
    });
    osh(
        &sb,
        &kb,
        "bob",
        &["selfGenerateEgressKey", "--algo", "ed25519"],
    )
    .code(100)
    .json_is(&[("/error_code", json!("KO_KEY_GENERATION_RUNNING"))]);
    // The client leaves: its generation is ended with it, and the next one runs.
    // (The client is nsenter's child: kill the ssh client itself.)
    sb.root_ok("pkill -KILL -f '^ssh -i .* bob@127.0.0.1 -- --osh selfGenerateEgressKey'");
    let _ = first.wait();
    osh_tests::wait_until("the first generation to end", || {
        sb.root("pgrep -u bob -x ssh-keygen").code != 0
    });
    osh(
        &sb,
        &kb,
        "bob",
        &["selfGenerateEgressKey", "--algo", "ed25519"],
    )
    .code(0)
    .json_is(&[("/error_code", json!("OK"))]);
}

/// The SHA-256 of `s`, in hex, as the cut marker gives it.
fn sha256_hex(s: &str) -> String {
    let out = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write as _;
            c.stdin.take().unwrap().write_all(s.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

#[test]
fn oversized_values_never_hide_anything_from_the_logs() {
    if !can_run("oversized_values_never_hide_anything_from_the_logs") {
        return;
    }
    let sb = Sandbox::start("sec-biglogs");
    sb.admin_reaches_target();
    // 100 KB of spaces, then the command that matters.
    let remote = format!("{}echo HIDDEN-$((6*7))", " ".repeat(100_000));
    sb.admin(&["tuser@127.0.0.2", "-p", "2223", "--", &remote])
        .code(0)
        .contains("HIDDEN-42");
    let big_arg = format!("--x{}", "y".repeat(100_000));
    sb.admin(&["--osh", "selfListAccesses", &big_arg]).code(100);

    // syslog: every datagram within what daemons keep, every event whole.
    let raw = sb.syslog();
    for l in raw.lines() {
        assert!(l.len() <= 8096, "a {}-byte datagram", l.len());
    }
    let ev = sb.events();
    let ssh_open = ev
        .iter()
        .rev()
        .find(|e| e.0 == "open" && field(e, "cmdtype") == Some("ssh"))
        .expect("the open event");
    let id = field(ssh_open, "uniqid").unwrap();
    let cut = field(ssh_open, "params").unwrap();
    assert!(cut.contains("...[cut "), "{cut}");
    let close = ev
        .iter()
        .find(|e| e.0 == "close" && field(e, "uniqid") == Some(id))
        .expect("the close event");
    assert_eq!(field(close, "sysret"), Some("0"));
    assert!(!field(close, "duration").unwrap_or("").is_empty());
    assert!(field(close, "comment_close").is_some());
    let plugin_close = ev
        .iter()
        .rev()
        .find(|e| e.0 == "close" && field(e, "plugin") == Some("selfListAccesses"))
        .expect("the plugin's close event");
    assert!(field(plugin_close, "params").unwrap().contains("...[cut "));
    assert!(!field(plugin_close, "sysret").unwrap().is_empty());

    // The local access logs keep the whole line; the marker's hash names it.
    let month = sb.root_ok("date +%Y%m");
    let global = sb.root_ok(&format!(
        "cat /home/logkeeper/global-log-{}.log",
        month.trim()
    ));
    let line = global
        .lines()
        .find(|l| l.contains(&format!("uniqid=\"{id}\"")) && l.contains(" open "))
        .expect("the open line in the global log");
    // `Www Mmm dd HH:MM:SS YYYY open ...`: the event starts after the date.
    let event = &line[line.find(" open ").unwrap() + 1..];
    let (_, fields) = osh_core::log::parse_line(event).unwrap();
    let full = &fields.iter().find(|(k, _)| k == "params").unwrap().1;
    assert!(full.ends_with("echo HIDDEN-$((6*7))"), "not whole");
    assert!(
        cut.ends_with(&format!("sha256:{}]", sha256_hex(full))),
        "{cut}"
    );
    let account = sb.root_ok(&format!("cat /home/admin/admin-log-{}.log", month.trim()));
    assert!(account.contains(&format!("close uniqid=\"{id}\"")));
    // Modes: the global log is the logkeeper's (written by osh-globallog), the account's its own.
    let modes = sb.root_ok(&format!(
        "stat -c '%a %G' /home/logkeeper/global-log-{m}.log /home/admin/admin-log-{m}.log",
        m = month.trim()
    ));
    assert_eq!(modes, "640 logkeeper\n640 admin\n");
}

#[test]
fn bastion_events_are_accepted_only_from_who_may_send_them() {
    if !can_run("bastion_events_are_accepted_only_from_who_may_send_them") {
        return;
    }
    let sb = Sandbox::start("sec-syslog");
    let r = sb.admin(&["--osh", "info"]);
    r.code(0);
    // A local user who is no bastion account forges an event with logger.
    sb.root_ok("useradd -u 1500 -m -s /bin/sh mallory");
    sb.root_ok(
        "runuser -u mallory -- logger -t bastion 'open account=\"admin\" allowed=\"true\" comment=\"FORGED-1\"'; \
         runuser -u mallory -- logger -t bastion 'die msg=\"FORGED-2\"'",
    );
    osh_tests::wait_until("the forged lines to be filed", || {
        sb.root("grep -c FORGED /var/log/bastion/bastion-forged.log")
            .stdout
            .trim()
            == "2"
    });
    let genuine = sb.root_ok(
        "cat /var/log/bastion/bastion.log /var/log/bastion/bastion-die.log 2>/dev/null; true",
    );
    assert!(
        !genuine.contains("FORGED"),
        "a forged event was accepted:\n{genuine}"
    );
    // The real events are there, from osh's own binaries.
    let open = sb
        .events()
        .into_iter()
        .rev()
        .find(|e| e.0 == "open" && field(e, "plugin") == Some("info"))
        .unwrap();
    let id = field(&open, "uniqid").unwrap().to_owned();
    assert!(
        genuine.contains(&format!("open uniqid=\"{id}\"")),
        "{genuine}"
    );
    assert!(
        genuine.contains(&format!("close uniqid=\"{id}\"")),
        "{genuine}"
    );
}

#[test]
fn who_can_be_root_is_shown_whole_to_whom_it_is_granted() {
    if !can_run("who_can_be_root_is_shown_whole_to_whom_it_is_granted") {
        return;
    }
    let sb = Sandbox::start("root-keys");
    let kb = sb.create_account("bob", 9030);
    let ops = Sandbox::pubkey(&sb.new_key("ops", "ed25519"));
    let backup = Sandbox::pubkey(&sb.new_key("backup", "ecdsa"));
    // Root's files in the sandbox (an overlay: the host's are not touched):
    // a key, a key with options, a line that is no key, a key in authorized_keys2.
    sb.root_ok(&format!(
        "mkdir -p -m 700 /root/.ssh && printf '%s\\n' '# ops' '{ops}' 'from=\"10.0.0.0/8\" {backup}' 'restrict,command=\"x\" not-a-type AAAA' \
         > /root/.ssh/authorized_keys && printf '%s\\n' '{ops}' > /root/.ssh/authorized_keys2"
    ));
    let list = ["--json-greppable", "--osh", "rootListIngressKeys"];
    sb.ssh(&kb, "bob", &list).code(106);
    sb.grant("bob", "rootListIngressKeys");
    let r = sb.ssh(&kb, "bob", &list);
    r.code(0);
    let v = r.json();
    let keys = v["value"]["keys"].as_array().expect("keys");
    let validity: Vec<(&str, &str)> = keys
        .iter()
        .map(|k| (k["file"].as_str().unwrap(), k["validity"].as_str().unwrap()))
        .collect();
    assert_eq!(
        validity,
        [
            ("/root/.ssh/authorized_keys", "OK"),
            ("/root/.ssh/authorized_keys", "OK"),
            ("/root/.ssh/authorized_keys", "KO_NOT_A_KEY"),
            ("/root/.ssh/authorized_keys2", "OK"),
        ],
        "{r}"
    );
    assert_eq!(v["value"]["account"], "root");
    // The fingerprints are ssh-keygen's, and the person reading sees them.
    let fp = sb.root_ok("ssh-keygen -lf /root/.ssh/authorized_keys2 | cut -d' ' -f2");
    assert_eq!(keys[3]["fingerprint"].as_str(), Some(fp.trim()), "{r}");
    assert!(
        r.stdout.contains(fp.trim()) && r.stdout.contains("not-a-type"),
        "{r}"
    );
    assert_eq!(keys[1]["from_list"], json!(["10.0.0.0/8"]), "{r}");
}
