//! Recorded egress through real ssh: the bastion's sshd, osh, the recorder and
//! a target sshd on 127.0.0.2:2223. Ports the connection assertions of The
//! Bastion's tests/functional/tests.d/340-selfaccesses.sh that apply.

use std::time::Duration;

use osh_tests::{Sandbox, TARGET_ACCESS, can_run, field, wait_until};
use serde_json::json;

#[test]
fn egress() {
    if !can_run("egress") {
        return;
    }
    let sb = Sandbox::start("egress");
    let key = sb.admin_key();
    let a0 = |args: &[&str]| sb.admin(args);
    let go = |args: &[&str]| sb.ssh(&key, "admin", args);

    // No access yet: 107, nothing ran.
    go(&["tuser@127.0.0.2", "-p", "2223", "--", "touch", "/tmp/ran"])
        .code(107)
        .contains("Access denied for admin");
    assert!(sb.root("test -e /tmp/ran").code != 0);

    // 340: add a personal access; again is OK_NO_CHANGE.
    a0(&TARGET_ACCESS).code(0).json_is(&[
        ("/value/ip", json!("127.0.0.2")),
        ("/value/user", json!("tuser")),
        ("/value/port", json!(2223)),
    ]);
    a0(&TARGET_ACCESS)
        .code(0)
        .json_is(&[("/error_code", json!("OK_NO_CHANGE"))]);
    a0(&["--osh", "selfListAccesses"]).code(0).json_is(&[
        ("/value/0/acl/0/ip", json!("127.0.0.2")),
        ("/value/0/acl/0/addedBy", json!("admin")),
    ]);
    // The target's host key: accepted on first use for this account.
    a0(&[
        "--osh",
        "accountModify",
        "--account",
        "admin",
        "--egress-strict-host-key-checking",
        "accept-new",
    ])
    .code(0);

    // The remote command runs; its output and exit code come back (340: exit 43).
    let r = go(&[
        "tuser@127.0.0.2",
        "-p",
        "2223",
        "--",
        "echo",
        "hello-from-target;",
        "id",
        "-un;",
        "exit",
        "43",
    ]);
    r.code(43);
    assert_eq!(r.stdout, "hello-from-target\ntuser\n", "{r}");
    assert!(r.stderr.contains("allowed ... log on("), "{r}");

    // It was recorded: one file in ~/ttyrec/127.0.0.2/, mode 0600, playable, byte for byte.
    let files = sb.root_ok("ls /home/admin/ttyrec/127.0.0.2/");
    let rec = files
        .lines()
        .find(|l| l.ends_with(".ttyrec"))
        .expect("a recording")
        .to_owned();
    assert!(rec.contains(".admin.tuser.127.0.0.2.2223.ttyrec"), "{rec}");
    let path = format!("/home/admin/ttyrec/127.0.0.2/{rec}");
    assert_eq!(
        sb.root_ok(&format!("stat -c %a:%U {path}")).trim(),
        "600:admin"
    );
    let played = sb.root_ok(&format!("ttyplay -n {path}"));
    assert!(played.contains("hello-from-target\ntuser\n"), "{played}");
    // Events: open with the recorder's and ssh's command line, close with the exit code.
    let ev = sb.events();
    let open = ev
        .iter()
        .find(|e| {
            e.0 == "open"
                && field(e, "cmdtype") == Some("ssh")
                && field(e, "allowed") == Some("true")
        })
        .expect("open");
    let params = field(open, "params").unwrap();
    assert!(
        params.starts_with("/opt/osh/bin/ttyrec -f /home/admin/ttyrec/127.0.0.2/")
            && params.contains(
                "/usr/bin/ssh 127.0.0.2 -l tuser -p 2223 -i /home/admin/.ssh/id_ecdsa521_private."
            ),
        "{params}"
    );
    assert!(
        params.contains("-o ProxyCommand=none") && params.contains("-- echo hello-from-target;"),
        "{params}"
    );
    let id = field(open, "uniqid").unwrap();
    assert!(rec.contains(id));
    let close = ev
        .iter()
        .find(|e| e.0 == "close" && field(e, "uniqid") == Some(id))
        .expect("close");
    assert_eq!(field(close, "sysret"), Some("43"));
    assert_eq!(
        (
            field(close, "ip_to"),
            field(close, "port_to"),
            field(close, "user")
        ),
        (Some("127.0.0.2"), Some("2223"), Some("tuser"))
    );

    // With -t the remote command has a terminal, recorded through the pty.
    let t = sb.ssh_full(
        &key,
        "admin",
        &["-tt"],
        &["-t", "tuser@127.0.0.2", "-p", "2223", "--", "tty"],
        None,
    );
    t.code(0).contains("/dev/pts/");

    // Positive control, then the same shape with option-looking hosts and users: refused, nothing ran.
    go(&[
        "tuser@127.0.0.2",
        "-p",
        "2223",
        "--",
        "touch",
        "/tmp/control",
    ])
    .code(0);
    assert_eq!(
        sb.root("test -e /tmp/control").code,
        0,
        "the positive control did not run"
    );
    for (args, code) in [
        (&["-oProxyCommand=touch /tmp/pwned", "-p", "2223"][..], 128),
        (
            &[
                "--user",
                "-oProxyCommand=touch /tmp/pwned",
                "127.0.0.2",
                "-p",
                "2223",
            ],
            127,
        ),
        (&["-oProxyCommand=touch@127.0.0.2", "-p", "2223"], 127),
        (&["--host", "-F/etc/passwd", "-p", "2223"], 128),
    ] {
        let mut a = vec!["--json-greppable"];
        a.extend_from_slice(args);
        let r = go(&a);
        assert_eq!(r.code, code, "{args:?}\n{r}");
    }
    assert!(
        sb.root("test -e /tmp/pwned").code != 0,
        "an injected command ran"
    );

    // Failures are classified: a user whose keys don't match -> 255, permission_denied.
    a0(&[
        "--osh",
        "selfAddPersonalAccess",
        "--host",
        "127.0.0.2",
        "--user",
        "nobody",
        "--port",
        "2223",
        "--force",
    ])
    .code(0);
    go(&["nobody@127.0.0.2", "-p", "2223", "--", "true"])
        .code(255)
        .contains("Permission denied (publickey");
    let ev = sb.events();
    let last = ev
        .iter()
        .rev()
        .find(|e| e.0 == "close" && field(e, "user") == Some("nobody"))
        .expect("close");
    assert_eq!(field(last, "comment_close"), Some("permission_denied"));

    // IPv6 disabled by default: 133. A subnet as a target: 128.
    go(&["--json", "::1"])
        .code(133)
        .json_is(&[("/error_code", json!("KO_IP_VERSION_DISABLED"))]);
    go(&["127.0.0.0/24"]).code(128);

    // widest_v4_prefix (plugin config) refuses wide grants; the helper checks it too.
    sb.root_ok(
        "echo '{\"widest_v4_prefix\": 24}' > /etc/bastion/plugin.selfAddPersonalAccess.conf",
    );
    a0(&[
        "--osh",
        "selfAddPersonalAccess",
        "--host",
        "10.0.0.0/16",
        "--user-any",
        "--port-any",
    ])
    .code(100);
    a0(&[
        "--osh",
        "selfAddPersonalAccess",
        "--host",
        "10.1.2.0/24",
        "--user-any",
        "--port-any",
    ])
    .code(0);

    // An exact-IP line beats a containing subnet, and its forced key wins.
    let egress = a0(&["--osh", "selfListEgressKeys"]);
    egress.code(0).contains("keyline");
    let fp = egress.json()["value"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    assert_eq!(egress.json()["value"][&fp]["family"], "ECDSA");
    assert_eq!(egress.json()["value"][&fp]["size"], 521);
    a0(&[
        "--osh",
        "selfDelPersonalAccess",
        "--host",
        "127.0.0.2",
        "--user",
        "tuser",
        "--port",
        "2223",
    ])
    .code(0);
    a0(&[
        "--osh",
        "selfAddPersonalAccess",
        "--host",
        "127.0.0.0/24",
        "--user",
        "tuser",
        "--port",
        "2223",
        "--force-key",
        "SHA256:notAKeyWeHave",
        "--force",
    ])
    .code(0);
    go(&["tuser@127.0.0.2", "-p", "2223", "--", "true"])
        .code(107)
        .contains("No egress key is usable");
    a0(&[&TARGET_ACCESS[..], &["--force-key", &fp]].concat()).code(0);
    go(&["tuser@127.0.0.2", "-p", "2223", "--", "true"])
        .code(0)
        .contains(&format!("key {fp} ["))
        .contains("(KEY FORCED IN ACL)");

    // Killing the recorder ends the client's session and the egress ssh; close is still written.
    let mut client = sb.ssh_background(
        &key,
        "admin",
        &[],
        &["tuser@127.0.0.2", "-p", "2223", "--", "sleep", "300"],
    );
    wait_until("the remote command to start", || {
        sb.root("pgrep -u tuser -f 'sleep 300'").code == 0
    });
    // While it runs, the session's parent is the small osh-connect: osh itself
    // has become it, and the recorder is its child.
    let parent = sb.root_ok("ps -o comm= -p $(ps -o ppid= -p $(pgrep -u admin -x ttyrec))");
    assert_eq!(parent.trim(), "osh-connect");
    assert!(sb.root("pgrep -u admin -x osh").code != 0, "osh stayed");
    sb.root_ok("pkill -KILL -u admin -x ttyrec");
    wait_until("the client's session to end with its recorder", || {
        matches!(client.try_wait(), Ok(Some(_)))
    });
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        sb.root("pgrep -u admin -x ssh").code != 0,
        "the egress ssh survived its recorder"
    );
    let ev = sb.events();
    let killed = ev
        .iter()
        .rev()
        .find(|e| e.0 == "close" && field(e, "cmdtype") == Some("ssh"))
        .expect("close after kill");
    // A signal ended it: the signal is named, and there is no exit code.
    assert_eq!(field(killed, "sysret"), Some(""), "{killed:?}");
    assert_eq!(field(killed, "signal"), Some("SIGKILL"), "{killed:?}");
    assert!(
        field(killed, "comment_close")
            .unwrap()
            .starts_with("ttyrec_error"),
        "{killed:?}"
    );

    // An osh-only account may run commands but never connect anywhere.
    let k = sb.create_account("oshonly", 9060);
    sb.admin(&[
        "--osh",
        "accountModify",
        "--account",
        "oshonly",
        "--osh-only",
        "yes",
    ])
    .code(0);
    sb.ssh(&k, "oshonly", &["--json", "tuser@127.0.0.2"])
        .code(107)
        .contains("right to connect anywhere");
}
