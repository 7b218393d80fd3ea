//! One spelling per address.
//!
//! The same IPv4 host can be written `127.0.0.2`, `::ffff:127.0.0.2`,
//! `::ffff:0:127.0.0.2` or `::127.0.0.2`, and a socket connects to the IPv4
//! host for the first of the IPv6 forms. A policy that compares spellings is
//! bypassed by the one it did not expect, so every address and network, from
//! the user, DNS, ACL files and the configuration, goes through [`ip`] or
//! [`net`] once, before any comparison, and the connection is made to the
//! canonical address, the one that was decided on.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

/// The IPv4 address an IPv6 address *is*, by notation: IPv4-mapped
/// (`::ffff:a.b.c.d`), IPv4-translated (`::ffff:0:a.b.c.d`) and the deprecated
/// IPv4-compatible form (`::a.b.c.d`, except `::` and `::1`).
fn as_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let tail = Ipv4Addr::from(v6.to_bits() as u32);
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] | [0, 0, 0, 0, 0xffff, 0, _, _] => Some(tail),
        [0, 0, 0, 0, 0, 0, 0, 0 | 1] => None,
        [0, 0, 0, 0, 0, 0, _, _] => Some(tail),
        _ => None,
    }
}

/// The canonical form of an address: IPv6 spellings of an IPv4 address become
/// that IPv4 address; everything else is unchanged.
#[must_use]
pub fn ip(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => as_v4(v6).map_or(addr, IpAddr::V4),
        v4 @ IpAddr::V4(_) => v4,
    }
}

/// The canonical form of a network: an IPv6 network lying wholly within one
/// of the IPv4 notations (prefix of 96 bits or more there) becomes the IPv4
/// network it denotes, so `::ffff:0.0.0.0/96` is `0.0.0.0/0`.
#[must_use]
pub fn net(n: IpNet) -> IpNet {
    let IpNet::V6(v6) = n else {
        return n;
    };
    let len = v6.prefix_len();
    let base = v6.network();
    let notation = |prefix: Ipv6Addr| {
        Ipv6Net::new(prefix, 96)
            .ok()
            .is_some_and(|p| p.contains(&base))
    };
    let within = len >= 96
        && (notation(Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0))
            || notation(Ipv6Addr::new(0, 0, 0, 0, 0xffff, 0, 0, 0))
            || (notation(Ipv6Addr::UNSPECIFIED) && as_v4(base).is_some()));
    if !within {
        return n;
    }
    let tail = Ipv4Addr::from(base.to_bits() as u32);
    Ipv4Net::new(tail, len - 96).map_or(n, |v4| IpNet::V4(v4.trunc()))
}

/// The IPv4 host a translator or tunnel would reach for this IPv6 address:
/// NAT64 (`64:ff9b::/96`, `64:ff9b:1::/48`) and 6to4 (`2002::/16`). These
/// stay IPv6 (that is where the packets go), but the IPv4 host they lead to
/// must pass the IPv4 side of the policy too.
#[must_use]
pub fn embedded_v4(addr: IpAddr) -> Option<Ipv4Addr> {
    let IpAddr::V6(v6) = addr else {
        return None;
    };
    let s = v6.segments();
    let bits = v6.to_bits();
    match s {
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] | [0x64, 0xff9b, 1, ..] => {
            Some(Ipv4Addr::from(bits as u32))
        }
        [0x2002, ..] => Some(Ipv4Addr::from((bits >> 80) as u32)),
        _ => None,
    }
}

/// Where a connection to this address would land on the bastion itself,
/// whatever listens there: the unspecified addresses (`0.0.0.0/8`, `::`)
/// connect to the local host.
#[must_use]
pub fn is_unspecified(addr: IpAddr) -> bool {
    match ip(addr) {
        IpAddr::V4(v4) => v4.octets()[0] == 0,
        IpAddr::V6(v6) => v6.is_unspecified(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn n(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    #[test]
    fn ipv6_spellings_of_ipv4_become_ipv4() {
        for s in [
            "::ffff:127.0.0.2",
            "::ffff:7f00:2",
            "0:0:0:0:0:ffff:127.0.0.2",
            "::ffff:0:127.0.0.2",
            "::127.0.0.2",
        ] {
            assert_eq!(ip(a(s)), a("127.0.0.2"), "{s}");
        }
        for s in ["::1", "::", "2001:db8::1", "fe80::1", "64:ff9b::7f00:2"] {
            assert_eq!(ip(a(s)), a(s), "{s}");
        }
        assert_eq!(ip(a("10.1.2.3")), a("10.1.2.3"));
    }

    #[test]
    fn networks_within_the_notations_become_ipv4_networks() {
        assert_eq!(net(n("::ffff:0.0.0.0/96")), n("0.0.0.0/0"));
        assert_eq!(net(n("::ffff:10.0.0.0/104")), n("10.0.0.0/8"));
        assert_eq!(net(n("::ffff:127.0.0.2/128")), n("127.0.0.2/32"));
        assert_eq!(net(n("::ffff:0:192.168.0.0/112")), n("192.168.0.0/16"));
        // Wider than the notation, or another IPv6 network: unchanged.
        for s in [
            "::/0",
            "::ffff:0:0/95",
            "2001:db8::/32",
            "::1/128",
            "::/128",
        ] {
            assert_eq!(net(n(s)), n(s), "{s}");
        }
    }

    #[test]
    fn translated_and_tunnelled_ipv4_is_found() {
        assert_eq!(
            embedded_v4(a("64:ff9b::10.0.0.1")),
            Some("10.0.0.1".parse().unwrap())
        );
        assert_eq!(
            embedded_v4(a("2002:7f00:1::1")),
            Some("127.0.0.1".parse().unwrap())
        );
        assert_eq!(embedded_v4(a("2001:db8::1")), None);
        assert_eq!(embedded_v4(a("10.0.0.1")), None);
    }

    #[test]
    fn unspecified_in_every_spelling() {
        for s in ["0.0.0.0", "0.1.2.3", "::", "::ffff:0.0.0.0", "::0.0.0.5"] {
            assert!(is_unspecified(a(s)), "{s}");
        }
        for s in ["127.0.0.1", "::1", "1.0.0.0"] {
            assert!(!is_unspecified(a(s)), "{s}");
        }
    }
}
