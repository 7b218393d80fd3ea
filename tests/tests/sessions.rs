//! The SQLite session logs (read with the sqlite3 tool, not only our code),
//! every sink agreeing on a session, the session listings and replays, and
//! the `die` event of a panic.

use osh_tests::{Sandbox, can_run, field};
use serde_json::{Value, json};

type Ev = (String, Vec<(String, String)>);

fn uniqid_of(events: &[Ev], pred: impl Fn(&Ev) -> bool) -> String {
    events
        .iter()
        .rev()
        .find(|e| pred(e))
        .and_then(|e| field(e, "uniqid"))
        .unwrap_or_else(|| panic!("no such event in {events:?}"))
        .to_owned()
}

/// `sqlite3 -json DB SQL` inside the sandbox, as an admin would read it.
fn sql(sb: &Sandbox, db: &str, query: &str) -> Vec<Value> {
    let out = sb.root_ok(&format!("sqlite3 -json {db} \"{query}\""));
    if out.trim().is_empty() {
        return Vec::new();
    }
    serde_json::from_str::<Value>(&out)
        .unwrap_or_else(|e| panic!("{e}: {out}"))
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn every_sink_holds_the_session_and_the_listings_find_it() {
    if !can_run("every_sink_holds_the_session_and_the_listings_find_it") {
        return;
    }
    let sb = Sandbox::start("sessions-sinks");
    sb.admin_reaches_target();
    let month = sb.root_ok("date +%Y%m").trim().to_owned();
    let adb = format!("/home/admin/admin-log-{month}.sqlite");
    let gdb = format!("/home/logkeeper/global-log-{month}.sqlite");
    let go = |args: &[&str]| sb.ssh(&sb.admin_key(), "admin", args);

    // An egress session, a denied one, and a plugin call with every byte that
    // could break a line.
    go(&["tuser@127.0.0.2", "-p", "2223", "--", "echo hello; exit 43"]).code(43);
    go(&["nobody@127.0.0.2", "-p", "2223", "--", "true"]).code(107);
    let nasty = "q\"uote back\\slash\nnew\x1bline";
    // Single-quoted, as a user's shell script would send it.
    sb.admin(&["--osh", "info", &format!("'{nasty}'")]).code(0);
    let ev = sb.events();
    let ok = uniqid_of(&ev, |e| {
        e.0 == "close" && field(e, "user") == Some("tuser") && field(e, "sysret") == Some("43")
    });
    let denied = uniqid_of(&ev, |e| {
        e.0 == "open" && field(e, "allowed") == Some("false") && field(e, "user") == Some("nobody")
    });
    let plugin = uniqid_of(&ev, |e| {
        e.0 == "close" && field(e, "plugin") == Some("info")
    });

    // Syslog says every database took it (its seals are events of their own).
    for e in ev
        .iter()
        .filter(|e| e.0 != "seal" && field(e, "uniqid") == Some(ok.as_str()))
    {
        assert_eq!(field(e, "globalsql"), Some("ok"), "{e:?}");
        assert_eq!(field(e, "accountsql"), Some("ok"), "{e:?}");
        if e.0 == "close" {
            assert_eq!(field(e, "accountsql_close"), Some("ok"), "{e:?}");
        }
    }

    // The account's database, read by sqlite3: the row completed at close,
    // the raw wait status, the recording's path.
    let row = &sql(
        &sb,
        &adb,
        &format!("SELECT * FROM connections WHERE uniqid='{ok}'"),
    )[0];
    assert_eq!(row["cmdtype"], "ssh");
    assert_eq!(row["allowed"], 1);
    assert_eq!(row["returnvalue"], 43 << 8);
    assert_eq!(row["user"], "tuser");
    assert_eq!(row["ipto"], "127.0.0.2");
    assert_eq!(row["portto"], 2223);
    assert!(row["timestampend"].as_i64() >= row["timestamp"].as_i64());
    let rec = row["ttyrecfile"].as_str().expect("ttyrecfile").to_owned();
    assert!(sb.root(&format!("test -s '{rec}'")).code == 0, "{rec}");
    // The denial: an ssh row with allowed=0 and an abort row, same uniqid, never closed.
    let d = sql(
        &sb,
        &adb,
        &format!(
            "SELECT cmdtype, allowed, timestampend FROM connections WHERE uniqid='{denied}' ORDER BY id"
        ),
    );
    assert_eq!(
        d,
        [
            json!({"cmdtype": "ssh", "allowed": 0, "timestampend": null}),
            json!({"cmdtype": "abort", "allowed": null, "timestampend": null})
        ]
    );
    // The plugin's params, stored as they were sent; the syslog line has them escaped.
    let p = &sql(
        &sb,
        &adb,
        &format!("SELECT params FROM connections WHERE uniqid='{plugin}'"),
    )[0];
    assert_eq!(p["params"], nasty);
    let line = sb
        .syslog()
        .lines()
        .find(|l| l.contains(&format!("open uniqid=\"{plugin}\"")))
        .expect("the plugin's open line")
        .to_owned();
    assert!(
        line.contains(r#"params="q\"uote back\\slash\x0anew\x1bline""#),
        "{line}"
    );
    let flat = sb.root_ok(&format!("grep -h 'open uniqid=\"{plugin}\"' /home/admin/admin-log-{month}.log /home/logkeeper/global-log-{month}.log"));
    assert_eq!(flat.lines().count(), 2, "{flat}");
    assert!(
        flat.lines()
            .all(|l| l.ends_with(line.split_once("bastion: ").map_or("", |x| x.1)))
    );

    // The global database: one summary row per open, none for the close.
    let g = sql(
        &sb,
        &gdb,
        &format!(
            "SELECT account, cmdtype, allowed, ipto, portto, user FROM connections_summary WHERE uniqid IN ('{ok}','{denied}') ORDER BY id"
        ),
    );
    assert_eq!(g.len(), 3, "{g:?}");
    assert_eq!(
        g[0],
        json!({"account": "admin", "cmdtype": "ssh", "allowed": 1, "ipto": "127.0.0.2", "portto": 2223, "user": "tuser"})
    );
    // Schemas and versions as The Bastion's tools expect them.
    assert_eq!(
        sb.root_ok(&format!("sqlite3 {adb} 'PRAGMA user_version'"))
            .trim(),
        "2"
    );
    assert_eq!(
        sb.root_ok(&format!("sqlite3 {gdb} 'PRAGMA journal_mode'"))
            .trim(),
        "wal"
    );
    // The global files are the logkeeper's: no account can rewrite them...
    for f in [
        gdb.clone(),
        format!("/home/logkeeper/global-log-{month}.log"),
    ] {
        assert_eq!(
            sb.root_ok(&format!("stat -c '%U:%G %a' {f}")).trim(),
            "logkeeper:logkeeper 640",
            "{f}"
        );
    }
    let tamper = sb.root(&format!(
        "runuser -u admin -- sqlite3 {gdb} \"DELETE FROM connections_summary\"; runuser -u admin -- sh -c ': > /home/logkeeper/global-log-{month}.log'"
    ));
    assert!(
        tamper.all().contains("unable to open") || tamper.all().contains("denied"),
        "{tamper}"
    );
    assert_eq!(
        g.len(),
        sql(
            &sb,
            &gdb,
            &format!("SELECT id FROM connections_summary WHERE uniqid IN ('{ok}','{denied}')")
        )
        .len()
    );
    // ...and their writer takes an account's own events only.
    let forged = format!(
        r#"{{"kind":"open","fields":[["uniqid","0123456789ab"],["sysuser","admin"],["uid","{uid}"],["account","admin"],["cmdtype","ssh"]]}}"#,
        uid = sb.root_ok("id -u admin").trim()
    );
    let _kb = sb.create_account("bob", 9500);
    let r = sb.root(&format!(
        "echo '{forged}' | runuser -u bob -- /opt/osh/bin/osh-globallog"
    ));
    assert!(r.stdout.contains("another account"), "{r}");
    assert!(
        sql(
            &sb,
            &gdb,
            "SELECT id FROM connections_summary WHERE uniqid='0123456789ab'"
        )
        .is_empty()
    );

    // selfListSessions: the filters, in The Bastion's shapes, newest first.
    let list = |args: &[&str]| {
        let mut a = vec!["--osh", "selfListSessions"];
        a.extend_from_slice(args);
        let r = sb.admin(&a);
        r.code(0);
        r.json()
    };
    let ids = |v: &Value| -> Vec<String> {
        v["value"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s["id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let all = list(&[]);
    let every = ids(&all);
    assert!(
        every.contains(&ok) && every.contains(&denied) && every.contains(&plugin),
        "{all}"
    );
    let ssh = list(&["--type", "ssh", "--allowed"]);
    assert_eq!(ids(&ssh)[0], ok, "{ssh}");
    assert!(
        ssh["value"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["type"] == "ssh" && s["allowed"] == 1)
    );
    let first = &ssh["value"][0];
    assert_eq!(first["returned"], 43 << 8);
    assert_eq!(
        first["to"],
        json!({"ip": "127.0.0.2", "port": 2223, "host": "127.0.0.2"})
    );
    assert_eq!(first["via"]["user"], "admin");
    assert_eq!(first["params"], Value::Null);
    assert!(first["timestamp_ended"].as_f64() > Some(0.0));
    assert!(
        ids(&list(&["--denied"])).iter().all(|i| i == &denied),
        "denied"
    );
    assert_eq!(
        ids(&list(&[
            "--host",
            "127.0.0.2",
            "--user",
            "nobody",
            "--type",
            "ssh"
        ])),
        vec![denied.clone()]
    );
    assert_eq!(ids(&list(&["--id", &ok])), vec![ok.clone()]);
    assert_eq!(ids(&list(&["--to-port", "2223", "--limit", "1"])).len(), 1);
    let text = sb.admin(&["--osh", "selfListSessions", "--detailed", "--id", &ok]);
    text.contains(&format!("{ok} ["))
        .contains("type ssh from 127.0.0.1:")
        .contains("to tuser@127.0.0.2:2223(127.0.0.2) returned 11008");
    // The running session shows as such: this very call.
    let me = list(&["--type", "osh", "--limit", "1"]);
    assert_eq!(me["value"][0]["plugin"], "selfListSessions");
    assert_eq!(me["value"][0]["timestamp_ended"], 0);
    assert_eq!(me["value"][0]["returned"], Value::Null);
    // Bad input: clear errors.
    sb.admin(&["--osh", "selfListSessions", "--after", "yesterday"])
        .code(100)
        .json_is(&[("/error_code", json!("ERR_INVALID_PARAMETER"))]);
    sb.admin(&["--osh", "selfListSessions", "--account", "bob"])
        .code(100)
        .json_is(&[("/error_code", json!("ERR_BAD_OPTIONS"))]);

    // Two months: last month's database is read too, --before/--after split them.
    let prev = sb
        .root_ok("date -d \"$(date +%Y-%m-01) -1 day\" +%Y%m")
        .trim()
        .to_owned();
    let pdb = format!("/home/admin/admin-log-{prev}.sqlite");
    sb.root_ok(&format!(
        "cp {adb} {pdb} && sqlite3 {pdb} \"DELETE FROM connections WHERE uniqid <> '{ok}'; UPDATE connections SET uniqid='00000000a1d5', timestamp=timestamp-40*86400, timestampend=timestampend-40*86400\" && chown admin: {pdb}"
    ));
    let this_month = sb
        .root_ok("date -d \"$(date +%Y-%m-01)\" +%s")
        .trim()
        .to_owned();
    assert_eq!(ids(&list(&["--before", &this_month])), ["00000000a1d5"]);
    let after = ids(&list(&["--after", &this_month, "--type", "ssh"]));
    assert!(
        after.contains(&ok) && !after.contains(&"00000000a1d5".to_owned()),
        "{after:?}"
    );
    assert_eq!(
        ids(&list(&["--type", "ssh", "--allowed"]))
            .last()
            .map(String::as_str),
        Some("00000000a1d5")
    );

    // selfPlaySession, without a terminal: the recorded output, byte for byte.
    let recorded: Vec<u8> = {
        let raw = sb.root_ok(&format!("base64 -w0 '{rec}'"));
        let bytes = base64_decode(raw.trim());
        osh_ttyrec::read_all(&bytes)
            .0
            .into_iter()
            .flat_map(|f| f.data)
            .collect()
    };
    assert!(String::from_utf8_lossy(&recorded).contains("hello"));
    let played = sb.ssh(
        &sb.admin_key(),
        "admin",
        &["--osh", "selfPlaySession", "--id", &ok],
    );
    played
        .code(0)
        .contains(&format!("ID       : {ok}"))
        .contains("To       : tuser@127.0.0.2:2223")
        .contains("Total Recall")
        .lacks("n/a");
    assert!(
        played
            .stdout
            .as_bytes()
            .windows(recorded.len())
            .any(|w| w == recorded.as_slice()),
        "the replay differs from the recording:\n{played}"
    );
    sb.admin(&["--osh", "selfPlaySession", "--id", "0123456789ab"])
        .code(100)
        .json_is(&[("/error_code", json!("ERR_NOT_FOUND"))]);
    // As The Bastion's 350-groups asserts: any id it does not have is not found.
    for id in ["0;DROP--", "123456"] {
        sb.admin(&["--osh", "selfPlaySession", "--id", id])
            .code(100)
            .json_is(&[("/error_code", json!("ERR_NOT_FOUND"))]);
    }
    // Gone recordings are said.
    sb.admin(&["--osh", "selfPlaySession", "--id", "00000000a1d5"])
        .code(100)
        .contains("is gone");
}

#[test]
fn a_rotated_compressed_session_replays_whole_and_only_auditors_see_others() {
    if !can_run("a_rotated_compressed_session_replays_whole_and_only_auditors_see_others") {
        return;
    }
    let sb = Sandbox::start("sessions-replay");
    sb.config_set("ttyrecAdditionalParameters", r#"["--zstd"]"#);
    sb.admin_reaches_target();
    // A session whose recording is rotated (SIGUSR1) half way; what the user
    // saw is kept to compare with the replay.
    let seen = std::thread::scope(|scope| {
        let client = scope.spawn(|| {
            sb.ssh(
                &sb.admin_key(),
                "admin",
                &[
                    "tuser@127.0.0.2",
                    "-p",
                    "2223",
                    "--",
                    "echo first-half; sleep 2; seq 1 2000; echo second-half",
                ],
            )
        });
        osh_tests::wait_until("the session to start", || {
            sb.root("pgrep -u tuser -f 'sleep 2'").code == 0
        });
        sb.root_ok("pkill -USR1 -u admin -x ttyrec");
        client.join().expect("the client")
    });
    seen.code(0);
    let ev = sb.events();
    let id = uniqid_of(&ev, |e| e.0 == "close" && field(e, "user") == Some("tuser"));
    let files = sb.root_ok(&format!(
        "ls /home/admin/ttyrec/127.0.0.2/ | grep {id} | grep -E '\\.ttyrec(\\.zst)?$'"
    ));
    assert_eq!(files.lines().count(), 2, "{files}");
    assert!(files.lines().all(|f| f.ends_with(".ttyrec.zst")), "{files}");
    // Without a terminal the replay is the output itself: byte for byte what
    // the user saw, both segments in order.
    let raw = sb.ssh(
        &sb.admin_key(),
        "admin",
        &["--quiet", "--osh", "selfPlaySession", "--id", &id],
    );
    raw.code(0);
    assert!(
        raw.stdout.contains(&seen.stdout),
        "the replay is not what the user saw:\n--- seen\n{}\n--- replay\n{}",
        seen.stdout,
        raw.stdout
    );
    assert!(seen.stdout.contains("first-half") && seen.stdout.contains("second-half"));
    let played = sb.admin(&["--osh", "selfPlaySession", "--id", &id]);
    played.code(0).json_is(&[("/value/segments", json!(2))]);
    // Interactively, under a real pty: a key starts it, q stops it.
    let r = sb.root(&format!(
        "cd /tmp && (sleep 2; printf ' '; sleep 1; printf q) | script -qfec \"ssh -tt -i {} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -p 2222 admin@127.0.0.1 -- --osh selfPlaySession --id {id} --speed 0.05 --max-idle 60\" /dev/null",
        sb.admin_key().display()
    ));
    r.contains("Press a key to start the replay")
        .contains("(stopped)");

    // Another account: never through the self plugins, and only auditors
    // through the account ones.
    let kb = sb.create_account("bob", 9400);
    let bob = |args: &[&str]| {
        let mut a = vec!["--json-greppable", "--osh"];
        a.extend_from_slice(args);
        sb.ssh(&kb, "bob", &a)
    };
    bob(&["selfListSessions", "--id", &id])
        .code(0)
        .json_is(&[("/error_code", json!("OK_EMPTY"))]);
    bob(&["selfPlaySession", "--id", &id])
        .code(100)
        .json_is(&[("/error_code", json!("ERR_NOT_FOUND"))]);
    bob(&["selfPlaySession", "--id", &id, "--account", "admin"]).code(100);
    bob(&["accountListSessions", "--account", "admin"]).code(106);
    sb.grant("bob", "accountListSessions");
    bob(&["accountListSessions", "--account", "admin"])
        .code(100)
        .json_is(&[("/error_code", json!("ERR_ACCESS_DENIED"))]);
    // The admin (an auditor) lists and replays bob's... and bob's is empty; admin's own through the account plugin.
    let listed = sb.admin(&[
        "--osh",
        "accountListSessions",
        "--account",
        "admin",
        "--id",
        &id,
    ]);
    listed
        .code(0)
        .json_is(&[("/value/0/id", json!(id.clone()))]);
    sb.admin(&[
        "--osh",
        "accountListSessions",
        "--account",
        "bob",
        "--type",
        "ssh",
    ])
    .code(0)
    .json_is(&[("/error_code", json!("OK_EMPTY"))]);
    let replayed = sb.admin(&[
        "--osh",
        "accountPlaySession",
        "--account",
        "admin",
        "--id",
        &id,
    ]);
    replayed
        .code(0)
        .contains("first-half")
        .contains("second-half")
        .json_is(&[("/value/segments", json!(2))]);
}

#[test]
fn a_locked_global_database_delays_no_login_and_is_said() {
    if !can_run("a_locked_global_database_delays_no_login_and_is_said") {
        return;
    }
    let sb = Sandbox::start("sessions-locked");
    sb.admin(&["--osh", "info"]).code(0);
    let month = sb.root_ok("date +%Y%m").trim().to_owned();
    let gdb = format!("/home/logkeeper/global-log-{month}.sqlite");
    sb.root_ok(&format!(
        "((echo 'BEGIN EXCLUSIVE;'; sleep 15; echo 'COMMIT;') | sqlite3 {gdb}) >/dev/null 2>&1 &"
    ));
    std::thread::sleep(std::time::Duration::from_secs(1));
    let started = std::time::Instant::now();
    sb.admin(&["--osh", "info"]).code(0);
    let took = started.elapsed();
    // A bound, not a benchmark: it must not wait for the lock to go (15 s).
    assert!(took.as_secs() < 8, "the login waited {took:?}");
    let ev = sb.events();
    let open = ev
        .iter()
        .rev()
        .find(|e| e.0 == "open" && field(e, "plugin") == Some("info"))
        .expect("open");
    assert!(
        field(open, "globalsql")
            .unwrap_or_default()
            .starts_with("error "),
        "{open:?}"
    );
    assert_eq!(field(open, "accountsql"), Some("ok"));
    assert!(
        ev.iter().any(|e| e.0 == "warn"
            && field(e, "msg")
                .unwrap_or_default()
                .contains("globalsql failed")),
        "no warn event"
    );
}

#[test]
fn a_panic_is_a_die_event() {
    if !can_run("a_panic_is_a_die_event") {
        return;
    }
    let sb = Sandbox::start("sessions-panic");
    let probe = osh_tests::build_dir().join("osh-panic-probe");
    let r = sb.root(&format!("'{}' arg1 'arg 2'", probe.display()));
    assert_ne!(r.code, 0);
    let ev = sb.events();
    let die = ev.iter().rev().find(|e| e.0 == "die").expect("a die event");
    let msg = field(die, "msg").unwrap_or_default();
    assert!(
        msg.starts_with("probe panicked on purpose") && msg.contains("\"quote\"\nand a newline"),
        "{msg}"
    );
    assert!(msg.contains("osh-panic-probe.rs:"), "{msg}");
    assert!(
        field(die, "program")
            .unwrap_or_default()
            .ends_with("osh-panic-probe")
    );
    assert!(
        field(die, "cmdline")
            .unwrap_or_default()
            .ends_with("^arg1^arg 2"),
        "{die:?}"
    );
    assert!(!field(die, "trace").unwrap_or_default().is_empty());
}

fn base64_decode(s: &str) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes().filter(|c| *c != b'=') {
        let v = A.iter().position(|a| *a == c).expect("base64") as u32;
        buf = (buf << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    out
}

/// Each type in its file, by both provided daemon configurations: rsyslog
/// (the sandbox's daemon runs the installed rules) and syslog-ng (run from
/// its unpacked packages, see install/test, with the rendered template).
#[test]
fn the_provided_syslog_configurations_split_the_streams() {
    if !can_run("the_provided_syslog_configurations_split_the_streams") {
        return;
    }
    let sb = Sandbox::start("sessions-syslog");
    // Real events: an open/close, a code-warning (an unknown key), a die.
    sb.admin(&["--osh", "info"]).code(0);
    sb.root_ok("perl -0pi -e 's/^\\{/{\\n\"notAKey\": 1,/m' /etc/bastion/bastion.conf");
    sb.admin(&["--osh", "info"]).code(0);
    // The probe runs from osh's directory: the rules take bastion events
    // only from osh's programs (the sandbox's /opt/osh is its own).
    let probe = osh_tests::build_dir().join("osh-panic-probe");
    let _ = sb.root(&format!(
        "install -m 0755 '{}' /opt/osh/bin/osh-panic-probe && /opt/osh/bin/osh-panic-probe; rm -f /opt/osh/bin/osh-panic-probe",
        probe.display()
    ));
    sb.root_ok("logger -t osh-encrypt-rsync 'a cron tool line'");
    let cat = |f: &str| sb.root_ok(&format!("cat /var/log/bastion/{f} 2>/dev/null; true"));
    osh_tests::wait_until("rsyslog to write", || {
        cat("bastion-die.log").contains(" die ")
    });
    let (all, warn, die, scripts) = (
        cat("bastion.log"),
        cat("bastion-warn.log"),
        cat("bastion-die.log"),
        cat("bastion-scripts.log"),
    );
    assert!(
        all.contains(" open ") && all.contains(" close ") && all.contains(" die "),
        "{all}"
    );
    assert!(
        warn.contains(" code-warning ") && !warn.contains(" open "),
        "{warn}"
    );
    assert!(die.contains(" die ") && !die.contains(" open "), "{die}");
    assert!(
        scripts.contains("a cron tool line") && !all.contains("a cron tool line"),
        "{scripts}"
    );

    // syslog-ng, with the template the installer renders.
    let root = osh_tests::repo().join("target/syslog-ng/root");
    if !root.join("usr/sbin/syslog-ng").is_file() {
        assert!(
            std::env::var_os("CI").is_none(),
            "syslog-ng's packages are missing (install/test unpacks them)"
        );
        eprintln!("syslog-ng is not unpacked here: its half of this test is skipped");
        return;
    }
    let tmpl = std::fs::read_to_string(osh_tests::repo().join("etc/syslog-ng/osh.conf.tmpl"))
        .expect("template")
        .replace("%TAG%", "bastion")
        .replace("/var/log/bastion/", "/tmp/sng-out/");
    let dir = "/tmp/sng";
    sb.root_ok(&format!("mkdir -p {dir} /tmp/sng-out"));
    let conf = format!(
        "@version: 3.38\nsource s_src {{ unix-dgram(\"{dir}/log.sock\"); internal(); }};\n{tmpl}"
    );
    sb.root_ok(&format!("cat > {dir}/osh.conf <<'EOF'\n{conf}\nEOF"));
    let r = root.display();
    let env = format!(
        "LD_LIBRARY_PATH={r}/usr/lib/x86_64-linux-gnu:{r}/lib/x86_64-linux-gnu:{r}/usr/lib/syslog-ng"
    );
    let daemon = format!("{env} {r}/usr/sbin/syslog-ng --module-path={r}/usr/lib/syslog-ng/3.38");
    sb.root_ok(&format!("{daemon} --syntax-only -f {dir}/osh.conf"));
    sb.root_ok(&format!(
        "{daemon} -f {dir}/osh.conf -R {dir}/persist -c {dir}/ctl -p {dir}/pid >/dev/null 2>&1"
    ));
    osh_tests::wait_until("syslog-ng to listen", || {
        sb.root(&format!("test -S {dir}/log.sock")).code == 0
    });
    // The same lines rsyslog received, sent again to syslog-ng.
    let lines = sb.root_ok(
        "grep -h 'bastion: ' /var/log/bastion/bastion.log | sed 's/^.*bastion: //' | head -20",
    );
    for l in lines.lines() {
        sb.root_ok(&format!(
            "logger -u {dir}/log.sock -t bastion -- '{}'",
            l.replace('\'', "'\\''")
        ));
    }
    sb.root_ok(&format!(
        "logger -u {dir}/log.sock -t osh-encrypt-rsync 'a cron tool line'"
    ));
    let out = |f: &str| sb.root_ok(&format!("cat /tmp/sng-out/{f} 2>/dev/null; true"));
    osh_tests::wait_until("syslog-ng to write", || {
        out("bastion-scripts.log").contains("cron tool")
    });
    let (all, warn, die) = (
        out("bastion.log"),
        out("bastion-warn.log"),
        out("bastion-die.log"),
    );
    sb.root_ok(&format!("kill $(cat {dir}/pid)"));
    assert!(all.contains(" open ") && all.contains(" die "), "{all}");
    assert!(
        warn.contains(" code-warning ") && !warn.contains(" open "),
        "{warn}"
    );
    assert!(die.contains(" die ") && !die.contains(" open "), "{die}");
    assert!(!all.contains("a cron tool line"), "{all}");
}

/// Concurrent sessions lose nothing: every open and close reaches syslog,
/// the flat logs and both databases, and no sink reports a lock error. (The
/// 50-client, 60-second version is `osh-bench load`: doc/benchmarks.md.)
#[test]
fn concurrent_sessions_lose_no_event_nor_row() {
    if !can_run("concurrent_sessions_lose_no_event_nor_row") {
        return;
    }
    let sb = Sandbox::start("sessions-load");
    sb.admin_reaches_target();
    let (clients, seconds) = (12, 10);
    let sessions = osh_tests::load(&sb, clients, seconds);
    assert!(sessions >= clients, "only {sessions} sessions ran");
    osh_tests::assert_every_sink_has(&sb, sessions);
}
