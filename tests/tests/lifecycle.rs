//! The cron tools, for real: `osh-encrypt-rsync` with two layers of real
//! GPG keys (and an age layer), pushing with real rsync over ssh to an
//! escrow sshd on another loopback address; `osh-rotate-ttyrec --big-only`
//! on live sessions; `osh-backup-acl-keys` restored into a fresh sandbox;
//! the reapers. Ages are made with `touch -d`, as an admin would test it.

use std::io::Write as _;

use osh_tests::{Run, Sandbox, can_run, wait_until};

const BIN: &str = "/opt/osh/bin";
const DIR: &str = "/home/admin/ttyrec/127.0.0.2";
const CONF: &str = "/etc/bastion/osh-encrypt-rsync.conf";
const ESCROW: &str = "/home/escrow/archive";

/// Root's keyring gets a signing key (with a passphrase) and the public
/// halves of two layer keys whose secret halves live elsewhere: the
/// auditors' in /root/auditor, the sysadmins' in /root/sysadmin. Prints the
/// three fingerprints.
const GPG_SETUP: &str = r#"set -e
export GNUPGHOME=/root/.gnupg
mkdir -p -m 0700 $GNUPGHOME /root/auditor /root/sysadmin
gen() { # HOME NAME PASS
    GNUPGHOME=$1 gpg --batch --pinentry-mode loopback --passphrase "$3" --quick-gen-key "$2" ed25519 sign never 2>/dev/null
    fpr=$(GNUPGHOME=$1 gpg --list-keys --with-colons | awk -F: '/^fpr/{print $10; exit}')
    GNUPGHOME=$1 gpg --batch --pinentry-mode loopback --passphrase "$3" --quick-add-key "$fpr" cv25519 encr never 2>/dev/null
    echo "$fpr"
}
S=$(gen /root/.gnupg 'bastion signing <sign@osh>' 'sign pass')
A=$(gen /root/auditor 'auditor <audit@osh>' '')
Y=$(gen /root/sysadmin 'sysadmin <sys@osh>' '')
for h in /root/auditor /root/sysadmin; do GNUPGHOME=$h gpg --export | gpg --batch --import 2>/dev/null; done
for h in /root/auditor /root/sysadmin; do gpg --export "$S" | GNUPGHOME=$h gpg --batch --import 2>/dev/null; done
echo "$S $A $Y""#;

/// An escrow host: user `escrow` behind its own sshd on 127.0.0.3:2224,
/// reached by root's key `/root/.ssh/escrow`.
const ESCROW_SETUP: &str = r#"set -e
useradd -m -s /bin/sh escrow
mkdir -p -m 0700 /root/.ssh
ssh-keygen -q -t ed25519 -N '' -f /root/.ssh/escrow
install -d -m 0700 -o escrow -g escrow /home/escrow/.ssh /home/escrow/archive
install -m 0600 -o escrow -g escrow /root/.ssh/escrow.pub /home/escrow/.ssh/authorized_keys
/usr/sbin/sshd -o ListenAddress=127.0.0.3:2224 -o PidFile=/run/sshd-escrow.pid
for i in $(seq 50); do ssh-keyscan -p 2224 127.0.0.3 >/root/.ssh/escrow_hosts 2>/dev/null && [ -s /root/.ssh/escrow_hosts ] && break; sleep 0.1; done
ssh -i /root/.ssh/escrow -o BatchMode=yes -o UserKnownHostsFile=/root/.ssh/escrow_hosts -p 2224 escrow@127.0.0.3 true"#;

const RSH: &str = "ssh -i /root/.ssh/escrow -p 2224 -o BatchMode=yes -o UserKnownHostsFile=/root/.ssh/escrow_hosts";

fn escrow_up(sb: &Sandbox, up: bool) {
    if up {
        sb.root_ok(
            "/usr/sbin/sshd -o ListenAddress=127.0.0.3:2224 -o PidFile=/run/sshd-escrow.pid",
        );
    } else {
        sb.root_ok("kill $(cat /run/sshd-escrow.pid); sleep 0.3");
    }
}

/// Write the config: `layers` as JSON, the escrow as destination, `rsh`
/// as rsync's --rsh.
fn configure(sb: &Sandbox, signing: &str, layers: &str, rsh: &str) {
    let conf = format!(
        r#"# written by the test
{{
"signing_key": "{signing}",
"signing_key_passphrase": "sign pass",
"recipients": {layers},
"rsync_destination": "escrow@127.0.0.3:archive",
"rsync_rsh": "{rsh}",
"rsync_delay_before_remove_days": 0
}}"#
    );
    sb.root_ok(&format!(
        "cat >{CONF} <<'EOF'\n{conf}\nEOF\nchmod 0600 {CONF}"
    ));
}

fn encrypt(sb: &Sandbox, args: &str) -> Run {
    sb.root(&format!("{BIN}/osh-encrypt-rsync {args}"))
}

/// `sha256 path` lines of the files under `dirs`.
fn hashes(sb: &Sandbox, dirs: &str) -> Vec<(String, String)> {
    sb.root_ok(&format!(
        "find {dirs} -type f ! -name '*.archived' -exec sha256sum {{}} + | sort -k2"
    ))
    .lines()
    .filter_map(|l| {
        l.split_once("  ")
            .map(|(h, p)| (p.to_owned(), h.to_owned()))
    })
    .collect()
}

/// Every file of the bastion's /home and /etc/bastion with size and mtime.
fn tree(sb: &Sandbox) -> String {
    sb.root_ok("find /home /etc/bastion -xdev -printf '%p %s %T@ %m\\n' | sort")
}

/// The uniqid of the last session that ended.
fn last_uniqid(sb: &Sandbox) -> String {
    sb.last_event("close", |_| true)
        .and_then(|e| osh_tests::field(&e, "uniqid").map(str::to_owned))
        .expect("a close event")
}

/// Take every layer off `file` (named `X.gpg.gpg`, `X.gpg.age`...) with the
/// layer keys, outermost first, into `X`; print `X`.
fn peel(sb: &Sandbox, file: &str) -> String {
    sb.root_ok(&format!(
        r#"set -e
f={file}
while :; do
    case $f in
    *.gpg) GNUPGHOME=/root/sysadmin gpg --batch -q -o "${{f%.gpg}}" -d "$f" 2>/dev/null ||
           GNUPGHOME=/root/auditor gpg --batch -q -o "${{f%.gpg}}" -d "$f" 2>/dev/null
           f=${{f%.gpg}} ;;
    *.age) age -d -i /root/age.key -o "${{f%.age}}" "$f"; f=${{f%.age}} ;;
    *) break ;;
    esac
done
echo "$f""#
    ))
    .trim()
    .to_owned()
}

/// The files of `originals` but the live recording, each with its hash.
fn settled<'a>(
    originals: &'a [(String, String)],
    live: &'a str,
) -> impl Iterator<Item = &'a (String, String)> {
    originals
        .iter()
        .filter(move |(p, _)| p != live && !p.starts_with(&format!("{live}.")))
}

/// Each layer's key takes its layer off, in turn, to the original bytes;
/// only the sysadmins' key opens the outer layer.
fn check_layers(sb: &Sandbox, originals: &[(String, String)], live: &str) {
    for (path, hash) in settled(originals, live) {
        sb.root_ok(&format!("test ! -e {path}"));
        let archived = format!("{ESCROW}/{}.gpg.gpg", path.trim_start_matches("/home/"));
        let outer = sb.root(&format!(
            "GNUPGHOME=/root/auditor gpg --batch -o /dev/null -d {archived}"
        ));
        assert_ne!(
            outer.code, 0,
            "the auditors' key opened the sysadmins' layer of {archived}"
        );
        let plain = peel(sb, &archived);
        let got = sb.root_ok(&format!("sha256sum {plain}"));
        assert!(
            got.starts_with(hash.as_str()),
            "{path}: decrypted bytes differ\n{got}"
        );
    }
}

#[test]
fn encrypt_rsync_archives_in_layers_to_the_escrow_and_never_a_live_recording() {
    if !can_run("encrypt_rsync") {
        return;
    }
    let sb = Sandbox::start("lifecycle-encrypt");
    sb.admin_reaches_target();
    let keys = sb.root_ok(GPG_SETUP);
    let keys: Vec<&str> = keys.split_whitespace().collect();
    let (signing, auditor, sysadmin) = (keys[0], keys[1], keys[2]);
    sb.root_ok(ESCROW_SETUP);

    // As shipped: not configured, says so, touches nothing.
    let before = tree(&sb);
    encrypt(&sb, "").code(0).contains("not configured");
    assert_eq!(tree(&sb), before, "an unconfigured run changed files");

    // Two finished sessions.
    for word in ["first-session", "second-session"] {
        sb.ssh(
            &sb.admin_key(),
            "admin",
            &["tuser@127.0.0.2", "-p", "2223", "--", "echo", word],
        )
        .code(0)
        .contains(word);
    }
    let done_id = last_uniqid(&sb);
    // A live session, idle (its recording unchanged for "20 days" below)
    // until it is sent a line: `cat` on the target prints what it gets.
    let mut live = sb.ssh_background(
        &sb.admin_key(),
        "admin",
        &["-o", "BatchMode=yes"],
        &["tuser@127.0.0.2", "-p", "2223", "--", "cat"],
    );
    let mut to_live = live.stdin.take().unwrap();
    writeln!(to_live, "live-start").unwrap();
    let recorded = |word: &str| {
        sb.root(&format!("grep -l {word} {DIR}/*.ttyrec"))
            .stdout
            .trim()
            .to_owned()
    };
    wait_until("the live session records", || {
        !recorded("live-start").is_empty()
    });
    let live_file = recorded("live-start");
    // Every recording is made old enough, the live one included.
    sb.root_ok("find /home/admin/ttyrec -type f -exec touch -d '20 days ago' {} +");
    let recordings = hashes(&sb, DIR);

    let layers = format!(r#"[["{auditor}"], ["{sysadmin}"]]"#);
    configure(&sb, signing, &layers, RSH);
    sb.root_ok(&format!("{BIN}/osh-encrypt-rsync --config-test"));

    // --dry-run says what it would do and changes nothing.
    let before = tree(&sb);
    let r = encrypt(&sb, "--dry-run -v");
    r.code(0)
        .contains(&format!("would encrypt {DIR}/"))
        .contains("would push");
    assert!(
        !r.stdout.contains(&format!("would encrypt {live_file} ")),
        "the live recording is eligible:\n{r}"
    );
    assert_eq!(tree(&sb), before, "--dry-run changed files");

    // A second instance started while one runs refuses: the first is slowed
    // down by an rsh that waits before it connects.
    sb.root_ok(&format!("printf '#!/bin/sh\\nsleep 3\\nexec {RSH} \"$@\"\\n' >/root/slow-rsh; chmod 0755 /root/slow-rsh"));
    configure(&sb, signing, &layers, "/root/slow-rsh");
    sb.root_ok(&format!(
        "{BIN}/osh-encrypt-rsync >/root/first.out 2>&1 & echo $! >/root/first.pid"
    ));
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let second = encrypt(&sb, "");
    assert_ne!(second.code, 0, "a second instance ran:\n{second}");
    second.contains("another instance is running");
    sb.root_ok("while kill -0 $(cat /root/first.pid) 2>/dev/null; do sleep 0.2; done");
    let first = sb.root_ok("cat /root/first.out");
    assert!(
        first.contains("result=\"ok\"")
            && first.contains("live_skipped=\"1\"")
            && first.contains("Config test passed")
            && first.contains(&format!("Encrypting {DIR}/"))
            && first.contains("Done, got 0 error(s) and 0 warning(s)"),
        "{first}"
    );
    configure(&sb, signing, &layers, RSH);

    // The old recordings left the homes, landed on the escrow, and left the
    // encrypt directory once the escrow had them; each layer opens in turn.
    let left = sb.root_ok(&format!("ls {DIR}"));
    assert!(
        left.contains(&format!(
            "{done_id}.admin.tuser.127.0.0.2.2223.ttyrec.archived"
        )),
        "{left}"
    );
    assert_eq!(
        sb.root_ok("find /home/.encrypt -type f | wc -l").trim(),
        "0",
        "pushed files kept here"
    );
    check_layers(&sb, &recordings, &live_file);
    // Every layer is signed by the bastion's key.
    let sig = sb.root_ok(&format!(
        "f=$(ls {ESCROW}/admin/ttyrec/127.0.0.2/*.ttyrec.gpg.gpg | head -1); GNUPGHOME=/root/sysadmin gpg --batch -o /root/outer -d $f 2>&1; GNUPGHOME=/root/auditor gpg --batch -o /dev/null -d /root/outer 2>&1"
    ));
    assert_eq!(
        sig.matches("Good signature from \"bastion signing").count(),
        2,
        "{sig}"
    );

    // The account still sees the session listed, and is told it is archived.
    sb.admin(&["--osh", "selfListSessions"])
        .code(0)
        .contains(&done_id);
    sb.ssh(
        &sb.admin_key(),
        "admin",
        &["--osh", "selfPlaySession", "--id", &done_id],
    )
    .contains("has been archived");

    // The auditor restores the session and verifies it offline.
    sb.root_ok(&format!(
        "mkdir -p /root/restored && cp {ESCROW}/admin/ttyrec/127.0.0.2/*.{done_id}.* /root/restored/ && cd /root/restored && for f in *.gpg.gpg; do GNUPGHOME=/root/sysadmin gpg --batch -q -d $f 2>/dev/null | GNUPGHOME=/root/auditor gpg --batch -q -d >${{f%.gpg.gpg}} 2>/dev/null; done; rm -f *.gpg"
    ));
    sb.root(&format!("{BIN}/osh-session-logs verify /root/restored"))
        .code(0)
        .contains(&format!("session {done_id}"))
        .contains("VERIFIED");
    sb.root_ok(&format!(
        "{BIN}/osh-session-logs cat /root/restored/*.ttyrec | grep -qx second-session"
    ));

    // Logs and databases older than their delay (31 days) go the same way,
    // the global ones of logkeeper too; a database comes back one whole file.
    let rows = |db: &str, table: &str| {
        sb.root_ok(&format!("sqlite3 {db} 'SELECT count(*) FROM {table}'"))
            .trim()
            .to_owned()
    };
    let account_db = sb
        .root_ok("ls /home/admin/admin-log-*.sqlite")
        .trim()
        .to_owned();
    let global_db = sb
        .root_ok("ls /home/logkeeper/global-log-*.sqlite")
        .trim()
        .to_owned();
    // Counted before the ages are set: sqlite3 merges the write-ahead log as
    // it closes, which changes the file.
    let counts = [
        (
            account_db.clone(),
            "connections",
            rows(&account_db, "connections"),
        ),
        (
            global_db.clone(),
            "connections_summary",
            rows(&global_db, "connections_summary"),
        ),
    ];
    sb.root_ok("touch -d '40 days ago' /home/admin/*.log /home/admin/*.sqlite /home/logkeeper/*.log /home/logkeeper/*.sqlite");
    let logs = hashes(
        &sb,
        "/home/admin/admin-log-*.log /home/logkeeper/global-log-*.log",
    );
    encrypt(&sb, "").code(0);
    check_layers(&sb, &logs, &live_file);
    for (db, table, n) in &counts {
        sb.root_ok(&format!("test ! -e {db} && test ! -e {db}-wal"));
        let plain = peel(
            &sb,
            &format!("{ESCROW}/{}.gpg.gpg", db.trim_start_matches("/home/")),
        );
        assert_eq!(&rows(&plain, table), n, "{db}");
    }

    // The live session was left alone and keeps recording into the same file.
    writeln!(to_live, "after-archive").unwrap();
    wait_until("the live session still records", || {
        recorded("after-archive") == live_file
    });
    drop(to_live);
    let _ = live.kill();
    let _ = live.wait();

    // The summary went to syslog's scripts stream.
    wait_until("the summary in bastion-scripts.log", || {
        sb.root("grep -c 'osh-encrypt-rsync: summary .*encrypted=\"[1-9]' /var/log/bastion/bastion-scripts.log").code == 0
    });

    // The escrow is down: the file is encrypted (here with an age outer
    // layer), kept here, and the run fails saying why. Once it is back,
    // the next run pushes it and removes it here.
    sb.root_ok("age-keygen -o /root/age.key 2>/dev/null");
    let age = sb.root_ok("age-keygen -y /root/age.key").trim().to_owned();
    configure(&sb, signing, &format!(r#"[["{auditor}"], ["{age}"]]"#), RSH);
    sb.ssh(
        &sb.admin_key(),
        "admin",
        &[
            "tuser@127.0.0.2",
            "-p",
            "2223",
            "--",
            "echo",
            "third-session",
        ],
    )
    .code(0);
    let third = last_uniqid(&sb);
    sb.root_ok(&format!("touch -d '20 days ago' {DIR}/*.{third}.*"));
    let third_hash = hashes(&sb, &format!("{DIR}/*.{third}.*.ttyrec"));
    escrow_up(&sb, false);
    let r = encrypt(&sb, "");
    assert_ne!(r.code, 0, "a failed push exited 0:\n{r}");
    r.contains("Done, got 1 error(s)")
        .contains("push to escrow@127.0.0.3:archive failed")
        .contains("stay in /home/.encrypt");
    let kept = sb.root_ok(&format!(
        "ls /home/.encrypt/admin/ttyrec/127.0.0.2/ | grep {third}"
    ));
    assert!(kept.contains(".ttyrec.gpg.age"), "{kept}");
    escrow_up(&sb, true);
    encrypt(&sb, "").code(0);
    assert_eq!(
        sb.root_ok("find /home/.encrypt -type f | wc -l").trim(),
        "0"
    );
    let (path, hash) = &third_hash[0];
    let plain = peel(
        &sb,
        &format!("{ESCROW}/{}.gpg.age", path.trim_start_matches("/home/")),
    );
    assert!(
        sb.root_ok(&format!("sha256sum {plain}"))
            .starts_with(hash.as_str())
    );
}

#[test]
fn rotate_big_only_rotates_the_big_live_recording_and_keeps_every_byte_once() {
    if !can_run("rotate_big_only") {
        return;
    }
    let sb = Sandbox::start("lifecycle-rotate");
    // So that neither session below begins with ssh's "Permanently added" line.
    sb.admin_has_met_target();
    sb.root_ok(&format!("rm -f {DIR}/*"));
    // The big session prints 1..60000 (about 330 kB), waits, prints the rest;
    // the small one prints a word and waits.
    let mut big = sb.ssh_background(
        &sb.admin_key(),
        "admin",
        &["-o", "BatchMode=yes"],
        &[
            "tuser@127.0.0.2",
            "-p",
            "2223",
            "--",
            "seq 1 60000; sleep 4; seq 60001 70000; sleep 1",
        ],
    );
    let mut small = sb.ssh_background(
        &sb.admin_key(),
        "admin",
        &["-o", "BatchMode=yes"],
        &["tuser@127.0.0.2", "-p", "2223", "--", "echo small; sleep 5"],
    );
    wait_until("both sessions recorded their first output", || {
        let sizes = sb.root(&format!("stat -c %s {DIR}/*.ttyrec")).stdout;
        let sizes: Vec<u64> = sizes
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect();
        sizes.len() == 2 && sizes.iter().any(|s| *s > 300_000) && sizes.iter().all(|s| *s > 0)
    });
    let r = sb.root(&format!(
        "{BIN}/osh-rotate-ttyrec --big-only --threshold 200000 --verbose"
    ));
    r.code(0).contains("live=\"2\"").contains("rotated=\"1\"");
    big.wait().unwrap();
    small.wait().unwrap();
    wait_until("both recorders closed", || {
        sb.root("pgrep -x ttyrec").code != 0
    });
    let listing = sb.root_ok(&format!("ls {DIR} | grep -E '\\.ttyrec$'"));
    let files: Vec<&str> = listing.lines().collect();
    assert_eq!(files.len(), 3, "one rotation of one session:\n{listing}");
    // The big session's segments, in order, hold its output exactly once.
    let big_id = files
        .iter()
        .map(|f| f.split('.').nth(3).unwrap())
        .find(|id| files.iter().filter(|f| f.contains(id)).count() == 2)
        .expect("the rotated session");
    let mut joined = Vec::new();
    for f in files.iter().filter(|f| f.contains(big_id)) {
        let (frames, end) = osh_ttyrec::read_all(&sb.root_bytes(&format!("cat {DIR}/{f}")));
        assert!(end.is_none());
        assert!(!frames.is_empty(), "{f} is empty");
        for fr in frames {
            joined.extend(fr.data);
        }
    }
    let expected: String = (1..=70000).map(|i| format!("{i}\n")).collect();
    if joined != expected.as_bytes() {
        let at = joined
            .iter()
            .zip(expected.as_bytes())
            .position(|(a, b)| a != b)
            .unwrap_or(joined.len().min(expected.len()));
        let around = |b: &[u8]| {
            String::from_utf8_lossy(&b[at.saturating_sub(40)..(at + 120).min(b.len())]).into_owned()
        };
        panic!(
            "the segments do not hold 1..70000 once each ({} bytes, {} expected); first difference at {at}:\n got: {:?}\nwant: {:?}",
            joined.len(),
            expected.len(),
            around(&joined),
            around(expected.as_bytes())
        );
    }
    // Sealed whole: both segments, their chain and the ledger. (Not the
    // directory: the ledger rightly names the warm-up session removed above.)
    sb.root(&format!(
        "{BIN}/osh-session-logs verify --root /home/admin/ttyrec {big_id}"
    ))
    .code(0)
    .contains("2 segment(s)")
    .contains("VERIFIED");
}

#[test]
fn a_backup_restored_into_a_fresh_bastion_lets_the_account_reach_its_target() {
    if !can_run("backup_restore") {
        return;
    }
    let old = Sandbox::start("lifecycle-backup");
    let bob = old.create_account("bob", 5100);
    old.admin(&[
        "--osh",
        "accountAddPersonalAccess",
        "--account",
        "bob",
        "--host",
        "127.0.0.2",
        "--user",
        "tuser",
        "--port",
        "2223",
    ])
    .code(0);
    // bob's egress key on the target, as its admin would put it there.
    old.root_ok("cat /home/bob/.ssh/id_*_private.*.pub >>/home/tuser/.ssh/authorized_keys; ssh-keyscan -p 2223 127.0.0.2 2>/dev/null >>/etc/ssh/ssh_known_hosts");
    old.ssh(
        &bob,
        "bob",
        &["tuser@127.0.0.2", "-p", "2223", "--", "echo", "reached"],
    )
    .code(0)
    .contains("reached");
    let host_key = old.root_ok("cat /etc/ssh/ssh_host_ed25519_key.pub");

    // The backup: encrypted to a key whose secret is kept off the bastion, signed, pushed.
    old.root_ok(
        "set -e; export GNUPGHOME=/root/.gnupg; mkdir -p -m 0700 $GNUPGHOME /root/backupkey; \
         gpg --batch --pinentry-mode loopback --passphrase 'sign pass' --quick-gen-key 'bastion <sign@osh>' ed25519 sign never 2>/dev/null; \
         GNUPGHOME=/root/backupkey gpg --batch --pinentry-mode loopback --passphrase '' --quick-gen-key 'backups <b@osh>' ed25519 cert never 2>/dev/null; \
         f=$(GNUPGHOME=/root/backupkey gpg --list-keys --with-colons | awk -F: '/^fpr/{print $10; exit}'); \
         GNUPGHOME=/root/backupkey gpg --batch --pinentry-mode loopback --passphrase '' --quick-add-key $f cv25519 encr never 2>/dev/null; \
         GNUPGHOME=/root/backupkey gpg --export | gpg --batch --import 2>/dev/null",
    );
    old.root_ok(ESCROW_SETUP);
    let signing =
        old.root_ok("gpg --list-secret-keys --with-colons | awk -F: '/^fpr/{print $10; exit}'");
    let backup_key = old.root_ok("GNUPGHOME=/root/backupkey gpg --list-keys --with-colons | awk -F: '/^fpr/{print $10; exit}'");
    old.root_ok(&format!(
        "cat >/etc/bastion/osh-backup-acl-keys.conf <<'EOF'\nDESTDIR=\"/root/backups\"\nDAYSTOKEEP=90\nGPGKEYS=\"{}\"\nSIGNING_KEY=\"{}\"\nSIGNING_KEY_PASSPHRASE='sign pass'\nPUSH_REMOTE=\"escrow@127.0.0.3:archive/\"\nPUSH_OPTIONS=\"-i /root/.ssh/escrow -P 2224 -o UserKnownHostsFile=/root/.ssh/escrow_hosts\"\nEOF\nchmod 0600 /etc/bastion/osh-backup-acl-keys.conf",
        backup_key.trim(),
        signing.trim()
    ));
    // An old backup, to be pruned.
    old.root_ok("mkdir -p -m 0700 /root/backups; touch -d '100 days ago' /root/backups/backup-2020-01-01.tar.gz.gpg");
    let r = old.root(&format!("{BIN}/osh-backup-acl-keys"));
    r.code(0)
        .contains("File created")
        .contains("Encrypting & signing")
        .contains("pruned=\"1\"")
        .contains("pushed=\"ok\"")
        .contains("Done, got 0 error(s) and 0 warning(s)");
    let name = old.root_ok("ls /root/backups").trim().to_owned();
    assert!(
        name.ends_with(".tar.gz.gpg") && !name.contains("2020"),
        "{name}"
    );
    old.root_ok(&format!(
        "cmp /root/backups/{name} /home/escrow/archive/{name}"
    ));
    // No recording, log or database in it; the accounts' keys and ACLs are.
    let listing = old.root_ok(&format!(
        "GNUPGHOME=/root/backupkey gpg --batch -q -d /root/backups/{name} 2>/dev/null | tar tzf -"
    ));
    assert!(
        listing.contains("home/bob/.ssh/"),
        "bob's keys are not in the backup"
    );
    assert!(
        listing.contains("home/allowkeeper/bob/"),
        "bob's ACL is not in the backup"
    );
    assert!(listing.contains("etc/ssh/ssh_host_ed25519_key"));
    // Nor the seal key: whoever holds a backup can't sign a recording.
    assert!(listing.contains("home/sealkeeper/allowed_signers"));
    assert!(
        !listing.contains("sealkeeper/private/seal_ed25519"),
        "the seal key is in the backup"
    );
    let old_seal_key = old.root_ok("cat /home/sealkeeper/seal_ed25519.pub");
    assert!(
        !listing.contains("ttyrec/") && !listing.contains(".sqlite") && !listing.contains("-log-"),
        "{listing}"
    );
    let backup = old.root_bytes(&format!("cat /root/backups/{name}"));
    let secret = old.root_bytes("GNUPGHOME=/root/backupkey gpg --export-secret-keys --armor");
    let signer = old.root_bytes("gpg --export --armor");
    // The old bastion stays up only because bob's client key lives in its state directory.

    // A fresh bastion, the backup key imported, the backup restored, the
    // installer run again, sshd restarted with the restored host keys.
    let new = Sandbox::start("lifecycle-restore");
    new.root_ok(&format!(
        "mkdir -p -m 0700 /root/.gnupg && echo '{}' | base64 -d | gpg --batch --import 2>/dev/null && echo '{}' | base64 -d | gpg --batch --import 2>/dev/null && echo '{}' | base64 -d >/root/{name}",
        base64_of(&secret),
        base64_of(&signer),
        base64_of(&backup)
    ));
    let r = new.root(&format!("{BIN}/osh-backup-acl-keys --restore /root/{name}"));
    r.code(0).contains("good signature").contains("restored");
    new.root_ok(&format!(
        "{}/install/install --upgrade --from {} >/root/upgrade.log 2>&1 || {{ cat /root/upgrade.log; exit 1; }}",
        osh_tests::repo().display(),
        new.build.display()
    ));
    new.root_ok("kill $(cat /run/sshd.pid); sleep 0.5; /usr/sbin/sshd -o ListenAddress=127.0.0.1:2222 -o PidFile=/run/sshd.pid; sleep 0.5");
    assert_eq!(
        new.root_ok("cat /etc/ssh/ssh_host_ed25519_key.pub"),
        host_key
    );
    new.ssh(
        &bob,
        "bob",
        &[
            "tuser@127.0.0.2",
            "-p",
            "2223",
            "--",
            "echo",
            "reached-again",
        ],
    )
    .code(0)
    .contains("reached-again");
    new.ssh(&bob, "bob", &["--osh", "selfListAccesses"])
        .code(0)
        .contains("127.0.0.2");
    // The restored bastion seals with a new key; the old key still verifies
    // what it sealed, and is closed for anything after.
    let new_seal_key = new.root_ok("cat /home/sealkeeper/seal_ed25519.pub");
    assert_ne!(new_seal_key, old_seal_key);
    let signers = new.root_ok("cat /home/sealkeeper/allowed_signers");
    let key_of = |pubkey: &str| pubkey.split_whitespace().nth(1).unwrap().to_owned();
    assert!(
        signers
            .lines()
            .any(|l| l.contains(&key_of(&old_seal_key)) && l.contains("valid-before")),
        "{signers}"
    );
    assert!(
        signers.lines().any(|l| l.contains(&key_of(&new_seal_key))),
        "{signers}"
    );
    // bob's session on the restored bastion: sealed by the new key, and its
    // ledger entries chained after the restored ones. (The directory as a
    // whole would not verify: the ledger names bob's session before the
    // backup, whose recording is not here -- it goes to the escrow.)
    let id = new
        .last_event("close", |e| osh_tests::field(e, "account") == Some("bob"))
        .and_then(|e| osh_tests::field(&e, "uniqid").map(str::to_owned))
        .expect("bob's close");
    let v = new.root(&format!(
        "/opt/osh/bin/osh-session-logs verify --root /home/bob/ttyrec {id}"
    ));
    v.code(0).contains("VERIFIED").contains("intact");
    let fingerprint =
        new.root_ok("ssh-keygen -lf /home/sealkeeper/seal_ed25519.pub | cut -d' ' -f2");
    v.contains(&format!("sealed by {}", fingerprint.trim()));
}

fn base64_of(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(b)
}

#[test]
fn reapers_end_orphans_and_clear_what_deleted_accounts_and_sessions_left() {
    if !can_run("reapers") {
        return;
    }
    let sb = Sandbox::start("lifecycle-reapers");
    sb.admin_reaches_target();
    // A live session (its recorder has its parent) and an orphaned recorder.
    let mut live = sb.ssh_background(
        &sb.admin_key(),
        "admin",
        &["-o", "BatchMode=yes"],
        &["tuser@127.0.0.2", "-p", "2223", "--", "sleep 30"],
    );
    sb.root_ok(
        "mkdir -p /home/admin/ttyrec/orphan && chown admin:admin /home/admin/ttyrec/orphan; \
         setsid su -s /bin/sh admin -c '/opt/osh/bin/ttyrec -f /home/admin/ttyrec/orphan/o.ttyrec -T never -- sleep 300 </dev/null >/dev/null 2>&1 &'",
    );
    wait_until("two recorders", || {
        sb.root_ok("pgrep -xc ttyrec || true").trim() == "2"
    });
    std::thread::sleep(std::time::Duration::from_millis(1500));
    sb.root_ok("echo MAX_AGE=1 >>/etc/bastion/osh-lingering-sessions-reaper.conf");
    let dry = sb.root(&format!("{BIN}/osh-lingering-sessions-reaper --dry-run"));
    dry.code(0).contains("would end lingering recorder");
    assert_eq!(sb.root_ok("pgrep -xc ttyrec || true").trim(), "2");
    let r = sb.root(&format!("{BIN}/osh-lingering-sessions-reaper"));
    r.code(0).contains("ended=\"1\"");
    wait_until("the orphan ended", || {
        sb.root_ok("pgrep -xc ttyrec || true").trim() == "1"
    });
    assert!(
        live.try_wait().unwrap().is_none(),
        "the live session was ended"
    );
    let _ = live.kill();
    let _ = live.wait();

    // Empty per-host folders: an old empty one goes, a fresh one and a full one stay.
    sb.root_ok(
        "mkdir -p /home/admin/ttyrec/10.0.0.1 /home/admin/ttyrec/10.0.0.2 && touch -d '3 days ago' /home/admin/ttyrec/10.0.0.1; \
         touch -d '3 days ago' /home/admin/ttyrec/orphan",
    );
    sb.root(&format!("{BIN}/osh-remove-empty-folders"))
        .code(0)
        .contains("removed=\"1\"");
    sb.root_ok("test ! -e /home/admin/ttyrec/10.0.0.1 && test -d /home/admin/ttyrec/10.0.0.2 && test -d /home/admin/ttyrec/orphan");

    // A home left by a deleted account with only its lastlog (a master): removed.
    sb.root_ok("mkdir /home/ghost && touch /home/ghost/lastlog && chown -R 4242:4242 /home/ghost && touch -d '1 hour ago' /home/ghost");
    sb.root(&format!("{BIN}/osh-orphaned-homedir"))
        .code(0)
        .contains("handled=\"1\"");
    sb.root_ok("test ! -e /home/ghost");

    // A guest whose only access expired loses the group's key access.
    let _guest = sb.create_account("guesty", 5200);
    sb.admin(&[
        "--osh",
        "groupCreate",
        "--group",
        "ops",
        "--owner",
        "admin",
        "--algo",
        "ed25519",
    ])
    .code(0);
    sb.admin(&[
        "--osh",
        "groupAddServer",
        "--group",
        "ops",
        "--host",
        "127.0.0.2",
        "--user",
        "tuser",
        "--port",
        "2223",
        "--force",
    ])
    .code(0);
    sb.admin(&[
        "--osh",
        "groupAddGuestAccess",
        "--group",
        "ops",
        "--account",
        "guesty",
        "--host",
        "127.0.0.2",
        "--user",
        "tuser",
        "--port",
        "2223",
        "--ttl",
        "1",
    ])
    .code(0);
    assert!(
        sb.root_ok("id -nG guesty")
            .split_whitespace()
            .any(|g| g == "keyops")
    );
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let r = sb.root(&format!("{BIN}/osh-cleanup-guest-key-access"));
    r.code(0).contains("removed=\"1\"");
    assert!(
        !sb.root_ok("id -nG guesty")
            .split_whitespace()
            .any(|g| g == "keyops")
    );
}
