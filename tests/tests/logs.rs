//! What reaches the sandbox's real syslog daemon: field order, the RFC 3164
//! datagram, values that try to forge fields or lines, and the events of a
//! refused connection. Also: hosts and users that look like ssh options.

use osh_tests::{Sandbox, can_run, field};
use serde_json::json;

const OPEN_FIELDS: &[&str] = &[
    "uniqid",
    "version",
    "pid",
    "ppid",
    "sysuser",
    "sudo_user",
    "uid",
    "gid",
    "account",
    "cmdtype",
    "allowed",
    "ip_from",
    "port_from",
    "host_from",
    "ip_bastion",
    "port_bastion",
    "host_bastion",
    "user",
    "ip_to",
    "port_to",
    "host_to",
    "plugin",
    "globalsql",
    "accountsql",
    "comment",
    "params",
    "proxyuser",
    "proxyip",
    "proxyhost",
    "proxyport",
];
const CLOSE_EXTRA: &[&str] = &[
    "sysret",
    "signal",
    "comment_close",
    "duration",
    "accountsql_close",
];

#[test]
fn logs() {
    if !can_run("logs") {
        return;
    }
    let sb = Sandbox::start("logs");

    // A plugin call: an open and a close with the same uniqid, fields in order.
    sb.admin(&["--osh", "info"]).code(0);
    let events = sb.events();
    let open = events
        .iter()
        .find(|e| e.0 == "open" && field(e, "plugin") == Some("info"))
        .expect("open event");
    let id = field(open, "uniqid").unwrap();
    assert!(
        id.len() == 12 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{id}"
    );
    let close = events
        .iter()
        .find(|e| e.0 == "close" && field(e, "uniqid") == Some(id))
        .expect("close event");
    let keys = |e: &(String, Vec<(String, String)>)| {
        e.1.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>()
    };
    assert_eq!(keys(open), OPEN_FIELDS);
    assert_eq!(keys(close), [OPEN_FIELDS, CLOSE_EXTRA].concat());
    for (k, v) in [
        ("account", "admin"),
        ("sysuser", "admin"),
        ("cmdtype", "osh"),
        ("allowed", "true"),
        ("ip_from", "127.0.0.1"),
        ("ip_bastion", "127.0.0.1"),
        ("port_bastion", "2222"),
        ("comment", "plugin-open"),
        ("version", "0.1.0"),
    ] {
        assert_eq!(field(open, k), Some(v), "{k} in {open:?}");
    }
    assert_eq!(field(close, "sysret"), Some("0"));
    assert!(field(close, "duration").unwrap().parse::<f64>().is_ok());
    // The datagram: <local7.info>Mmm dd HH:MM:SS bastion: open ...
    let raw = sb.syslog();
    let line = raw
        .lines()
        .find(|l| l.contains(&format!("open uniqid=\"{id}\"")))
        .unwrap();
    let (pri, rest) = line.split_once('>').unwrap();
    assert_eq!(pri, "<190");
    assert_eq!(&rest[15..25], " bastion: ", "{line}");
    assert!(
        rest[..3].chars().all(|c| c.is_ascii_alphabetic())
            && &rest[6..7] == " "
            && &rest[9..10] == ":",
        "{line}"
    );

    // Values built to forge a field or a whole line stay inside their field.
    let evil = "evil\" account=\"root\" allowed=\"true\"\n<13>Nov 22 00:00:00 bastion: open forged=\"1\" \\ end";
    let quoted = format!("'{evil}'");
    sb.admin(&[
        "--osh",
        "accountCreate",
        "--account",
        "mallory",
        "--uid-auto",
        "--no-key",
        "--comment",
        &quoted,
    ])
    .code(0);
    sb.admin(&[
        "--osh",
        "accountFreeze",
        "--account",
        "mallory",
        "--reason",
        &quoted,
    ])
    .code(0);
    let events = sb.events();
    let created = events
        .iter()
        .find(|e| {
            e.0 == "account"
                && field(e, "action") == Some("create")
                && field(e, "account") == Some("mallory")
        })
        .expect("account event");
    assert_eq!(field(created, "comment"), Some(evil));
    assert_eq!(field(created, "account"), Some("mallory"));
    assert_eq!(field(created, "sudo_user"), Some("admin"));
    let frozen = events
        .iter()
        .find(|e| e.0 == "account" && field(e, "action") == Some("freeze"))
        .expect("freeze event");
    assert_eq!(field(frozen, "comment"), Some(evil));
    assert_eq!(field(frozen, "sysuser"), Some("allowkeeper"));
    let plugin_open = events
        .iter()
        .find(|e| e.0 == "open" && field(e, "plugin") == Some("accountCreate"))
        .unwrap();
    assert!(field(plugin_open, "params").unwrap().contains(evil));
    // The helper's event carries the uniqid of the plugin call that ran it (through sudo).
    assert_eq!(field(created, "uniqid"), field(plugin_open, "uniqid"));
    let raw = sb.syslog();
    assert!(
        !raw.lines().any(|l| l.starts_with("<13>")),
        "a forged line reached syslog:\n{raw}"
    );
    assert!(
        !events.iter().any(|e| field(e, "forged").is_some()),
        "a forged field reached syslog"
    );
    // The frozen reason is shown to the user with control characters made visible.
    sb.admin(&["--osh", "accountInfo", "--account", "mallory"])
        .json_is(&[("/value/freeze_info/reason", json!(evil))]);

    // A refused connection: an ssh event with allowed=false, then an abort event.
    let r = sb.admin(&["tuser@127.0.0.2", "-p", "2223", "--", "id"]);
    r.code(107)
        .json_is(&[
            ("/error_code", json!("KO_ACCESS_DENIED")),
            ("/command", json!(null)),
        ])
        .lacks("uid=");
    let events = sb.events();
    let denied = events
        .iter()
        .rev()
        .find(|e| e.0 == "open" && field(e, "cmdtype") == Some("ssh"))
        .expect("ssh event");
    for (k, v) in [
        ("allowed", "false"),
        ("user", "tuser"),
        ("ip_to", "127.0.0.2"),
        ("port_to", "2223"),
        ("account", "admin"),
    ] {
        assert_eq!(field(denied, k), Some(v), "{k} in {denied:?}");
    }
    let id = field(denied, "uniqid").unwrap();
    let abort = events.iter().find(|e| {
        e.0 == "open" && field(e, "cmdtype") == Some("abort") && field(e, "uniqid") == Some(id)
    });
    assert_eq!(
        abort.and_then(|a| field(a, "comment")),
        Some("access_denied")
    );

    // Hosts and users that look like ssh options, or hold spaces, quotes and
    // newlines, are refused; nothing is executed.
    let cases: &[(&[&str], i32)] = &[
        (&["-oProxyCommand=touch /tmp/pwned"], 128),
        (&["--host", "-F/etc/passwd"], 128),
        (&["--host", "'-oProxyCommand=touch /tmp/pwned'"], 128),
        (&["--user", "-oProxyCommand=touch", "127.0.0.2"], 127),
        (&["'-F/etc/passwd@127.0.0.2'"], 127),
        (&["'a b@127.0.0.2'"], 127),
        (&["'127.0.0.2 -oX'"], 128),
        (&["'ho\"st'"], 128),
        (&["'ho\nst'"], 128),
        (&["10.0.0.0/8"], 128),
        (&["--unknown-option"], 111),
    ];
    for (args, code) in cases {
        let mut a = vec!["--json-greppable"];
        a.extend_from_slice(args);
        let r = sb.ssh(&sb.admin_key(), "admin", &a);
        assert_eq!(r.code, *code, "{args:?}\n{r}");
        assert_eq!(r.json()["command"], json!(null));
    }
    assert!(
        sb.root("test -e /tmp/pwned").code != 0,
        "an injected command ran"
    );
}
