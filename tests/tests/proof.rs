//! Sealed recordings, checked by tools we did not write: `ssh-keygen -Y
//! verify` accepts every seal and refuses an altered one, `asciinema cat`
//! shows our cast, `ttyplay` plays our joined ttyrec, the JSON frames decode
//! to exactly the recorded bytes. Then a mutation corpus made from real
//! sessions (rotated, zstd, a plugin call, a killed recorder): every change
//! is found by `osh-session-logs verify` and named.

use osh_tests::{Run, Sandbox, can_run};

const LOGS: &str = "/opt/osh/bin/osh-session-logs";
const DIR: &str = "/home/admin/ttyrec/127.0.0.2";

/// `osh-session-logs ARGS` inside the sandbox, as root.
fn logs(sb: &Sandbox, args: &str) -> Run {
    sb.root(&format!("{LOGS} {args}"))
}

/// The JSON document a command printed.
#[track_caller]
fn doc(r: &Run) -> serde_json::Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {r}"))
}

/// An egress session of the admin to the target running `cmd` (`extra`:
/// the ssh client's options); its uniqid.
fn session(sb: &Sandbox, extra: &[&str], cmd: &str) -> String {
    // A terminal asked of the client is asked of the target too (osh's -t).
    let tty: &[&str] = if extra.contains(&"-tt") { &["-t"] } else { &[] };
    let args: Vec<&str> = [tty, &["tuser@127.0.0.2", "-p", "2223", "--", cmd]].concat();
    let r = sb.ssh_full(&sb.admin_key(), "admin", extra, &args, None);
    r.code(0);
    sb.last_event("close", |_| true)
        .and_then(|e| osh_tests::field(&e, "uniqid").map(str::to_owned))
        .expect("a close event")
}

/// A command printing 1..=`n` in `parts` bursts a moment apart: each burst
/// is its own frame, so the recording rotates between them (one burst read
/// at once would be one frame, and one segment).
fn spread(n: u32, parts: u32) -> String {
    let k = n / parts;
    format!(
        "for i in $(seq 1 {parts}); do seq $(( (i - 1) * {k} + 1 )) $(( i * {k} )); sleep 0.3; done"
    )
}

/// Recorder options: small segments, plain or zstd.
const ROTATE: &str = r#"["--rotate-size", "30000"]"#;
const ROTATE_ZSTD: &str = r#"["-Z", "--rotate-size", "30000"]"#;

/// Run `f` with `ttyrecAdditionalParameters` set to `params`, then back to none.
fn rotating<T>(sb: &Sandbox, params: &str, f: impl FnOnce() -> T) -> T {
    sb.config_set("ttyrecAdditionalParameters", params);
    let r = f();
    sb.config_set("ttyrecAdditionalParameters", "[]");
    r
}

/// The segment files of session `id` under `dir`, in name order.
fn segments(sb: &Sandbox, dir: &str, id: &str) -> Vec<String> {
    sb.root_ok(&format!(
        "ls {dir} | grep '\\.{id}\\.' | grep -E '\\.ttyrec(\\.zst)?$'"
    ))
    .lines()
    .map(|l| format!("{dir}/{l}"))
    .collect()
}

/// The output bytes of the segments, read by our codec.
fn recorded(sb: &Sandbox, files: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    for f in files {
        let bytes = sb.root_bytes(&format!("cat {f}"));
        let (frames, end) = osh_ttyrec::read_all(&bytes);
        assert!(end.is_none(), "{f}");
        for fr in frames {
            out.extend(fr.data);
        }
    }
    out
}

#[test]
fn sealed_sessions_verify_and_export_for_tools_we_did_not_write() {
    if !can_run("proof") {
        return;
    }
    let sb = Sandbox::start("proof-tools");
    sb.admin_reaches_target();
    let (plain, tty) = rotating(&sb, ROTATE, || {
        (
            session(&sb, &["-T"], &spread(60000, 3)),
            session(&sb, &["-tt"], "printf 'caf\\303\\251 '; stty size"),
        )
    });
    let zstd = rotating(&sb, ROTATE_ZSTD, || {
        session(&sb, &["-T"], &spread(40000, 2))
    });
    let files = segments(&sb, DIR, &plain);
    assert!(files.len() >= 2, "rotated: {files:?}");
    assert!(
        segments(&sb, DIR, &zstd)
            .iter()
            .all(|f| f.ends_with(".zst"))
    );

    // Every seal, checked by OpenSSH itself with the published allowed_signers.
    let checked = sb.root_ok(&format!(
        "cd {DIR} && for s in *.seal; do ssh-keygen -Y verify -f /home/sealkeeper/allowed_signers \
         -I osh-seal -n osh-seal -s \"$s.sig\" < \"$s\" >/dev/null || echo BAD $s; echo ok; done"
    ));
    assert!(
        !checked.contains("BAD") && checked.lines().count() >= 5,
        "{checked}"
    );
    // A changed byte in a seal, and ssh-keygen refuses it.
    let f = &files[0];
    sb.root(&format!(
        "sed 's/\"frames\":/\"frames\":1/' {f}.seal > /tmp/forged.seal && \
         ssh-keygen -Y verify -f /home/sealkeeper/allowed_signers -I osh-seal -n osh-seal -s {f}.seal.sig < /tmp/forged.seal"
    ))
    .code(255);

    // The witness copies reached the accepted stream (sent by the seal
    // keeper's uid), one per seal.
    let accepted = sb.root_ok("cat /var/log/bastion/bastion.log");
    assert!(
        accepted.contains(&format!("seal uniqid=\"{plain}\""))
            && accepted.contains("kind=\"close\""),
        "{}",
        &accepted[accepted.len().saturating_sub(2000)..]
    );
    assert!(
        !sb.root_ok("cat /var/log/bastion/bastion-forged.log 2>/dev/null || true")
            .contains("seal uniqid")
    );

    // Our verifier, on each session, by file, by directory and by id.
    for id in [&plain, &tty, &zstd] {
        logs(&sb, id).code(2);
        logs(&sb, &format!("verify {id}"))
            .code(0)
            .contains("VERIFIED")
            .contains("ledger checked");
    }
    logs(&sb, &format!("verify {f}"))
        .code(0)
        .contains(&format!("session {plain}"));
    let all = logs(&sb, &format!("verify --json {DIR}"));
    all.code(0);
    let v = doc(&all);
    assert_eq!(v["status"], "verified");
    assert_eq!(v["sessions"].as_array().map(Vec::len), Some(3), "{v}");
    assert_eq!(v["ledger"]["problems"].as_array().map(Vec::len), Some(0));
    // Away from the bastion: the files, the public key, nothing else.
    sb.root_ok(&format!(
        "rm -rf /tmp/away && mkdir /tmp/away && cp {DIR}/*{plain}* /tmp/away/ && cp /home/sealkeeper/seal_ed25519.pub /tmp/away/key.pub"
    ));
    logs(&sb, "verify --no-ledger --key /tmp/away/key.pub /tmp/away")
        .code(0)
        .contains("ledger not given");

    // JSON frames decode to exactly the recorded bytes.
    let j = logs(&sb, &format!("export {plain}"));
    j.code(0);
    let d = doc(&j);
    assert_eq!(d["verification"]["verified"], true);
    assert_eq!(d["session"]["uniqid"], plain.as_str());
    let decoded: Vec<u8> = d["frames"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|fr| {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(fr["data"].as_str().unwrap())
                .unwrap()
        })
        .collect();
    assert_eq!(decoded, recorded(&sb, &files));
    assert!(String::from_utf8_lossy(&decoded).ends_with("59999\n60000\n"));
    // decode: the same bytes, raw.
    assert_eq!(sb.root_bytes(&format!("{LOGS} decode {plain}")), decoded);

    // asciinema reads our cast (it wants a terminal: script gives it one).
    sb.root_ok(&format!(
        "{LOGS} export --format asciinema --output /tmp/z.cast {zstd}"
    ));
    let shown = sb.root_ok("script -qc 'asciinema cat /tmp/z.cast' /dev/null");
    assert!(
        shown.contains("39999") && shown.contains("40000"),
        "{shown}"
    );
    sb.root_ok(&format!(
        "{LOGS} export --format asciinema --output /tmp/t.cast {tty}"
    ));
    let cast = sb.root_ok("cat /tmp/t.cast");
    let header: serde_json::Value = serde_json::from_str(cast.lines().next().unwrap()).unwrap();
    assert_eq!(
        (header["version"].as_i64(), header["width"].as_i64()),
        (Some(2), Some(80))
    );
    let shown = sb.root_ok("script -qc 'asciinema cat /tmp/t.cast' /dev/null");
    assert!(shown.contains("café") && shown.contains("24 80"), "{shown}");
    // cat: the text a person saw.
    logs(&sb, &format!("cat {tty}"))
        .code(0)
        .contains("café 24 80");

    // ttyplay plays the segments joined into one ttyrec.
    sb.root_ok(&format!(
        "{LOGS} export --format ttyrec --output /tmp/j.ttyrec {plain}"
    ));
    let played = sb.root_ok("script -qc 'ttyplay -n /tmp/j.ttyrec' /dev/null");
    assert!(
        played.contains("60000"),
        "{}",
        &played[played.len().saturating_sub(200)..]
    );

    // The plugins: the account's own session, and an auditor's export, on stdout.
    let out = sb.root_ok(&format!(
        "ssh -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
         -T -i {} -p 2222 admin@127.0.0.1 -- --osh selfExportSession --id {plain} --format asciinema > /tmp/p.cast \
         && head -c 200 /tmp/p.cast && script -qc 'asciinema cat /tmp/p.cast' /dev/null | tail -n 2",
        sb.admin_key().display()
    ));
    assert!(
        out.starts_with("{\"version\":2") && out.contains("60000"),
        "{out}"
    );
    let ev = sb
        .last_event("export", |_| true)
        .expect("the export is logged");
    assert_eq!(
        osh_tests::field(&ev, "exported_uniqid"),
        Some(plain.as_str())
    );
    assert_eq!(osh_tests::field(&ev, "verification"), Some("verified"));
    let r = sb.admin(&[
        "--osh",
        "accountExportSession",
        "--account",
        "admin",
        "--id",
        &zstd,
        "--format",
        "json",
    ]);
    r.code(0);
    assert!(
        r.stdout.contains("\"frames\":[") && r.stderr.contains("VERIFIED"),
        "{r}"
    );
    sb.admin(&[
        "--osh",
        "selfExportSession",
        "--id",
        &zstd,
        "--format",
        "mp4",
    ])
    .code(100)
    .contains("--format");

    // A live session exported as it grows, across rotations, until it ends.
    sb.config_set("ttyrecAdditionalParameters", r#"["--rotate-size", "10"]"#);
    let followed = sb.root_ok(&format!(
        "touch /tmp/before-follow; sleep 0.1
         ssh -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -T -i {} -p 2222 \
         admin@127.0.0.1 -- tuser@127.0.0.2 -p 2223 -- 'for i in 1 2 3 4; do echo tick$i; sleep 0.7; done' >/dev/null 2>&1 &
         for i in $(seq 100); do f=$(find {DIR} -name '*.ttyrec' -newer /tmp/before-follow | head -1); [ -n \"$f\" ] && break; sleep 0.1; done
         timeout 30 {LOGS} export --follow --format asciinema \"$f\" > /tmp/follow.cast 2>/tmp/follow.err; echo rc=$?; cat /tmp/follow.err; wait",
        sb.admin_key().display()
    ));
    assert!(followed.contains("rc=0"), "{followed}");
    let cast = sb.root_ok("cat /tmp/follow.cast");
    assert!(
        (1..=4).all(|i| cast.contains(&format!("tick{i}"))),
        "{cast}"
    );
    // Verified again and again while it records and rotates at every frame:
    // a live session is "not closed yet" (3), never "broken" (1), and its
    // directory verifies with it.
    let polled = sb.root_ok(&format!(
        "touch /tmp/before-poll; sleep 0.1
         ssh -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -T -i {} -p 2222 \
         admin@127.0.0.1 -- tuser@127.0.0.2 -p 2223 -- 'for i in $(seq 50); do echo tock$i; sleep 0.1; done' >/dev/null 2>&1 & live=$!
         for i in $(seq 100); do f=$(find {DIR} -name '*.ttyrec' -newer /tmp/before-poll | head -1); [ -n \"$f\" ] && break; sleep 0.1; done
         while kill -0 $live 2>/dev/null; do {LOGS} verify \"$f\" >/tmp/poll.out 2>&1; rc=$?; echo rc=$rc; [ $rc = 1 ] && cat /tmp/poll.out
           {LOGS} verify {DIR} >/tmp/poll.out 2>&1; rc=$?; echo dir=$rc; [ $rc = 1 ] && cat /tmp/poll.out; done; wait
         {LOGS} verify \"$f\" >/dev/null 2>&1; echo end=$?",
        sb.admin_key().display()
    ));
    sb.config_set("ttyrecAdditionalParameters", "[]");
    assert!(
        !polled.contains("rc=1") && !polled.contains("dir=1") && polled.contains("end=0"),
        "{polled}"
    );
    assert!(polled.contains("rc=3"), "never seen live: {polled}");

    // play, into a pipe: the output at once, as the player does without a terminal.
    let played = logs(&sb, &format!("play {plain}"));
    played.code(0);
    assert!(
        played.stdout.ends_with("59999\n60000\n"),
        "{}",
        played.stdout.len()
    );
    logs(&sb, "--help")
        .code(0)
        .contains("verify")
        .contains("export");
    logs(&sb, "export --help")
        .code(0)
        .contains("--insecure")
        .contains("--follow");
    sb.admin(&["--osh", "selfExportSession", "--help"])
        .code(0)
        .contains("--format");

    // osh-seal run by an account itself: it signs for that account whatever
    // the request claims, and refuses a path that climbs out.
    let e = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let req = |path: &str| {
        format!(
            r#"{{"kind":"open","uniqid":"0000000000aa","target":"x","segment":0,"path":"{path}","frames":0,"bytes":0,"sha256":"{e}","first":null,"last":null,"winsize_bytes":0,"winsize_sha256":"{e}","prev_segment_sha256":null,"prev_seal_sha256":null,"seq":0,"account":"root"}}"#
        )
    };
    let signed = sb.root_ok(&format!(
        "echo '{}' | runuser -u admin -- /opt/osh/bin/osh-seal",
        req("/home/admin/ttyrec/x.ttyrec")
    ));
    let v: serde_json::Value = serde_json::from_str(&signed).unwrap();
    let seal: serde_json::Value = serde_json::from_str(v["seal"].as_str().unwrap()).unwrap();
    assert_eq!(seal["account"], "admin", "{seal}");
    let refused = sb.root(&format!(
        "echo '{}' | runuser -u admin -- /opt/osh/bin/osh-seal",
        req("/home/admin/../root/x.ttyrec")
    ));
    refused.code(1).contains("bad path");
    sb.root("runuser -u admin -- cat /home/sealkeeper/private/seal_ed25519")
        .code(1);

    // info shows the key an auditor verifies with.
    let key = sb.root_ok("cat /home/sealkeeper/seal_ed25519.pub");
    sb.admin(&["--osh", "info"]).code(0).contains(key.trim());
    // A new key: what the old one sealed still verifies, new seals use the new one.
    sb.root_ok(&format!(
        "{}/install/install --rotate-seal-key",
        osh_tests::repo().display()
    ));
    let key2 = sb.root_ok("cat /home/sealkeeper/seal_ed25519.pub");
    assert_ne!(key, key2);
    let after = session(&sb, &["-T"], "echo after-rotation");
    let all = doc(&logs(&sb, &format!("verify --json {DIR}")));
    assert_eq!(all["status"], "verified", "{all}");
    let keys: std::collections::BTreeSet<String> = all["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| {
            s["segments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| g["key"].as_str().unwrap_or("").to_owned())
        })
        .collect();
    assert_eq!(keys.len(), 2, "{keys:?}");
    // ssh-keygen checks the retired key's window at the seal's time.
    let old = &files[0];
    sb.root(&format!(
        "t=$(sed 's/.*\"time\":\"\\([0-9-]*\\)T\\([0-9:]*\\).*/\\1\\2/; s/[-:]//g' {old}.seal); \
         ssh-keygen -Y verify -f /home/sealkeeper/allowed_signers -I osh-seal -n osh-seal -Overify-time=$t -s {old}.seal.sig < {old}.seal"
    ))
    .code(0);
    let _ = after;
    // Sealing impossible (the keeper can't read its key): no session starts.
    sb.root_ok("chmod 000 /home/sealkeeper/private/seal_ed25519");
    let r = sb.ssh_full(
        &sb.admin_key(),
        "admin",
        &["-T"],
        &["tuser@127.0.0.2", "-p", "2223", "--", "echo should-not-run"],
        None,
    );
    sb.root_ok("chmod 400 /home/sealkeeper/private/seal_ed25519");
    assert_ne!(r.code, 0, "{r}");
    assert!(
        !r.stdout.contains("should-not-run") && r.all().contains("sealing failed"),
        "{r}"
    );
}

/// A copy of session `id`'s files (and of the ledger) in a fresh directory
/// `/tmp/m/NAME`, changed by `change` (a shell script run in it, `$S0`,
/// `$S1`... naming the segments); then `verify` of it (with the copied
/// ledger under `/tmp/m/NAME.ledger`).
fn mutated(sb: &Sandbox, name: &str, ids: &[&str], change: &str) -> Run {
    let mut copy = format!(
        "rm -rf /tmp/m/{name} /tmp/m/{name}.ledger && mkdir -p /tmp/m/{name} && cp -a /home/sealkeeper/ledger /tmp/m/{name}.ledger"
    );
    for id in ids {
        copy.push_str(&format!(" && cp -a {DIR}/*.{id}.* /tmp/m/{name}/"));
    }
    let segs: Vec<String> = segments(sb, DIR, ids[0])
        .iter()
        .map(|f| f.rsplit('/').next().unwrap_or_default().to_owned())
        .collect();
    let vars: String = segs
        .iter()
        .enumerate()
        .map(|(i, s)| format!("S{i}='{s}'; "))
        .collect();
    sb.root_ok(&format!("{copy} && cd /tmp/m/{name} && {vars} {change}"));
    logs(
        sb,
        &format!("verify --ledger /tmp/m/{name}.ledger /tmp/m/{name}"),
    )
}

#[test]
fn every_mutation_is_detected_and_named() {
    if !can_run("proof") {
        return;
    }
    let sb = Sandbox::start("proof-mutations");
    sb.admin_reaches_target();
    let (a, b) = rotating(&sb, ROTATE, || {
        (
            session(&sb, &["-T"], &spread(30000, 3)),
            session(&sb, &["-T"], &format!("{}; echo b", spread(30000, 3))),
        )
    });
    let z = rotating(&sb, ROTATE_ZSTD, || {
        session(&sb, &["-T"], &spread(40000, 2))
    });

    mutated(&sb, "clean", &[&a, &b], "true")
        .code(0)
        .lacks("FAILED");
    // A flipped byte, inside the second segment.
    mutated(
        &sb,
        "flip",
        &[&a],
        "printf 'X' | dd of=\"$S1\" bs=1 seek=5000 conv=notrunc 2>/dev/null",
    )
    .code(1)
    .contains("segment 1")
    .contains("differs from its seal")
    .contains("frame");
    // --insecure exports it anyway, marked, and says so.
    let seg1 = segments(&sb, DIR, &a)[1]
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let copy = format!("--ledger /tmp/m/flip.ledger /tmp/m/flip/{seg1}");
    logs(&sb, "export --ledger /tmp/m/clean.ledger /tmp/m/clean")
        .code(2)
        .contains("name one");
    logs(&sb, &format!("export {copy}"))
        .code(1)
        .contains("not exported");
    let e = logs(&sb, &format!("export --insecure {copy}"));
    e.code(1).contains("WARNING: verification FAILED");
    assert_eq!(doc(&e)["verification"]["verified"], false);
    assert!(
        doc(&e)["verification"]["problems"]
            .as_array()
            .is_some_and(|p| !p.is_empty())
    );
    mutated(
        &sb,
        "flipz",
        &[&z],
        "printf 'X' | dd of=\"$S0\" bs=1 seek=300 conv=notrunc 2>/dev/null",
    )
    .code(1)
    .contains("segment 0");
    mutated(&sb, "truncate", &[&a], "truncate -s 1000 \"$S0\"")
        .code(1)
        .contains("truncated: the file has 1000 bytes");
    mutated(&sb, "drop", &[&a], "rm \"$S1\" \"$S1\".*")
        .code(1)
        .contains("segment 1 is missing")
        .contains("the ledger sealed it as");
    // Reordered: the first two segments swapped, seals and all.
    mutated(
        &sb,
        "reorder",
        &[&a],
        "for e in '' .seal .seal.sig .winsize; do mv \"$S0$e\" tmp; mv \"$S1$e\" \"$S0$e\"; mv tmp \"$S1$e\"; done",
    )
    .code(1)
    .contains("renamed, or its recording or seal swapped");
    // Session b's first seal put on session a's first segment.
    let bs = segments(&sb, DIR, &b)[0]
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    mutated(
        &sb,
        "swapseal",
        &[&a, &b],
        &format!("cp '{bs}.seal' \"$S0.seal\"; cp '{bs}.seal.sig' \"$S0.seal.sig\""),
    )
    .code(1)
    .contains("belongs to session");
    // Session a's first recording replaced by session b's.
    let r = mutated(&sb, "replace", &[&a, &b], &format!("cp '{bs}' \"$S0\""));
    r.code(1).contains("segment 0");
    assert!(
        r.stdout.contains("differs from its seal") || r.stdout.contains("truncated"),
        "{r}"
    );
    // The ledger edited, then cut short.
    mutated(&sb, "ledger-edit", &[&a], "f=$(ls ../ledger-edit.ledger/ledger-*.jsonl | head -1); sed -i '2s/\"admin\"/\"root\"/' \"$f\"")
        .code(1)
        .contains("ledger /tmp/m/ledger-edit.ledger: FAILED")
        .contains("line 2");
    mutated(&sb, "ledger-cut", &[&a], "f=$(ls ../ledger-cut.ledger/ledger-*.jsonl | tail -1); head -n 2 \"$f\" > x && mv x \"$f\"")
        .code(1)
        .contains("is not in the ledger");

    // A recorder killed mid-session, with output since its last checkpoint:
    // valid up to that checkpoint, and the unsealed tail said.
    sb.config_set("sealCheckpointSeconds", "3");
    let killed = sb.root_ok(&format!(
        "ssh -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -T -i {} -p 2222 \
         admin@127.0.0.1 -- tuser@127.0.0.2 -p 2223 -- 'echo early; sleep 3.5; echo late; sleep 60' >/tmp/live.out 2>/dev/null &
         for i in $(seq 200); do grep -q late /tmp/live.out && break; sleep 0.05; done
         pkill -KILL -f '^/opt/osh/bin/ttyrec' && echo killed",
        sb.admin_key().display()
    ));
    assert!(killed.contains("killed"), "{killed}");
    let id = sb.root_ok(&format!("ls -t {DIR} | grep -E '\\.ttyrec$' | head -1"));
    let id = id.split('.').nth(3).unwrap_or_default().to_owned();
    logs(&sb, &format!("verify {id}"))
        .code(3)
        .contains("PARTIAL")
        .contains("not closed: sealed up to byte");
    let v = doc(&logs(&sb, &format!("verify --json {id}")));
    assert_eq!(v["sessions"][0]["status"], "partial", "{v}");
    assert!(
        v["sessions"][0]["unsealed"]["bytes"].as_u64() > Some(0),
        "{v}"
    );
    assert!(
        v["sessions"][0]["problems"]
            .as_array()
            .is_some_and(Vec::is_empty),
        "{v}"
    );
    // It exports, saying so, with every byte recorded.
    let e = logs(&sb, &format!("export {id}"));
    e.code(0).contains("not closed");
    assert_eq!(doc(&e)["verification"]["status"], "partial");
    assert_eq!(sb.root_ok(&format!("{LOGS} decode {id}")), "early\nlate\n");

    // A whole session deleted with its seals, where the ledger saw it recorded.
    sb.root_ok(&format!("rm -f {DIR}/*.{b}.*"));
    logs(&sb, &format!("verify {DIR}"))
        .code(1)
        .contains(&format!("session {b}"))
        .contains("recordings and seals are gone");
}
