//! `osh-bench`: what osh costs a plugin call, measured against the floor.
//!
//! In one sandbox, alternating, it times `ssh admin@bastion -- --osh info`
//! against `ssh tuser@bastion true`, where tuser is a plain /bin/sh user on the
//! *same* sshd (same key type, same PAM: the floor no bastion can go below). It
//! prints the medians and their difference, and the bastion side's CPU per call:
//! the change of the listening sshd's cumulative CPU (its own and its reaped
//! children's: sshd, osh, the plugin, sudo and helpers) in /proc/PID/stat,
//! averaged over the rounds because the kernel counts it in 10 ms ticks.
//!
//! `osh-bench egress` measures a recorded connection: its latency against a
//! direct ssh plus that floor, 256 MB of output through the bastion with and
//! without a terminal against the same direct, the recorder's own CPU against
//! `tee FILE` on the same stream, and the resident memory of osh and the
//! recorder per live session (plain and zstd).
//!
//! `osh-bench groups` measures the group paths at 10,000 groups and accounts.
//!
//! `osh-bench proof [ROUNDS] [MB]` measures sealing: the recorder on the same
//! MB of output with and without seals (alternating), and `osh-session-logs`
//! verifying and exporting an MB-sized recording.
//!
//! Usage: osh-bench [plugin|egress|memory|sessions|groups|proof|all] [ROUNDS] [MB] | osh-bench load [CLIENTS] [SECONDS]   (run as root; OSH_BUILD_DIR or target/release)

use std::time::Instant;

use osh_tests::Sandbox;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        f64::midpoint(v[n / 2 - 1], v[n / 2])
    }
}

/// Cumulative CPU seconds of the listening sshd and its reaped children.
fn sshd_cpu(sb: &Sandbox) -> f64 {
    let stat = sb.root_ok("cat /proc/$(cat /run/sshd.pid)/stat");
    // Fields after the ")" of the command name; utime is field 14 overall.
    let after = stat.rsplit_once(')').map_or("", |(_, a)| a);
    let f: Vec<f64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    let ticks = f[11] + f[12] + f[13] + f[14];
    // USER_HZ is 100 on Linux.
    ticks / 100.0
}

fn timed(sb: &Sandbox, script: &str) -> f64 {
    let t = Instant::now();
    let r = sb.root(script);
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(r.code, 0, "{script}\n{r}");
    ms
}

fn plugin_bench(sb: &Sandbox, rounds: usize) {
    let key = sb.admin_key();
    // Warm up both paths (page cache, sshd's first fork, sudo's first parse).
    for _ in 0..3 {
        sb.ssh(&key, "admin", &["--osh", "info"]).code(0);
        sb.ssh(&key, "tuser", &["true"]).code(0);
    }
    let (mut osh_ms, mut floor_ms, mut osh_cpu, mut floor_cpu) = (vec![], vec![], vec![], vec![]);
    for _ in 0..rounds {
        for which in [true, false] {
            let c0 = sshd_cpu(sb);
            let t = Instant::now();
            let r = if which {
                sb.ssh(&key, "admin", &["--osh", "info"])
            } else {
                sb.ssh(&key, "tuser", &["true"])
            };
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            r.code(0);
            let cpu = (sshd_cpu(sb) - c0) * 1000.0;
            if which {
                osh_ms.push(ms);
                osh_cpu.push(cpu);
            } else {
                floor_ms.push(ms);
                floor_cpu.push(cpu);
            }
        }
    }
    let (mo, mf) = (median(&mut osh_ms), median(&mut floor_ms));
    // CPU comes in 10 ms ticks: a median would only ever say 40 or 50, a mean
    // over the rounds resolves what osh adds.
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let (co, cf) = (mean(&osh_cpu), mean(&floor_cpu));
    println!(
        "osh-bench plugin: {rounds} rounds, alternating, one sandbox; wall: medians, CPU: means"
    );
    println!("  ssh -- --osh info        {mo:8.1} ms wall   {co:6.1} ms CPU on the bastion side");
    println!("  ssh true (plain user)    {mf:8.1} ms wall   {cf:6.1} ms CPU on the bastion side");
    println!(
        "  osh adds                 {:8.1} ms wall   {:6.1} ms CPU",
        mo - mf,
        co - cf
    );
    println!("  targets: osh adds at most 10 ms wall and 5 ms CPU to the same-sshd floor");
}

/// Transfers of each kind in (b): throughput on 2 shared cores moves by 10-20%
/// from one transfer to the next, so fewer than 5 makes a median of noise.
const TRANSFERS: usize = 5;

const OPTS: &str = "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes";

/// Resident memory of one live session's own processes (the waiting parent
/// osh-connect, which osh becomes, and the recorder), in kB: (RSS, anonymous).
/// RSS counts the pages of code a process maps in full, though they are
/// shared with every other session; anonymous memory (heap, stack) is what
/// each further session adds for sure.
fn session_memory(sb: &Sandbox) -> Vec<(String, u64, u64)> {
    let key = sb.admin_key();
    let script = format!(
        "ssh -i {} {OPTS} -p 2222 admin@127.0.0.1 -- tuser@127.0.0.2 -p 2223 -- sleep 4 >/dev/null 2>&1 & \
         for i in $(seq 50); do pgrep -u tuser -x sleep >/dev/null && break; sleep 0.1; done; \
         for c in osh osh-connect ttyrec; do for p in $(pgrep -u admin -x $c); do \
           echo $c $(awk '/^VmRSS:/{{r=$2}} /^RssAnon:/{{a=$2}} END{{print r, a}}' /proc/$p/status); \
         done; done; wait",
        key.display()
    );
    sb.root_ok(&script)
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            Some((
                w.next()?.to_owned(),
                w.next()?.parse().ok()?,
                w.next()?.parse().ok()?,
            ))
        })
        .collect()
}

fn memory_bench(sb: &Sandbox) {
    let show = |label: &str, m: &[(String, u64, u64)]| {
        let parts: Vec<String> = m.iter().map(|(c, r, _)| format!("{c} {r} kB")).collect();
        let rss: u64 = m.iter().map(|(_, r, _)| r).sum();
        let anon: u64 = m.iter().map(|(_, _, a)| a).sum();
        println!(
            "      {label}: {} = {rss} kB RSS (target: at most 5120 kB plain); anonymous {anon} kB",
            parts.join(" + ")
        );
    };
    println!("  (c) resident memory per live session");
    show("plain", &session_memory(sb));
    sb.config_set("ttyrecAdditionalParameters", r#"["--zstd"]"#);
    show("zstd ", &session_memory(sb));
    sb.config_set("ttyrecAdditionalParameters", "[]");
}

fn egress_bench(sb: &Sandbox, rounds: usize, mb: u64) {
    let key = sb.admin_key();
    sb.admin_reaches_target();
    let k = key.display();
    let via = format!("ssh -i {k} {OPTS} -p 2222 admin@127.0.0.1 -- tuser@127.0.0.2 -p 2223 --");
    let direct = format!("ssh -i {k} {OPTS} -p 2223 tuser@127.0.0.2");
    let floor = format!("ssh -i {k} {OPTS} -p 2222 tuser@127.0.0.1");
    for _ in 0..3 {
        timed(sb, &format!("{via} true"));
        timed(sb, &format!("{direct} true"));
        timed(sb, &format!("{floor} true"));
    }
    let (mut b, mut d, mut f) = (vec![], vec![], vec![]);
    for _ in 0..rounds {
        b.push(timed(sb, &format!("{via} true")));
        d.push(timed(sb, &format!("{direct} true")));
        f.push(timed(sb, &format!("{floor} true")));
    }
    let (mb_, md, mf) = (median(&mut b), median(&mut d), median(&mut f));
    println!("osh-bench egress: {rounds} rounds, alternating, one sandbox, medians");
    println!("  (a) ssh bastion -- u@target -- true   {mb_:8.1} ms");
    println!("      ssh u@target true (direct)         {md:8.1} ms");
    println!("      ssh u@bastion true (floor)         {mf:8.1} ms");
    println!(
        "      bastion - (direct + floor)         {:8.1} ms   (target: at most +15 ms)",
        mb_ - md - mf
    );

    let bytes = mb * 1024 * 1024;
    let source = format!("head -c {bytes} /dev/zero");
    let (mut dn, mut vn, mut dt, mut vt) = (vec![], vec![], vec![], vec![]);
    for _ in 0..TRANSFERS {
        dn.push(timed(sb, &format!("{direct} '{source}' > /dev/null")));
        vn.push(timed(sb, &format!("{via} {source} > /dev/null")));
        dt.push(timed(
            sb,
            &format!("ssh -tt -i {k} {OPTS} -p 2223 tuser@127.0.0.2 '{source}' > /dev/null"),
        ));
        vt.push(timed(sb, &format!("ssh -tt -i {k} {OPTS} -p 2222 admin@127.0.0.1 -- -t tuser@127.0.0.2 -p 2223 -- {source} > /dev/null")));
        sb.root_ok("rm -f /home/admin/ttyrec/127.0.0.2/*");
    }
    let rate = |ms: f64| mb as f64 / (ms / 1000.0);
    let (rdn, rvn, rdt, rvt) = (
        rate(median(&mut dn)),
        rate(median(&mut vn)),
        rate(median(&mut dt)),
        rate(median(&mut vt)),
    );
    println!("  (b) {mb} MB of output, medians of {TRANSFERS}");
    println!(
        "      no tty: direct {rdn:7.1} MB/s, through the bastion {rvn:7.1} MB/s = {:.2}x   (target: at least 0.5x)",
        rvn / rdn
    );
    println!(
        "      tty:    direct {rdt:7.1} MB/s, through the bastion {rvt:7.1} MB/s = {:.2}x   (judged beside The Bastion in tty mode, not against direct)",
        rvt / rdt
    );

    // The recorder's own CPU against tee on the same stream, standalone.
    let dir = osh_tests::repo().join("target/bench-tmp");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let feed = |mut child: std::process::Child| {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().unwrap();
        let chunk = vec![0u8; 1 << 20];
        for _ in 0..mb {
            stdin.write_all(&chunk).unwrap();
        }
        drop(stdin);
        child.wait().unwrap();
    };
    let before =
        nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN).unwrap();
    feed(
        std::process::Command::new("tee")
            .arg(dir.join("tee.out"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let after =
        nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN).unwrap();
    let ms = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 * 1000.0 + t.tv_usec() as f64 / 1000.0;
    let tee_ms = ms(after.user_time()) + ms(after.system_time())
        - ms(before.user_time())
        - ms(before.system_time());
    // The recorder records a command's own output, as in a session (its stdin
    // stays idle), and reports its own CPU in its status.
    let st = std::process::Command::new(sb.build.join("ttyrec"))
        .args(["-T", "never", "-f"])
        .arg(dir.join("r.ttyrec"))
        .arg("--status-file")
        .arg(dir.join("status"))
        .args(["--", "head", "-c", &bytes.to_string(), "/dev/zero"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    let st: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("status")).unwrap()).unwrap();
    let rec_ms =
        st["cpu_user_ms"].as_f64().unwrap_or(0.0) + st["cpu_sys_ms"].as_f64().unwrap_or(0.0);
    let _ = std::fs::remove_dir_all(&dir);
    let gb = mb as f64 / 1024.0;
    println!(
        "      recorder CPU (no tty, its rusage): {:.2} CPU-s/GB; tee FILE >/dev/null: {:.2} CPU-s/GB   (target: recorder <= tee)",
        rec_ms / 1000.0 / gb,
        tee_ms / 1000.0 / gb
    );

    memory_bench(sb);
}

/// (d) `selfListSessions` over an account's databases of a million sessions
/// spread over 12 months (and a global one as large), made by
/// `osh-sessions-gen`: the plugin's own work (run directly as the account,
/// against the same call of `true`), then the whole call through ssh
/// against the same-sshd floor.
fn sessions_bench(sb: &Sandbox, rounds: usize) {
    let generator = osh_tests::build_dir().join("osh-sessions-gen");
    let generator = if generator.is_file() {
        generator
    } else {
        osh_tests::repo().join("target/release/osh-sessions-gen")
    };
    let t = Instant::now();
    sb.root_ok(&format!(
        "runuser -u admin -- {g} /home/admin admin 1000000 12 2>/dev/null && \
         mkdir -p /tmp/gen && chown logkeeper /tmp/gen && \
         runuser -u logkeeper -- {g} /tmp/gen global 1000000 12 --global /home/logkeeper 2>/dev/null",
        g = generator.display()
    ));
    let rows = sb.root_ok("for f in /home/admin/admin-log-*.sqlite; do sqlite3 $f 'select count(*) from connections'; done | paste -sd+ | bc");
    println!(
        "osh-bench sessions: {} sessions in 12 monthly databases (made in {:.0} s), {rounds} rounds",
        rows.trim(),
        t.elapsed().as_secs_f64()
    );
    let direct = |args: &str| {
        format!(
            "setpriv --reuid admin --regid admin --init-groups env PLUGIN_JSON=DEFAULT /opt/osh/bin/plugin/open/selfListSessions '' '' '' '' {args} >/dev/null"
        )
    };
    let base = "setpriv --reuid admin --regid admin --init-groups /bin/true";
    for (what, args) in [
        ("newest 100", ""),
        ("--type ssh --allowed", "--type ssh --allowed"),
        ("--host 10.0.7.7 (rare)", "--host 10.0.7.7 --limit 20"),
        (
            "--after 90 days ago",
            "--after $(( $(date +%s) - 90*86400 ))",
        ),
    ] {
        let (mut p, mut b) = (vec![], vec![]);
        for _ in 0..rounds {
            p.push(timed(sb, &direct(args)));
            b.push(timed(sb, base));
        }
        let (mp, mb) = (median(&mut p), median(&mut b));
        println!(
            "  plugin alone, {what:<26} {:7.1} ms  (exec of true: {mb:.1} ms; target: under 20 ms)",
            mp - mb
        );
    }
    let key = sb.admin_key();
    let (mut osh_ms, mut floor_ms) = (vec![], vec![]);
    for _ in 0..rounds {
        let t = Instant::now();
        sb.ssh(&key, "admin", &["--osh", "selfListSessions"])
            .code(0);
        osh_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        sb.ssh(&key, "tuser", &["true"]).code(0);
        floor_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let (mo, mf) = (median(&mut osh_ms), median(&mut floor_ms));
    println!(
        "  ssh -- --osh selfListSessions {mo:7.1} ms, floor {mf:.1} ms: +{:.1} ms  (target: within 15 ms; The Bastion: 382 against 200)",
        mo - mf
    );
}

/// `osh-bench groups`: 10,000 groups and 10,000 accounts (made by
/// `osh-groups-gen`), one account in 100 groups of 1,000 servers each.
fn groups_bench(sb: &Sandbox, rounds: usize) {
    let generator = osh_tests::build_dir().join("osh-groups-gen");
    let generator = if generator.is_file() {
        generator
    } else {
        osh_tests::repo().join("target/release/osh-groups-gen")
    };
    let key = sb.admin_key();
    let hub = sb.create_account("hub", 7000);
    let lone = sb.create_account("lone", 7001);
    let t = Instant::now();
    let made = sb.root_ok(&format!("{} 10000 10000 hub 100 1000", generator.display()));
    println!(
        "osh-bench groups: {} (made in {:.0} s), {rounds} rounds",
        made.trim(),
        t.elapsed().as_secs_f64()
    );
    // The decision: a connection to a server no grant covers, so every line
    // of the hub's 100 groups is weighed, against the same for an account in
    // no group; both end at the decision (107) before any egress ssh.
    let refused = ["root@10.250.0.1", "--", "true"];
    let (mut h, mut l) = (vec![], vec![]);
    for _ in 0..rounds {
        let t = Instant::now();
        sb.ssh(&hub, "hub", &refused).code(107);
        h.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        sb.ssh(&lone, "lone", &refused).code(107);
        l.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let (mh, ml) = (median(&mut h), median(&mut l));
    // The same, osh alone (as sshd starts it), without sshd's own cost and noise.
    let osh_alone = |who: &str| {
        format!(
            "cd / && SSH_CONNECTION='127.0.0.1 50000 127.0.0.1 22' setpriv --reuid {who} --regid {who} --init-groups /opt/osh/bin/osh -c 'root@10.250.0.1 -- true' >/dev/null 2>&1; test $? = 107"
        )
    };
    let (mut oh, mut ol) = (vec![], vec![]);
    for _ in 0..rounds * 4 {
        oh.push(timed(sb, &osh_alone("hub")));
        ol.push(timed(sb, &osh_alone("lone")));
    }
    let (moh, mol) = (median(&mut oh), median(&mut ol));
    println!(
        "  osh alone to the refused server: {moh:.1} ms in 100 groups against {mol:.1} ms in none: +{:.1} ms  (target: at most 5 ms)",
        moh - mol
    );
    let mut f = vec![];
    for _ in 0..rounds {
        let t = Instant::now();
        sb.ssh(&key, "tuser", &["true"]).code(0);
        f.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "  floor at 10,000 groups (ssh tuser@bastion true, same sshd): {:.1} ms",
        median(&mut f)
    );
    println!(
        "  egress decision, 100 groups x 1,000 servers: {mh:.1} ms against {ml:.1} ms with no group: +{:.1} ms  (target: at most 5 ms)",
        mh - ml
    );
    let mut c = vec![];
    let mut m = vec![];
    for i in 0..rounds.min(10) {
        let g = format!("new{i}");
        let t = Instant::now();
        sb.ssh(
            &key,
            "admin",
            &[
                "--osh",
                "groupCreate",
                "--group",
                &g,
                "--owner",
                "admin",
                "--algo",
                "ed25519",
            ],
        )
        .code(0);
        c.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        sb.ssh(
            &key,
            "admin",
            &[
                "--osh",
                "groupAddMember",
                "--group",
                &g,
                "--account",
                "lone",
            ],
        )
        .code(0);
        m.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "  groupCreate at 10,000 groups (ed25519 key): {:.1} ms wall  (target: at most 200 ms)",
        median(&mut c)
    );
    println!(
        "  groupAddMember at 10,000 groups: {:.1} ms wall",
        median(&mut m)
    );
    let direct = |who: &str, class: &str, plugin: &str, args: &str| {
        format!(
            "setpriv --reuid {who} --regid {who} --init-groups env PLUGIN_JSON=DEFAULT /opt/osh/bin/plugin/{class}/{plugin} '' '' {args} >/dev/null"
        )
    };
    let base = "setpriv --reuid admin --regid admin --init-groups /bin/true";
    for (what, script) in [
        (
            "groupList (hub's 100)",
            direct("hub", "open", "groupList", "'' ''"),
        ),
        (
            "groupList --all (10,000)",
            direct("hub", "open", "groupList", "'' '' --all"),
        ),
        (
            "whoHasAccessTo 10.0.0.1 (10,000 accounts)",
            direct("admin", "restricted", "whoHasAccessTo", "10.0.0.1 ''"),
        ),
    ] {
        let (mut p, mut b) = (vec![], vec![]);
        for _ in 0..rounds {
            p.push(timed(sb, &script));
            b.push(timed(sb, base));
        }
        let (mp, mb) = (median(&mut p), median(&mut b));
        println!(
            "  plugin alone, {what:<42} {:7.1} ms  (exec of true: {mb:.1} ms; target: under 100 ms)",
            mp - mb
        );
    }
}

fn main() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "osh-bench needs root (it starts a namespace sandbox)"
    );
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args.first().map_or("all", String::as_str);
    let rounds: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(30);
    let mb: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(256);
    let build = std::env::var("OSH_BUILD_DIR").map_or_else(
        |_| osh_tests::repo().join("target/release"),
        std::path::PathBuf::from,
    );
    assert!(
        build.join("osh").is_file(),
        "build first: install/build --release"
    );
    let sb = Sandbox::start_from("bench", &build);
    if mode == "plugin" || mode == "all" {
        plugin_bench(&sb, rounds);
    }
    if mode == "egress" || mode == "all" {
        egress_bench(&sb, rounds, mb);
    }
    if mode == "memory" {
        sb.admin_reaches_target();
        memory_bench(&sb);
    }
    if mode == "sessions" {
        sessions_bench(&sb, rounds);
    }
    if mode == "groups" {
        groups_bench(&sb, rounds);
    }
    if mode == "proof" {
        proof_bench(
            &sb,
            rounds.min(10),
            if args.get(2).is_some() { mb } else { 1024 },
        );
    }
    if mode == "lifecycle" {
        // osh-bench lifecycle [FILES] [MB]: encrypt and ship, against gpg itself.
        let files = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
        let mb = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(2048);
        lifecycle_bench(&sb, files, mb);
    }
    if mode == "rotate" {
        // osh-bench rotate [RECORDERS]: osh-rotate-ttyrec --big-only over live recorders.
        let n = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(500);
        rotate_bench(&sb, n);
    }
    if mode == "load" {
        // osh-bench load [CLIENTS] [SECONDS]: concurrent egress sessions, then
        // every sink counted.
        let clients = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(50);
        let seconds = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(60);
        sb.admin_reaches_target();
        let t = Instant::now();
        let n = osh_tests::load(&sb, clients, seconds);
        let took = t.elapsed().as_secs_f64();
        osh_tests::assert_every_sink_has(&sb, n);
        println!(
            "osh-bench load: {clients} clients for {seconds} s: {n} egress sessions in {took:.0} s ({:.1}/s); \
             every open, close and row in syslog, both flat logs and both databases; no sink error",
            n as f64 / took
        );
    }
}

/// Wall seconds and user+system CPU seconds (with children) of a script
/// run inside the sandbox, from `/usr/bin/time`-like accounting by bash.
fn timed_cpu(sb: &Sandbox, script: &str) -> (f64, f64) {
    // bash's `time` (sh has none), from a script file: no quoting to get wrong.
    let out = sb.root_ok(&format!(
        "cat > /tmp/timed.sh <<'EOF'\nTIMEFORMAT='%R %U %S'\n{{ time {{ {script} ; echo $? > /tmp/timed.rc ; }} >/dev/null 2>/dev/null ; }} 2>&1 | tail -n 1\nEOF\nbash /tmp/timed.sh"
    ));
    // What is timed must have worked: a refusal is fast, and wrong.
    assert_eq!(
        sb.root_ok("cat /tmp/timed.rc").trim(),
        "0",
        "{script} failed"
    );
    let v: Vec<f64> = out
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    assert_eq!(v.len(), 3, "{script}: {out}");
    (v[0], v[1] + v[2])
}

fn proof_bench(sb: &Sandbox, rounds: usize, mb: u64) {
    let rounds = rounds.max(1);
    println!("osh-bench proof: {rounds} rounds, {mb} MB of text output");
    // Text, in the chunks cat reads (128 KiB): what a bulk session looks like.
    sb.root_ok(&format!(
        "rm -rf /tmp/pb && mkdir /tmp/pb && head -c {} /dev/urandom | base64 -w 100 > /tmp/pb/text",
        mb * 1024 * 1024 * 3 / 4
    ));
    let rec = |sealed: bool, n: usize| {
        let seal = if sealed {
            // One session id per run: the ledger holds them all.
            format!(
                "--seal /opt/osh/bin/osh-seal --uniqid {:012x} --target bench",
                0xb0b0 + n
            )
        } else {
            String::new()
        };
        format!(
            "/opt/osh/bin/ttyrec -T never --rotate-size 0 {seal} -f /tmp/pb/r{n}.ttyrec --status-file /tmp/pb/s{n} -- cat /tmp/pb/text"
        )
    };
    let status_cpu = |n: usize| {
        let v: serde_json::Value =
            serde_json::from_str(&sb.root_ok(&format!("cat /tmp/pb/s{n}"))).unwrap_or_default();
        (v["cpu_user_ms"].as_f64().unwrap_or(0.0) + v["cpu_sys_ms"].as_f64().unwrap_or(0.0))
            / 1000.0
    };
    let (mut w_on, mut w_off, mut c_on, mut c_off, mut r_on, mut r_off) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for i in 0..rounds {
        for sealed in [false, true] {
            let n = i * 2 + usize::from(sealed);
            sb.root_ok("rm -f /tmp/pb/r* /tmp/pb/s*; sync");
            let (w, c) = timed_cpu(sb, &rec(sealed, n));
            let own = status_cpu(n);
            if sealed {
                w_on.push(w);
                c_on.push(c);
                r_on.push(own);
            } else {
                w_off.push(w);
                c_off.push(c);
                r_off.push(own);
            }
        }
    }
    let mbf = mb as f64;
    let (won, woff) = (median(&mut w_on), median(&mut w_off));
    let (con, coff) = (median(&mut c_on), median(&mut c_off));
    let (ron, roff) = (median(&mut r_on), median(&mut r_off));
    println!(
        "  recorder, sealing off: {:.0} MB/s, CPU {coff:.2} s in all (the recorder alone {roff:.2} s)",
        mbf / woff
    );
    println!(
        "  recorder, sealing on:  {:.0} MB/s, CPU {con:.2} s in all (the recorder alone {ron:.2} s, osh-seal included in all)",
        mbf / won
    );
    println!(
        "  sealing costs {:+.1}% throughput and {:+.1}% CPU (target: within 5%)",
        (mbf / won - mbf / woff) / (mbf / woff) * 100.0,
        (con - coff) / coff * 100.0
    );
    // What a user sees: the same output through the bastion (no tty), with
    // sealing on and off, alternating, and the bastion side's CPU for it.
    let k = sb.admin_key();
    sb.admin_reaches_target();
    let via = format!(
        "ssh -i {} {OPTS} -p 2222 admin@127.0.0.1 -- tuser@127.0.0.2 -p 2223 -- head -c {} /dev/zero > /dev/null",
        k.display(),
        mb * 1024 * 1024
    );
    // And what it adds to a connection's and a plugin call's latency (two
    // seals each: open and close), alternating.
    let quick = format!(
        "ssh -i {} {OPTS} -p 2222 admin@127.0.0.1 -- tuser@127.0.0.2 -p 2223 -- true",
        k.display()
    );
    let plugin = format!(
        "ssh -i {} {OPTS} -p 2222 admin@127.0.0.1 -- --osh info",
        k.display()
    );
    let (mut l_on, mut l_off, mut p_on, mut p_off) = (vec![], vec![], vec![], vec![]);
    for _ in 0..rounds * 5 {
        for sealed in [false, true] {
            sb.config_set("sealRecordings", if sealed { "true" } else { "false" });
            let (l, p) = (timed(sb, &quick), timed(sb, &plugin));
            if sealed {
                l_on.push(l);
                p_on.push(p);
            } else {
                l_off.push(l);
                p_off.push(p);
            }
        }
    }
    let (lon, loff, pon, poff) = (
        median(&mut l_on),
        median(&mut l_off),
        median(&mut p_on),
        median(&mut p_off),
    );
    println!(
        "  latency, sealing off/on: connection {loff:.1}/{lon:.1} ms ({:+.1} ms), plugin call {poff:.1}/{pon:.1} ms ({:+.1} ms)",
        lon - loff,
        pon - poff
    );
    let (mut t_on, mut t_off) = (vec![], vec![]);
    for _ in 0..rounds {
        for sealed in [false, true] {
            sb.config_set("sealRecordings", if sealed { "true" } else { "false" });
            let ms = timed(sb, &via);
            sb.root_ok("rm -f /home/admin/ttyrec/127.0.0.2/*");
            if sealed {
                t_on.push(ms);
            } else {
                t_off.push(ms);
            }
        }
    }
    sb.config_set("sealRecordings", "true");
    let (ton, toff) = (median(&mut t_on), median(&mut t_off));
    println!(
        "  through the bastion, no tty: sealing off {:.0} MB/s, on {:.0} MB/s: {:+.1}% throughput (target: within 5%)",
        mbf / (toff / 1000.0),
        mbf / (ton / 1000.0),
        (toff / ton - 1.0) * 100.0,
    );
    // The last sealed recording, verified and exported.
    let last = rounds * 2 - 1;
    let keep = format!("/tmp/pb/r{last}.ttyrec");
    let size = sb
        .root_ok(&format!("stat -c %s {keep}"))
        .trim()
        .parse::<f64>()
        .unwrap_or(0.0)
        / 1e6;
    let logs = "/opt/osh/bin/osh-session-logs";
    let line = |what: &str, script: &str| {
        let mut w = Vec::new();
        let mut c = Vec::new();
        for _ in 0..rounds.min(3) {
            let (a, b) = timed_cpu(sb, script);
            w.push(a);
            c.push(b);
        }
        let (w, c) = (median(&mut w), median(&mut c));
        println!(
            "  {what}: {:.2} GB/s ({w:.2} s wall, {c:.2} s CPU for {size:.0} MB)",
            size / 1000.0 / w
        );
    };
    line(
        "verify (no ledger)",
        &format!("{logs} verify --no-ledger {keep}"),
    );
    line("verify (with the ledger)", &format!("{logs} verify {keep}"));
    line(
        "export --format ttyrec",
        &format!("{logs} export --no-ledger --format ttyrec -o /dev/null {keep}"),
    );
    line(
        "export --format json",
        &format!("{logs} export --no-ledger --format json -o /dev/null {keep}"),
    );
    line(
        "export --format asciinema",
        &format!("{logs} export --no-ledger --format asciinema -o /dev/null {keep}"),
    );
    line(
        "openssl dgst -sha256 of the same file (SHA instructions, one core)",
        &format!("openssl dgst -sha256 {keep}"),
    );
    sb.root_ok("rm -rf /tmp/pb");
}

/// Keys for the lifecycle benchmark: a signing key with a passphrase and one
/// recipient, in root's keyring; an escrow sshd on 127.0.0.3:2224.
const LIFECYCLE_SETUP: &str = r#"set -e
export GNUPGHOME=/root/.gnupg
mkdir -p -m 0700 $GNUPGHOME
gpg --batch --pinentry-mode loopback --passphrase 'sign pass' --quick-gen-key 'bench signing <s@osh>' ed25519 sign never 2>/dev/null
gpg --batch --pinentry-mode loopback --passphrase '' --quick-gen-key 'bench auditor <a@osh>' ed25519 cert never 2>/dev/null
A=$(gpg --list-keys --with-colons 'bench auditor' | awk -F: '/^fpr/{print $10; exit}')
gpg --batch --pinentry-mode loopback --passphrase '' --quick-add-key "$A" cv25519 encr never 2>/dev/null
useradd -m -s /bin/sh escrow
mkdir -p -m 0700 /root/.ssh
ssh-keygen -q -t ed25519 -N '' -f /root/.ssh/escrow
install -d -m 0700 -o escrow -g escrow /home/escrow/.ssh /home/escrow/archive /home/escrow/plain
install -m 0600 -o escrow -g escrow /root/.ssh/escrow.pub /home/escrow/.ssh/authorized_keys
/usr/sbin/sshd -o ListenAddress=127.0.0.3:2224 -o PidFile=/run/sshd-escrow.pid
sleep 0.5
ssh-keyscan -p 2224 127.0.0.3 >/root/.ssh/escrow_hosts 2>/dev/null
S=$(gpg --list-secret-keys --with-colons 'bench signing' | awk -F: '/^fpr/{print $10; exit}')
echo "$S $A""#;

fn lifecycle_bench(sb: &Sandbox, files: usize, mb: u64) {
    println!(
        "osh-bench lifecycle: {files} recordings, {mb} MB in all, one GPG layer (signed), pushed to an escrow sshd"
    );
    let keys = sb.root_ok(LIFECYCLE_SETUP);
    let keys: Vec<&str> = keys.split_whitespace().collect();
    let (signing, recipient) = (keys[0], keys[1]);
    let rsh = "ssh -i /root/.ssh/escrow -p 2224 -o BatchMode=yes -o UserKnownHostsFile=/root/.ssh/escrow_hosts";
    sb.root_ok(&format!(
        "cat >/etc/bastion/osh-encrypt-rsync.conf <<'EOF'\n{{\"signing_key\": \"{signing}\", \"signing_key_passphrase\": \"sign pass\", \"recipients\": [[\"{recipient}\"]], \"rsync_destination\": \"escrow@127.0.0.3:archive\", \"rsync_rsh\": \"{rsh}\"}}\nEOF\nchmod 0600 /etc/bastion/osh-encrypt-rsync.conf"
    ));
    // Text-like recordings (base64: gpg compresses it, as it does terminal
    // output), each its own bytes; a master copy to start both runs from.
    let per = mb * 1024 * 1024 / files as u64;
    let t = Instant::now();
    sb.root_ok(&format!(
        "set -e; rm -rf /tmp/master && mkdir -p /tmp/master && cd /tmp/master && \
         head -c {} /dev/urandom | base64 -w 120 | split -b {per} -a 5 -d - s. && \
         ls | head -n {files} | while read f; do mv $f 2026-11-01.00-00-00.000000.$f.acc.u.10.0.0.1.22.ttyrec; done && \
         find . -name 's.*' -delete && touch -d '20 days ago' *",
        mb * 1024 * 1024 * 3 / 4 + 4096
    ));
    let n: usize = sb
        .root_ok("ls /tmp/master | wc -l")
        .trim()
        .parse()
        .unwrap_or(0);
    println!("  {n} files made in {:.0} s", t.elapsed().as_secs_f64());
    let stage = "rm -rf /home/acc && mkdir -p /home/acc/ttyrec && cp -a /tmp/master /home/acc/ttyrec/10.0.0.1";
    // gpg itself, the same command per file, then rsync of its output.
    sb.root_ok(&format!("{stage} && rm -rf /tmp/bgpg && mkdir /tmp/bgpg"));
    let (gw, gc) = timed_cpu(
        sb,
        &format!(
            "cd /home/acc/ttyrec/10.0.0.1 && for f in *; do echo 'sign pass' | gpg --batch --yes --no-tty --trust-model always \
             --pinentry-mode loopback --passphrase-fd 0 --local-user {signing} --sign --encrypt --recipient {recipient} \
             --output /tmp/bgpg/$f.gpg -- $f || exit 1; done"
        ),
    );
    let (rw, rc) = timed_cpu(
        sb,
        &format!("rsync -a --rsh '{rsh}' /tmp/bgpg/ escrow@127.0.0.3:plain/"),
    );
    sb.root_ok("rm -rf /tmp/bgpg /home/escrow/plain/*");
    // osh-encrypt-rsync: the encryption phase, then the push and removal.
    sb.root_ok(stage);
    let (ew, ec) = timed_cpu(sb, "/opt/osh/bin/osh-encrypt-rsync --encrypt-only");
    let (pw, pc) = timed_cpu(sb, "/opt/osh/bin/osh-encrypt-rsync --rsync-only");
    // Sources and encrypted copies, not the `.archived` notes left behind.
    let left = sb.root_ok(
        "find /home/acc/ttyrec /home/.encrypt -type f \\( -name '*.ttyrec' -o -name '*.gpg' \\) | wc -l",
    );
    let landed = sb.root_ok("find /home/escrow/archive -name '*.gpg' | wc -l");
    println!(
        "  left on the bastion: {}, on the escrow: {}",
        left.trim(),
        landed.trim()
    );
    let pct = |a: f64, b: f64| (a - b) / b * 100.0;
    println!(
        "  gpg --encrypt --sign per file: {gw:6.1} s wall, {gc:6.1} s CPU; then rsync: {rw:5.1} s wall, {rc:5.1} s CPU"
    );
    println!(
        "  osh-encrypt-rsync encryption:  {ew:6.1} s wall, {ec:6.1} s CPU ({:+.1}% wall, {:+.1}% CPU against gpg)",
        pct(ew, gw),
        pct(ec, gc)
    );
    println!("  osh-encrypt-rsync push+remove: {pw:6.1} s wall, {pc:6.1} s CPU");
    println!(
        "  encrypt and ship in all: {:+.1}% wall, {:+.1}% CPU against gpg + rsync (target: within 10%)",
        pct(ew + pw, gw + rw),
        pct(ec + pc, gc + rc)
    );
    sb.root_ok("rm -rf /tmp/master /home/acc /home/escrow/archive/*");
}

fn rotate_bench(sb: &Sandbox, n: usize) {
    // The big ones with the recorder's own size rotation off (it rotates at
    // 100 MB by default, which would leave --big-only nothing to do).
    println!("osh-bench rotate: {n} live recorders (a local command each), 5 of them over 100 MB");
    let big = 5.min(n);
    sb.root_ok(&format!(
        "mkdir -p /home/acc/ttyrec/r && cd /home/acc/ttyrec/r && \
         for i in $(seq 1 {}); do setsid /opt/osh/bin/ttyrec -T never -f idle.$i.ttyrec -- sleep 600 </dev/null >/dev/null 2>&1 & done; \
         for i in $(seq 1 {big}); do setsid /opt/osh/bin/ttyrec -T never --rotate-size 0 -f big.$i.ttyrec -- sh -c 'head -c 110000000 /dev/zero; sleep 600' </dev/null >/dev/null 2>&1 & done",
        n - big
    ));
    let mut waited = 0;
    while waited < 600 {
        let up: usize = sb
            .root_ok("pgrep -xc ttyrec || true")
            .trim()
            .parse()
            .unwrap_or(0);
        let full = sb.root_ok("find /home/acc/ttyrec/r -name 'big.*' -size +100000000c | wc -l");
        if up >= n && full.trim() == big.to_string() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
        waited += 1;
    }
    let mut walls = Vec::new();
    let mut rotated = String::new();
    for _ in 0..5 {
        let t = Instant::now();
        rotated = sb.root_ok("/opt/osh/bin/osh-rotate-ttyrec --big-only --dry-run");
        walls.push(t.elapsed().as_secs_f64());
    }
    let t = Instant::now();
    let real = sb.root_ok("/opt/osh/bin/osh-rotate-ttyrec --big-only");
    let once = t.elapsed().as_secs_f64();
    println!("  {}", rotated.lines().last().unwrap_or(""));
    println!("  {}", real.lines().last().unwrap_or(""));
    println!(
        "  --big-only over {n} recorders: {:.0} ms (median of 5 dry runs), {:.0} ms signalling for real (target: under 1 s)",
        median(&mut walls) * 1000.0,
        once * 1000.0
    );
    sb.root_ok("pkill -x ttyrec; sleep 1; rm -rf /home/acc");
}
