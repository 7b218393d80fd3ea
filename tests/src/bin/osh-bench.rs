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
//! Usage: osh-bench [ROUNDS]   (default 40; run as root; uses OSH_BUILD_DIR or target/release)

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

fn main() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "osh-bench needs root (it starts a namespace sandbox)"
    );
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(40);
    let build = std::env::var("OSH_BUILD_DIR").map_or_else(
        |_| osh_tests::repo().join("target/release"),
        std::path::PathBuf::from,
    );
    assert!(
        build.join("osh").is_file(),
        "build first: cargo build --release --workspace --bins"
    );
    let sb = Sandbox::start_from("bench", &build);
    let key = sb.admin_key();
    // Warm up both paths (page cache, sshd's first fork, sudo's first parse).
    for _ in 0..3 {
        sb.ssh(&key, "admin", &["--osh", "info"]).code(0);
        sb.ssh(&key, "tuser", &["true"]).code(0);
    }
    let (mut osh_ms, mut floor_ms, mut osh_cpu, mut floor_cpu) = (vec![], vec![], vec![], vec![]);
    for _ in 0..rounds {
        for which in [true, false] {
            let c0 = sshd_cpu(&sb);
            let t = Instant::now();
            let r = if which {
                sb.ssh(&key, "admin", &["--osh", "info"])
            } else {
                sb.ssh(&key, "tuser", &["true"])
            };
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            r.code(0);
            let cpu = (sshd_cpu(&sb) - c0) * 1000.0;
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
    println!("osh-bench: {rounds} rounds, alternating, one sandbox; wall: medians, CPU: means");
    println!("  ssh -- --osh info        {mo:8.1} ms wall   {co:6.1} ms CPU on the bastion side");
    println!("  ssh true (plain user)    {mf:8.1} ms wall   {cf:6.1} ms CPU on the bastion side");
    println!(
        "  osh adds                 {:8.1} ms wall   {:6.1} ms CPU",
        mo - mf,
        co - cf
    );
    println!(
        "  targets: at most +10 ms wall over the floor, at most 45 ms CPU per call (bastion side, sshd included)"
    );
}
