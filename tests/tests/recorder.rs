//! The recorder against tools we did not write: Debian's `ttyplay` plays our
//! recordings, `zstd` decodes our compressed ones. And what fail-closed means:
//! a full disk or a deleted file ends the session, and no byte was shown that
//! was not recorded.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use osh_tests::{build_dir, can_run};

fn ttyrec() -> PathBuf {
    let p = build_dir().join("ttyrec");
    assert!(p.is_file(), "build first: cargo build --workspace --bins");
    p
}

fn tmp(name: &str) -> PathBuf {
    let d = osh_tests::repo()
        .join("target/it/recorder")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Concatenated data of every frame of the files (plain or zstd).
fn recorded(files: &[PathBuf]) -> Vec<u8> {
    let mut out = Vec::new();
    for f in files {
        let (frames, end) = osh_ttyrec::read_all(&std::fs::read(f).unwrap());
        assert!(
            end.is_none(),
            "{}: {:?}",
            f.display(),
            end.map(|e| e.to_string())
        );
        for fr in frames {
            out.extend(fr.data);
        }
    }
    out
}

/// `ttyrec -T never EXTRA -f DIR/NAME --status-file DIR/status`; the caller adds `-- COMMAND`.
fn rec(dir: &Path, name: &str, extra: &[&str]) -> Command {
    let mut c = Command::new(ttyrec());
    c.args(["-T", "never"])
        .args(extra)
        .arg("-f")
        .arg(dir.join(name))
        .arg("--status-file")
        .arg(dir.join("status"));
    c
}

/// The recorder under `setsid -c` on a new 80x24 pty, leading its own session
/// with that pty as controlling terminal: `ttyrec EXTRA -f DIR/NAME -- sh -c SCRIPT`.
/// Our child is not a process group leader, so setsid execs in place and the
/// child's pid is the recorder's. Returns it, the pty master and the slave's path.
fn on_pty(
    dir: &Path,
    name: &str,
    extra: &[&str],
    script: &str,
) -> (std::process::Child, std::fs::File, PathBuf) {
    use std::os::fd::AsRawFd as _;
    let ws = nix::pty::Winsize {
        ws_row: 24,
        ws_col: 80,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    let pty = nix::pty::openpty(Some(&ws), None).unwrap();
    let slave = std::fs::read_link(format!("/proc/self/fd/{}", pty.slave.as_raw_fd())).unwrap();
    let child = Command::new("setsid")
        .arg("-c")
        .arg(ttyrec())
        .args(extra)
        .arg("-f")
        .arg(dir.join(name))
        .args(["--", "sh", "-c", script])
        .stdin(Stdio::from(pty.slave.try_clone().unwrap()))
        .stdout(Stdio::from(pty.slave.try_clone().unwrap()))
        .stderr(Stdio::from(pty.slave.try_clone().unwrap()))
        .spawn()
        .unwrap();
    (child, std::fs::File::from(pty.master), slave)
}

/// Run the shell command `inner` on a terminal that `script` provides, keeping
/// exactly what the user saw in `typescript`; returns the exit status.
fn under_script(inner: &str, typescript: &Path) -> std::process::ExitStatus {
    Command::new("script")
        .args(["-q", "-f", "-e", "-c", inner])
        .arg(typescript)
        .stdout(Stdio::null())
        .status()
        .unwrap()
}

/// The segments the recorder reported in its status.
fn reported_files(dir: &Path) -> Vec<PathBuf> {
    status(dir)["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| PathBuf::from(f.as_str().unwrap()))
        .collect()
}

fn status(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("status")).unwrap()).unwrap()
}

#[test]
fn pipe_mode_records_both_streams_and_passes_the_exit_code() {
    let d = tmp("pipe");
    let out = rec(&d, "r.ttyrec", &[])
        .args(["--", "sh", "-c", "echo out; echo err >&2; exit 43"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(43));
    assert_eq!(out.stdout, b"out\n");
    assert_eq!(out.stderr, b"err\n");
    assert_eq!(recorded(&[d.join("r.ttyrec")]), b"out\nerr\n");
    assert_eq!(status(&d)["exit"], 43);
    let mode = std::fs::metadata(d.join("r.ttyrec"))
        .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o777);
    assert_eq!(mode.unwrap(), 0o600);
    // --stealth-stderr: shown, not recorded.
    let out = rec(&d, "s.ttyrec", &["--stealth-stderr"])
        .args(["--", "sh", "-c", "echo out; echo secret >&2"])
        .output()
        .unwrap();
    assert_eq!(out.stderr, b"secret\n");
    assert_eq!(recorded(&[d.join("s.ttyrec")]), b"out\n");
}

#[test]
fn bulk_output_from_pipes_is_recorded_byte_for_byte() {
    // Megabytes in large frames (up to 1 MiB a read): the recording holds
    // exactly what was shown, in order, and the status says its size.
    let d = tmp("bulk");
    let out = rec(&d, "b.ttyrec", &[])
        .args(["--", "sh", "-c", "seq 1 400000; echo done >&2"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let expected: String = (1..=400_000).map(|i| format!("{i}\n")).collect();
    assert_eq!(out.stdout, expected.as_bytes());
    let recorded_bytes = recorded(&[d.join("b.ttyrec")]);
    assert_eq!(recorded_bytes.len(), expected.len() + 5);
    let no_err: Vec<u8> = String::from_utf8(recorded_bytes)
        .unwrap()
        .replacen("done\n", "", 1)
        .into_bytes();
    assert_eq!(no_err, expected.as_bytes());
    let (frames, _) = osh_ttyrec::read_all(&std::fs::read(d.join("b.ttyrec")).unwrap());
    let st = status(&d);
    assert_eq!(
        st["bytes"].as_u64(),
        Some(frames.iter().map(|f| 12 + f.data.len() as u64).sum())
    );
    assert!(st["head"].as_str().unwrap().starts_with("1\n2\n3\n"));
    // The same on stderr.
    let out = rec(&d, "e.ttyrec", &[])
        .args(["--", "sh", "-c", "seq 1 400000 >&2"])
        .output()
        .unwrap();
    assert_eq!(out.stderr, expected.as_bytes());
    assert_eq!(recorded(&[d.join("e.ttyrec")]), expected.as_bytes());
}

#[test]
fn pty_mode_plays_in_ttyplay_as_the_user_saw_it() {
    let d = tmp("pty");
    let rec = d.join("r.ttyrec");
    let typescript = d.join("typescript");
    // `script` gives the recorder a terminal and keeps exactly what the user saw.
    let inner = format!(
        "{} -f {} --status-file {} -- sh -c 'printf \"\\033[1mbold\\033[0m\\n\"; stty size; tty >/dev/null && echo has-tty; exit 7'",
        ttyrec().display(),
        rec.display(),
        d.join("status").display()
    );
    let st = under_script(&inner, &typescript);
    assert_eq!(st.code(), Some(7), "exit code through the pty");
    let seen = std::fs::read(&typescript).unwrap();
    // Drop the header/footer lines script itself adds to its file.
    let seen: Vec<u8> = String::from_utf8_lossy(&seen)
        .lines()
        .filter(|l| !l.starts_with("Script started") && !l.starts_with("Script done"))
        .collect::<Vec<_>>()
        .join("\n")
        .into_bytes();
    let played = Command::new("ttyplay")
        .arg("-n")
        .arg(&rec)
        .output()
        .expect("ttyplay (Debian package ttyrec)");
    assert!(played.status.success());
    let norm = |b: &[u8]| String::from_utf8_lossy(b).trim_end().replace('\r', "");
    assert_eq!(norm(&played.stdout), norm(&seen));
    assert!(
        norm(&played.stdout).contains("has-tty") && norm(&played.stdout).contains("\u{1b}[1mbold")
    );
    // The terminal size at start is kept beside the recording.
    let sizes = std::fs::read_to_string(d.join("r.ttyrec.winsize")).unwrap();
    assert_eq!(sizes.lines().count(), 1);
    assert!(
        sizes
            .split_whitespace()
            .nth(1)
            .unwrap()
            .parse::<u16>()
            .unwrap()
            > 0
    );
}

#[test]
fn pipe_stdout_keeps_the_terminal_on_stdin_and_stderr_and_records_all() {
    let d = tmp("pipe-stdout");
    let rec = d.join("r.ttyrec");
    let typescript = d.join("typescript");
    let inner = format!(
        "{} --pipe-stdout -f {} --status-file {} -- sh -c '[ -t 0 ] && echo in-tty; [ -t 1 ] || echo out-pipe; [ -t 2 ] && echo err-tty >&2; stty size; exit 5'",
        ttyrec().display(),
        rec.display(),
        d.join("status").display()
    );
    let st = under_script(&inner, &typescript);
    assert_eq!(st.code(), Some(5));
    let seen = String::from_utf8_lossy(&std::fs::read(&typescript).unwrap()).replace('\r', "");
    let played = String::from_utf8_lossy(&recorded(&[rec])).replace('\r', "");
    for word in ["in-tty", "out-pipe", "err-tty"] {
        assert!(played.contains(word), "{word} not recorded: {played:?}");
        assert!(seen.contains(word), "{word} not shown: {seen:?}");
    }
    // The command still reads its terminal's size on stdin.
    assert!(
        played.lines().any(|l| {
            let w: Vec<&str> = l.split(' ').collect();
            w.len() == 2 && w.iter().all(|n| n.parse::<u16>().is_ok())
        }),
        "{played:?}"
    );
    let head = status(&d)["head"].as_str().unwrap_or("").to_owned();
    assert!(head.contains("in-tty"), "status head: {head:?}");
}

#[test]
fn rotation_by_signal_and_by_size_keeps_every_byte_once() {
    let d = tmp("rotate");
    let mut child = rec(&d, "a.ttyrec", &[])
        .arg("-F")
        .arg(d.join("%Y%m%d-%H%M%S.#usec#.ttyrec"))
        .arg("--status-file")
        .arg(d.join("status"))
        .args([
            "--",
            "sh",
            "-c",
            "echo one; sleep 1; echo two; sleep 1; echo three",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Rotate right after "one" and after "two" have been shown (and so recorded):
    // waiting for the output, not for the clock, keeps this exact under load.
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
    for expected in ["one", "two"] {
        assert_eq!(lines.next().unwrap().unwrap(), expected);
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(child.id() as i32),
            nix::sys::signal::Signal::SIGUSR1,
        )
        .unwrap();
    }
    assert_eq!(lines.next().unwrap().unwrap(), "three");
    assert!(child.wait().unwrap().success());
    let files = reported_files(&d);
    assert_eq!(files.len(), 3, "{files:?}");
    assert_eq!(recorded(&files), b"one\ntwo\nthree\n");
    assert_eq!(recorded(&files[..1]), b"one\n");

    // By size: 64 frames of 1000 bytes with --rotate-size 10000.
    let d = tmp("rotate-size");
    let out = rec(&d, "b.ttyrec", &["--rotate-size", "10000"])
        .args([
            "--",
            "sh",
            "-c",
            "for i in $(seq 1 64); do head -c 999 /dev/zero | tr '\\0' x; echo; sleep 0.01; done",
        ])
        .output()
        .unwrap();
    let files = reported_files(&d);
    assert!(files.len() >= 6, "{files:?}");
    assert_eq!(recorded(&files), out.stdout);
}

#[test]
fn zstd_survives_sigkill_up_to_the_last_flush() {
    let d = tmp("zstd");
    let mut child = rec(&d, "z.ttyrec", &["--zstd", "--max-flush-time", "1"])
        .args([
            "--",
            "sh",
            "-c",
            "echo before-the-flush; sleep 30; echo never",
        ])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    // Flushes are due every second: give it a few.
    std::thread::sleep(Duration::from_millis(3500));
    child.kill().unwrap();
    let _ = child.wait();
    let file = d.join("z.ttyrec.zst");
    // zstd itself decodes what was flushed (it may complain about the missing end).
    let dec = Command::new("zstd")
        .args(["-dc"])
        .arg(&file)
        .output()
        .expect("zstd");
    let (frames, _) = osh_ttyrec::read_all(&std::fs::read(&file).unwrap());
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].data, b"before-the-flush\n");
    assert!(dec.stdout.windows(17).any(|w| w == b"before-the-flush\n"));
    // The command did not outlive its recorder.
    std::thread::sleep(Duration::from_millis(300));
    let ps = Command::new("pgrep")
        .args(["-f", "echo before-the-flush; sleep 30"])
        .output()
        .unwrap();
    assert!(
        ps.stdout.is_empty(),
        "the recorded command survived its recorder"
    );
}

#[test]
fn a_deleted_recording_ends_the_session() {
    let d = tmp("unlinked");
    let out = rec(&d, "u.ttyrec", &[])
        .args([
            "--",
            "sh",
            "-c",
            &format!(
                "echo first; rm {}; sleep 0.2; echo second; sleep 5; echo third",
                d.join("u.ttyrec").display()
            ),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(255));
    // "first" is shown only if the recorder wrote it before the file went away
    // (under load, `rm` may win the race, and then it is rightly not shown);
    // nothing printed after the deletion ever is.
    assert!(
        out.stdout.is_empty() || out.stdout == b"first\n",
        "output shown after the recording was deleted: {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("could not be recorded"));
    assert_eq!(status(&d)["reason"], "ttyrec_error");
    assert!(status(&d)["detail"].as_str().unwrap().contains("deleted"));
}

#[test]
fn a_full_disk_ends_the_session_and_nothing_unrecorded_was_shown() {
    if !can_run("recorder full disk") {
        return;
    }
    let d = tmp("full");
    // A private mount namespace, so the tiny tmpfs exists only for this command.
    let script = format!(
        "mount -t tmpfs -o size=64k tmpfs {dir} && {rec} -T never -f {dir}/f.ttyrec --status-file {out}/status -- \
         sh -c 'i=0; while [ $i -lt 100000 ]; do echo line $i; i=$((i+1)); done' > {out}/shown; \
         echo $? > {out}/code; cp {dir}/f.ttyrec {out}/",
        dir = d.join("mnt").display(),
        rec = ttyrec().display(),
        out = d.display()
    );
    std::fs::create_dir_all(d.join("mnt")).unwrap();
    let st = Command::new("unshare")
        .args(["--mount", "sh", "-c", &script])
        .status()
        .unwrap();
    assert!(st.success());
    assert_eq!(
        std::fs::read_to_string(d.join("code")).unwrap().trim(),
        "255"
    );
    let s = status(&d);
    assert_eq!(s["reason"], "ttyrec_error");
    assert!(s["detail"].as_str().unwrap().contains("No space left"));
    let shown = std::fs::read(d.join("shown")).unwrap();
    let (frames, _) = osh_ttyrec::read_all(&std::fs::read(d.join("f.ttyrec")).unwrap());
    let rec: Vec<u8> = frames.into_iter().flat_map(|f| f.data).collect();
    assert!(!shown.is_empty());
    assert_eq!(
        &rec[..shown.len().min(rec.len())],
        &shown[..],
        "shown bytes differ from recorded ones"
    );
    assert!(
        shown.len() <= rec.len(),
        "bytes were shown that were not recorded"
    );
}

#[test]
fn rotation_by_age() {
    let d = tmp("rotate-age");
    let st = rec(&d, "g.ttyrec", &["--rotate-age", "1"])
        .args([
            "--",
            "sh",
            "-c",
            "echo a; sleep 1.3; echo b; sleep 1.3; echo c",
        ])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    let files = reported_files(&d);
    assert!(files.len() >= 2, "{files:?}");
    assert_eq!(recorded(&files), b"a\nb\nc\n");
}

#[test]
fn idle_kill_ends_the_session_with_a_warning() {
    let d = tmp("idle");
    let t = std::time::Instant::now();
    let out = rec(&d, "i.ttyrec", &["-k", "2", "--warn-before-kill", "1"])
        .args(["--", "sleep", "30"])
        .stdin(Stdio::piped())
        .output()
        .unwrap();
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "the idle session was not ended"
    );
    assert_eq!(out.status.code(), Some(255));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("will be ended in 1 seconds") && err.contains("Idle for 2 seconds"),
        "{err}"
    );
    assert_eq!(status(&d)["reason"], "idle_kill");
}

#[test]
fn a_signal_to_the_recorder_ends_the_command() {
    let d = tmp("sigterm");
    let marker = format!("sleep 31.{}", std::process::id());
    let mut child = rec(&d, "s.ttyrec", &[])
        .args(["--", "sh", "-c", &marker])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    // Signal once the command runs (the recorder has its signal handling set up
    // before it starts the command).
    osh_tests::wait_until("the recorded command to start", || {
        !Command::new("pgrep")
            .args(["-f", &marker])
            .output()
            .unwrap()
            .stdout
            .is_empty()
    });
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(255));
    assert_eq!(status(&d)["reason"], "stopped");
    let ps = Command::new("pgrep")
        .args(["-f", &marker])
        .output()
        .unwrap();
    assert!(ps.stdout.is_empty(), "the command survived");
}

#[test]
fn window_size_changes_reach_the_command_and_the_sidecar() {
    use std::io::Read as _;
    let d = tmp("winsize");
    let (mut child, mut master, slave) =
        on_pty(&d, "w.ttyrec", &[], "stty size; sleep 1; stty size");
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    // Resize only once the command has printed its first size.
    while !String::from_utf8_lossy(&seen).contains("24 80") {
        let n = master.read(&mut buf).unwrap();
        assert!(n > 0, "no output");
        seen.extend_from_slice(&buf[..n]);
    }
    // A terminal resize, as a user's window would do: SIGWINCH to the recorder.
    assert!(
        Command::new("stty")
            .arg("-F")
            .arg(&slave)
            .args(["cols", "100", "rows", "30"])
            .status()
            .unwrap()
            .success()
    );
    // Read until the slave side is gone (EIO), so the child never blocks on output.
    while let Ok(n) = master.read(&mut buf) {
        if n == 0 {
            break;
        }
        seen.extend_from_slice(&buf[..n]);
    }
    assert!(child.wait().unwrap().success());
    let seen = String::from_utf8_lossy(&seen).replace('\r', "");
    assert!(
        seen.contains("24 80\n") && seen.contains("30 100\n"),
        "{seen:?}"
    );
    let sizes: Vec<String> = std::fs::read_to_string(d.join("w.ttyrec.winsize"))
        .unwrap()
        .lines()
        .map(|l| l.split_once(' ').unwrap().1.to_owned())
        .collect();
    // `stty cols 100 rows 30` may resize in two steps, and every size is kept:
    // the first is the start, the last is the final one.
    assert_eq!(
        sizes.first().map(String::as_str),
        Some("80 24"),
        "{sizes:?}"
    );
    assert_eq!(
        sizes.last().map(String::as_str),
        Some("100 30"),
        "{sizes:?}"
    );
}

#[test]
fn while_locked_nothing_is_shown_or_recorded() {
    use std::io::Read as _;
    let d = tmp("lock");
    let (mut child, master, _) = on_pty(
        &d,
        "l.ttyrec",
        &["-s", "LOCKED-BY-TEST"],
        "echo before; sleep 2; echo during; sleep 2; echo after",
    );
    let rec_pid = nix::unistd::Pid::from_raw(child.id() as i32);
    // Lock once "before" is on screen; unlock between "during" (2 s later) and
    // "after" (4 s later): the output decides when, not a guess at start-up time.
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let reader = std::thread::spawn(move || {
        let mut master = master;
        let (mut seen, mut buf) = (Vec::new(), [0u8; 4096]);
        while let Ok(n) = master.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
            let _ = tx.send(buf[..n].to_vec());
        }
        String::from_utf8_lossy(&seen).into_owned()
    });
    let mut early = Vec::new();
    while !String::from_utf8_lossy(&early).contains("before") {
        early.extend(rx.recv_timeout(Duration::from_secs(10)).expect("no output"));
    }
    nix::sys::signal::kill(rec_pid, nix::sys::signal::Signal::SIGURG).unwrap();
    std::thread::sleep(Duration::from_millis(3000));
    nix::sys::signal::kill(rec_pid, nix::sys::signal::Signal::SIGUSR2).unwrap();
    assert!(child.wait().unwrap().success());
    let seen = reader.join().unwrap();
    assert!(
        seen.contains("before") && seen.contains("LOCKED-BY-TEST") && seen.contains("after"),
        "{seen:?}"
    );
    assert!(
        !seen.contains("during"),
        "output was shown while locked: {seen:?}"
    );
    let rec = String::from_utf8_lossy(&recorded(&[d.join("l.ttyrec")])).into_owned();
    assert!(
        rec.contains("before") && rec.contains("after") && !rec.contains("during"),
        "{rec:?}"
    );
}

fn running(marker: &str) -> bool {
    !Command::new("pgrep")
        .args(["-f", marker])
        .output()
        .unwrap()
        .stdout
        .is_empty()
}

/// Started as `nohup` starts things (SIGHUP ignored, more signals blocked):
/// a SIGKILLed recorder still takes its command with it.
#[test]
fn the_command_never_outlives_its_recorder_whatever_it_inherited() {
    let d = tmp("nohup");
    // The recorded command is `sleep` itself, so the marker names it (and the
    // recorder, whose argv holds it too) and nothing in between.
    let marker = format!("sleep 32.{}", std::process::id());
    let script = format!(
        "trap '' HUP TERM INT QUIT; exec {} -T never -f {} -- {marker}",
        ttyrec().display(),
        d.join("n.ttyrec").display()
    );
    let mut child = Command::new("sh")
        .args(["-c", &script])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    osh_tests::wait_until("the recorded command to start", || running(&marker));
    child.kill().unwrap();
    let _ = child.wait();
    osh_tests::wait_until("the command to die with its recorder", || !running(&marker));
}

/// A client that vanishes while its command prints nothing: the reader of the
/// recorder's output goes away, and the command is ended, not left to run.
#[test]
fn the_command_ends_when_the_reader_of_its_output_is_gone() {
    let d = tmp("gone");
    let marker = format!("sleep 33.{}", std::process::id());
    let mut child = rec(&d, "g.ttyrec", &[])
        .args(["--", "sh", "-c", &marker])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    osh_tests::wait_until("the recorded command to start", || running(&marker));
    drop(child.stdout.take());
    assert_eq!(child.wait().unwrap().code(), Some(255));
    let st = status(&d);
    assert_eq!(st["reason"], "client_gone", "{st}");
    assert_eq!(st["signal"], "SIGHUP", "{st}");
    assert!(!running(&marker), "the command survived");
}

/// The signal that killed the command is reported, for close's `signal`.
#[test]
fn a_signal_death_of_the_command_is_reported_as_such() {
    let d = tmp("quit");
    let out = rec(&d, "q.ttyrec", &[])
        .args(["--", "sh", "-c", "kill -QUIT $$"])
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(131));
    let st = status(&d);
    assert_eq!(st["reason"], "exit", "{st}");
    assert_eq!(st["signal"], "SIGQUIT", "{st}");
    // And an exit code of 131 is an exit code, not a signal.
    rec(&d, "e.ttyrec", &[])
        .args(["--", "sh", "-c", "exit 131"])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status(&d)["signal"], serde_json::Value::Null);
}
