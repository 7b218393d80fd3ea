//! `osh-groups-gen`: a bastion with many groups and accounts, for
//! `osh-bench groups`. Run as root inside a sandbox (never on a real host):
//! it appends to the user and group databases directly, as creating ten
//! thousand groups one `groupadd` at a time would take hours.
//!
//! Usage: osh-groups-gen GROUPS ACCOUNTS HUB HUB_GROUPS SERVERS
//!
//! Makes groups `bg00000`... (each the user+group `keybgNNNNN` and its three
//! role groups, a home with an `allowed.ip` of 2 servers) and accounts
//! `ba00000`... (members of `bastion-users`, an allowkeeper directory);
//! then makes the existing account HUB a member of the first HUB_GROUPS
//! groups, each given SERVERS servers.

use std::fmt::Write as _;
use std::io::Write as _;
use std::os::unix::fs::{PermissionsExt as _, chown, symlink};

fn append(path: &str, text: &str) {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    f.write_all(text.as_bytes())
        .unwrap_or_else(|e| panic!("{path}: {e}"));
}

fn servers(i: usize, n: usize) -> String {
    let mut s = String::with_capacity(n * 64);
    for k in 0..n {
        let _ = writeln!(
            s,
            "root@10.{}.{}.{} # add by bench on 2026-12-01 00:00:00",
            i % 200,
            k / 250,
            k % 250 + 1
        );
    }
    s
}

fn main() {
    let a: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    let hub = std::env::args().nth(3).unwrap_or_default();
    let (groups, accounts, hub_groups, per) = match a.as_slice() {
        [g, n, h, s] => (*g, *n, *h, *s),
        _ => {
            eprintln!("usage: osh-groups-gen GROUPS ACCOUNTS HUB HUB_GROUPS SERVERS");
            std::process::exit(2);
        }
    };
    let shell = "/opt/osh/bin/osh";
    let (mut passwd, mut shadow, mut group, mut gshadow) =
        (String::new(), String::new(), String::new(), String::new());
    let hub_uid = nix::unistd::User::from_name(&hub)
        .ok()
        .flatten()
        .map(|u| u.uid.as_raw());
    let allowkeeper = nix::unistd::User::from_name("allowkeeper")
        .ok()
        .flatten()
        .expect("allowkeeper");
    let base = 600_000;
    for i in 0..groups {
        let g = format!("bg{i:05}");
        let gid = base + 4 * u32::try_from(i).unwrap_or(0);
        let members = if i < hub_groups {
            format!("allowkeeper,{hub}")
        } else {
            "allowkeeper".into()
        };
        let _ = writeln!(
            passwd,
            "key{g}:x:{gid}:{gid}::/home/key{g}:/usr/sbin/nologin"
        );
        let _ = writeln!(shadow, "key{g}:*:20000:0:99999:7:::");
        for (k, (suffix, m)) in [
            ("", members.as_str()),
            ("-aclkeeper", ""),
            ("-gatekeeper", ""),
            ("-owner", ""),
        ]
        .iter()
        .enumerate()
        {
            let _ = writeln!(
                group,
                "key{g}{suffix}:x:{}:{m}",
                gid + u32::try_from(k).unwrap_or(0)
            );
            let _ = writeln!(gshadow, "key{g}{suffix}:!::{m}");
        }
        let home = format!("/home/key{g}");
        std::fs::create_dir_all(&home).expect("home");
        let n = if i < hub_groups { per } else { 2 };
        std::fs::write(format!("{home}/allowed.ip"), servers(i, n)).expect("acl");
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o755)).expect("mode");
        if i < hub_groups && hub_uid.is_some() {
            symlink(
                format!("{home}/allowed.ip"),
                format!("/home/allowkeeper/{hub}/allowed.ip.{g}"),
            )
            .expect("link");
        }
    }
    let mut users = Vec::new();
    for i in 0..accounts {
        let u = format!("ba{i:05}");
        let uid = 200_000 + u32::try_from(i).unwrap_or(0);
        let _ = writeln!(passwd, "{u}:x:{uid}:{uid}::/home/{u}:{shell}");
        let _ = writeln!(shadow, "{u}:*:20000:0:99999:7:::");
        let _ = writeln!(group, "{u}:x:{uid}:");
        let _ = writeln!(gshadow, "{u}:!::");
        let dir = format!("/home/allowkeeper/{u}");
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(format!("{dir}/allowed.private"), "").expect("acl");
        chown(
            &dir,
            Some(allowkeeper.uid.as_raw()),
            Some(allowkeeper.gid.as_raw()),
        )
        .expect("chown");
        users.push(u);
    }
    append("/etc/passwd", &passwd);
    append("/etc/shadow", &shadow);
    append("/etc/gshadow", &gshadow);
    // bastion-users gets the new accounts on its own line.
    let text = std::fs::read_to_string("/etc/group").expect("group");
    let mut out = String::with_capacity(text.len() + group.len() + users.len() * 8);
    for line in text.lines() {
        out.push_str(line);
        if line.starts_with("bastion-users:") && !users.is_empty() {
            if !line.ends_with(':') {
                out.push(',');
            }
            out.push_str(&users.join(","));
        }
        out.push('\n');
    }
    out.push_str(&group);
    std::fs::write("/etc/group", out).expect("write group");
    println!("{groups} groups, {accounts} accounts, {hub} in {hub_groups} groups of {per} servers");
}
