//! The truth tables of The Bastion's is_access_granted_ipv4.t and _ipv6.t unit
//! tests (in tests/data/), replayed against our decision function with the
//! same personal ACL lines.

// Test code: a bad vector must fail loudly.
#![allow(clippy::unwrap_used)]

use osh_acl::{Acl, Decision, Entry, Policy, Request, Source, decide, parse_file};

fn replay(acl: &str, table: &str) {
    let entries = parse_file(acl);
    assert_eq!(entries.len(), 8);
    let sources = [Acl::new(Source::Personal, None, entries)];
    let policy = Policy {
        ipv4: true,
        ipv6: true,
        ..Policy::default()
    };
    let mut n = 0;
    for line in table
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let f: Vec<&str> = line.split_whitespace().collect();
        let target = Entry::parse_target(f[0]).unwrap().net;
        let user = (f[1] != "-").then_some(f[1]);
        let port = (f[2] != "-").then(|| f[2].parse().unwrap());
        let req = Request {
            net: target,
            user: user.map(str::to_owned),
            port,
        };
        let got = match decide(&policy, "127.0.0.1".parse().unwrap(), &req, &sources, 0) {
            Decision::Allowed(_) => "OK",
            Decision::Denied(_) => "KO_ACCESS_DENIED",
        };
        assert_eq!(got, f[3], "{line}");
        n += 1;
    }
    assert_eq!(n, 117);
}

#[test]
fn ipv4_truth_table() {
    replay(
        "me@192.0.2.12:12\nme@198.51.100.0/28:12\nme@192.0.2.13\nme@198.51.100.16/28\n\
         192.0.2.22:12\n198.51.100.32/28:12\n192.0.2.23\n198.51.100.48/28\n",
        include_str!("data/ipv4.txt"),
    );
}

#[test]
fn ipv6_truth_table() {
    replay(
        "me@[2001:db8::1:2]:12\nme@[2001:db8:cafe::/48]:12\nme@[2001:db8::1:3]\nme@[2001:db8:beef::/48]\n\
         [2001:db8::2:2]:12\n[2001:db8:feed::/48]:12\n[2001:db8::2:3]\n[2001:db8:deaf::/48]\n",
        include_str!("data/ipv6.txt"),
    );
}
