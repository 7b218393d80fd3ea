//! The access decision.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::Serialize;
use serde_json::Value;

use crate::entry::{Entry, Request};

/// The bastion-wide network policy (`bastion.conf`).
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// `forbiddenNetworks`: never reachable.
    pub forbidden: Vec<IpNet>,
    /// `allowedNetworks`: if not empty, only these are reachable.
    pub allowed: Vec<IpNet>,
    /// `ingressToEgressRules`: (ingress nets, egress nets, action), in order.
    pub rules: Vec<(Vec<IpNet>, Vec<IpNet>, RuleAction)>,
    /// `IPv4Allowed`.
    pub ipv4: bool,
    /// `IPv6Allowed`.
    pub ipv6: bool,
    /// The bastion's own addresses (loopback, its interfaces): never a
    /// target, except within `egress_to_bastion`.
    pub bastion: Vec<IpNet>,
    /// `egressToBastionAllowedNetworks`: where an admin said the bastion's
    /// own addresses may still be connected to.
    pub egress_to_bastion: Vec<IpNet>,
}

/// The action of an `ingressToEgressRules` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleAction {
    /// Allow if the egress matches, else go on.
    Allow,
    /// Deny if the egress matches, else go on.
    Deny,
    /// Allow if the egress matches, else deny.
    AllowExclusive,
}

/// A network or address of the configuration, canonical ([`crate::addr`]).
fn one_net(s: &str) -> Option<IpNet> {
    s.parse::<IpNet>()
        .ok()
        .or_else(|| s.parse::<IpAddr>().ok().map(IpNet::from))
        .map(|n| crate::addr::net(n.trunc()))
}

fn nets(v: &Value) -> Option<Vec<IpNet>> {
    v.as_array()?.iter().map(|n| one_net(n.as_str()?)).collect()
}

/// Networks from configuration strings; those that do not parse are dropped
/// (the config loader has already warned about them).
#[must_use]
pub fn parse_nets(v: &[String]) -> Vec<IpNet> {
    v.iter().filter_map(|s| one_net(s)).collect()
}

impl Policy {
    /// Build from the config's values; entries that do not parse are dropped
    /// (the config loader has already warned about malformed values).
    #[must_use]
    pub fn new(
        forbidden: &[String],
        allowed: &[String],
        rules: &Value,
        ipv4: bool,
        ipv6: bool,
    ) -> Self {
        let rules = rules
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| {
                let action = match r.get(2)?.as_str()? {
                    "ALLOW" => RuleAction::Allow,
                    "DENY" => RuleAction::Deny,
                    "ALLOW-EXCLUSIVE" => RuleAction::AllowExclusive,
                    _ => return None,
                };
                Some((nets(r.get(0)?)?, nets(r.get(1)?)?, action))
            })
            .collect();
        Self {
            forbidden: parse_nets(forbidden),
            allowed: parse_nets(allowed),
            rules,
            ipv4,
            ipv6,
            bastion: Vec::new(),
            egress_to_bastion: Vec::new(),
        }
    }
}

/// Where a grant comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// `allowed.private` of the account.
    Personal,
    /// The legacy `allowed.ip` of the account.
    PersonalLegacy,
    /// A group's ACL, as a member.
    GroupMember,
    /// A group's ACL and the account's guest ACL for it.
    GroupGuest,
}

/// One granted way to the target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    /// Where it comes from.
    pub source: Source,
    /// The group, for group grants.
    pub group: Option<String>,
    /// The matching ACL line.
    pub entry: Entry,
}

/// Why access is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denial {
    /// The IP version is disabled (`IPv4Allowed`/`IPv6Allowed`): exit 133.
    IpVersion,
    /// A network policy forbids the target.
    Network(String),
    /// No ACL grants it.
    NoGrant,
}

/// The outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Allowed, by these grants (best match of each source).
    Allowed(Vec<Grant>),
    /// Refused.
    Denied(Denial),
}

fn within(net: &IpNet, list: &[IpNet]) -> bool {
    list.iter().any(|n| n.contains(net))
}

/// The checks that depend on where the packets land, for `target` and for
/// the IPv4 host a translated IPv6 target leads to.
fn landing_verdict(policy: &Policy, target: &IpNet) -> Option<Denial> {
    if crate::addr::is_unspecified(target.addr()) {
        return Some(Denial::Network(
            "the unspecified address is the bastion itself".into(),
        ));
    }
    if within(target, &policy.bastion) && !within(target, &policy.egress_to_bastion) {
        return Some(Denial::Network("the target is the bastion itself".into()));
    }
    if within(target, &policy.forbidden) {
        return Some(Denial::Network(
            "the target is in a forbidden network".into(),
        ));
    }
    None
}

fn network_verdict(policy: &Policy, ingress: IpAddr, target: &IpNet) -> Option<Denial> {
    let target = &crate::addr::net(*target);
    let ingress = crate::addr::ip(ingress);
    match target {
        IpNet::V4(_) if !policy.ipv4 => return Some(Denial::IpVersion),
        IpNet::V6(_) if !policy.ipv6 => return Some(Denial::IpVersion),
        _ => {}
    }
    if let Some(d) = landing_verdict(policy, target) {
        return Some(d);
    }
    if let Some(v4) = crate::addr::embedded_v4(target.addr()) {
        if !policy.ipv4 {
            return Some(Denial::IpVersion);
        }
        if let Some(d) = landing_verdict(policy, &IpNet::from(IpAddr::V4(v4))) {
            return Some(d);
        }
    }
    if !policy.allowed.is_empty() && !within(target, &policy.allowed) {
        return Some(Denial::Network(
            "the target is not in an allowed network".into(),
        ));
    }
    let from = IpNet::from(ingress);
    for (ins, outs, action) in &policy.rules {
        if !within(&from, ins) {
            continue;
        }
        let hit = within(target, outs);
        match (action, hit) {
            (RuleAction::Allow, true) => return None,
            (RuleAction::Deny, true) => {
                return Some(Denial::Network(
                    "an ingress-to-egress rule denies this target".into(),
                ));
            }
            (RuleAction::AllowExclusive, true) => return None,
            (RuleAction::AllowExclusive, false) => {
                return Some(Denial::Network(
                    "an exclusive ingress-to-egress rule does not allow this target".into(),
                ));
            }
            _ => {}
        }
    }
    None
}

/// The best line of one ACL for a request: the most specific network that
/// matches (an exact address beats any containing subnet), first one on ties.
#[must_use]
pub fn best_match<'a>(entries: &'a [Entry], req: &Request, now: u64) -> Option<&'a Entry> {
    entries
        .iter()
        .filter(|e| !e.expired(now) && e.matches(req))
        .fold(None, |best: Option<&Entry>, e| match best {
            Some(b) if b.net.prefix_len() >= e.net.prefix_len() => Some(b),
            _ => Some(e),
        })
}

/// One ACL an account has: where it comes from, its group, its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acl {
    /// Where it comes from.
    pub source: Source,
    /// The group, for group ACLs.
    pub group: Option<String>,
    /// Its lines.
    pub entries: Vec<Entry>,
    /// For a guest: the group's own servers, which must grant the target
    /// too (a guest line outlives nothing the group has removed).
    pub within: Option<Vec<Entry>>,
}

impl Acl {
    /// An ACL of `source`, with `entries`.
    #[must_use]
    pub fn new(source: Source, group: Option<String>, entries: Vec<Entry>) -> Self {
        Self {
            source,
            group,
            entries,
            within: None,
        }
    }

    /// The same, bounded by the group's own servers.
    #[must_use]
    pub fn within(mut self, group_acl: Vec<Entry>) -> Self {
        self.within = Some(group_acl);
        self
    }

    /// This ACL's grant for `req`, if any: its best line (and, for a guest,
    /// only if the group still grants the target).
    #[must_use]
    pub fn grant(&self, req: &Request, now: u64) -> Option<Grant> {
        let e = best_match(&self.entries, req, now)?;
        if let Some(bound) = &self.within {
            best_match(bound, req, now)?;
        }
        Some(Grant {
            source: self.source,
            group: self.group.clone(),
            entry: e.clone(),
        })
    }
}

/// Decide whether `req`, coming from `ingress`, is allowed, given the ACLs the
/// account has.
#[must_use]
pub fn decide(
    policy: &Policy,
    ingress: IpAddr,
    req: &Request,
    sources: &[Acl],
    now: u64,
) -> Decision {
    if let Some(d) = network_verdict(policy, ingress, &req.net) {
        return Decision::Denied(d);
    }
    let grants: Vec<Grant> = sources.iter().filter_map(|a| a.grant(req, now)).collect();
    if grants.is_empty() {
        Decision::Denied(Denial::NoGrant)
    } else {
        Decision::Allowed(grants)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::parse_file;
    use serde_json::json;

    fn policy() -> Policy {
        Policy {
            ipv4: true,
            ipv6: true,
            ..Policy::default()
        }
    }

    fn req(t: &str) -> Request {
        Request::host(t.parse().unwrap(), Some("root"), Some(22))
    }

    #[test]
    fn exact_ip_beats_subnet_and_its_forced_key_wins() {
        let acl = parse_file(
            "root@192.0.2.0/24 # FORCEKEY=SHA256:wide\nroot@192.0.2.7 # FORCEKEY=SHA256:exact\nroot@192.0.0.0/16\n",
        );
        let d = decide(
            &policy(),
            "127.0.0.1".parse().unwrap(),
            &req("192.0.2.7"),
            &[Acl::new(Source::Personal, None, acl.clone())],
            0,
        );
        let Decision::Allowed(g) = d else {
            panic!("{d:?}")
        };
        assert_eq!(g[0].entry.force_key.as_deref(), Some("SHA256:exact"));
        let d = decide(
            &policy(),
            "127.0.0.1".parse().unwrap(),
            &req("192.0.2.8"),
            &[Acl::new(Source::Personal, None, acl)],
            0,
        );
        let Decision::Allowed(g) = d else {
            panic!("{d:?}")
        };
        assert_eq!(g[0].entry.force_key.as_deref(), Some("SHA256:wide"));
    }

    #[test]
    fn expired_lines_grant_nothing() {
        let acl = parse_file("192.0.2.1 # EXPIRY=1000\n");
        let src = [Acl::new(Source::Personal, None, acl)];
        assert!(matches!(
            decide(
                &policy(),
                "127.0.0.1".parse().unwrap(),
                &req("192.0.2.1"),
                &src,
                999
            ),
            Decision::Allowed(_)
        ));
        assert_eq!(
            decide(
                &policy(),
                "127.0.0.1".parse().unwrap(),
                &req("192.0.2.1"),
                &src,
                1000
            ),
            Decision::Denied(Denial::NoGrant)
        );
    }

    #[test]
    fn network_policies() {
        let acl = vec![Acl::new(
            Source::Personal,
            None,
            parse_file("0.0.0.0/0\n::/0\n"),
        )];
        let from: IpAddr = "10.1.1.1".parse().unwrap();
        let p = Policy {
            forbidden: vec!["192.0.2.0/24".parse().unwrap()],
            ..policy()
        };
        assert!(matches!(
            decide(&p, from, &req("192.0.2.1"), &acl, 0),
            Decision::Denied(Denial::Network(_))
        ));
        assert!(matches!(
            decide(&p, from, &req("198.51.100.1"), &acl, 0),
            Decision::Allowed(_)
        ));
        let p = Policy {
            allowed: vec!["198.51.100.0/24".parse().unwrap()],
            ..policy()
        };
        assert!(matches!(
            decide(&p, from, &req("192.0.2.1"), &acl, 0),
            Decision::Denied(Denial::Network(_))
        ));
        let p = Policy {
            ipv6: false,
            ..policy()
        };
        assert_eq!(
            decide(&p, from, &req("2001:db8::1"), &acl, 0),
            Decision::Denied(Denial::IpVersion)
        );
        let rules = json!([
            [["10.0.0.0/8"], ["192.0.2.0/24"], "ALLOW-EXCLUSIVE"],
            [["0.0.0.0/0"], ["198.51.100.0/24"], "DENY"]
        ]);
        let p = Policy::new(&[], &[], &rules, true, true);
        assert_eq!(p.rules.len(), 2);
        assert!(matches!(
            decide(&p, from, &req("192.0.2.1"), &acl, 0),
            Decision::Allowed(_)
        ));
        assert!(matches!(
            decide(&p, from, &req("203.0.113.1"), &acl, 0),
            Decision::Denied(_)
        ));
        let other: IpAddr = "172.16.0.1".parse().unwrap();
        assert!(matches!(
            decide(&p, other, &req("198.51.100.1"), &acl, 0),
            Decision::Denied(_)
        ));
        assert!(matches!(
            decide(&p, other, &req("203.0.113.1"), &acl, 0),
            Decision::Allowed(_)
        ));
    }

    /// Every spelling of an address gets the verdict of the address it
    /// connects to, under each policy: (policy, ingress, target, allowed).
    #[test]
    fn address_spellings_get_the_verdict_of_what_they_connect_to() {
        let nets = |v: &[&str]| parse_nets(&v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
        let base = Policy {
            ipv4: true,
            ipv6: true,
            ..Policy::default()
        };
        let forbid_lo = Policy {
            forbidden: nets(&["127.0.0.0/8"]),
            ..base.clone()
        };
        let forbid_mapped_conf = Policy {
            forbidden: nets(&["::ffff:10.0.0.0/104"]),
            ..base.clone()
        };
        let allow_ten = Policy {
            allowed: nets(&["10.0.0.0/8"]),
            ..base.clone()
        };
        let v6_only = Policy {
            ipv4: false,
            ..base.clone()
        };
        let rules = Policy {
            rules: vec![(
                nets(&["192.0.2.0/24"]),
                nets(&["10.0.0.0/8"]),
                RuleAction::Deny,
            )],
            ..base.clone()
        };
        let own = Policy {
            bastion: nets(&["127.0.0.0/8", "::1", "192.0.2.10"]),
            ..base.clone()
        };
        let own_opened = Policy {
            egress_to_bastion: nets(&["127.0.0.2"]),
            ..own.clone()
        };
        let forbid_ten = Policy {
            forbidden: nets(&["10.0.0.0/8"]),
            ..base.clone()
        };
        let cases: &[(&Policy, &str, &str, bool)] = &[
            (&forbid_lo, "198.51.100.1", "127.0.0.2", false),
            (&forbid_lo, "198.51.100.1", "::ffff:127.0.0.2", false),
            (&forbid_lo, "198.51.100.1", "::ffff:7f00:2", false),
            (&forbid_lo, "198.51.100.1", "::ffff:0:127.0.0.2", false),
            (&forbid_lo, "198.51.100.1", "::127.0.0.2", false),
            (&forbid_lo, "198.51.100.1", "10.0.0.1", true),
            (&forbid_mapped_conf, "198.51.100.1", "10.1.2.3", false),
            (
                &forbid_mapped_conf,
                "198.51.100.1",
                "::ffff:10.1.2.3",
                false,
            ),
            (&forbid_mapped_conf, "198.51.100.1", "11.1.2.3", true),
            (&allow_ten, "198.51.100.1", "::ffff:10.1.1.1", true),
            (&allow_ten, "198.51.100.1", "::ffff:11.1.1.1", false),
            (&allow_ten, "198.51.100.1", "11.1.1.1", false),
            (&v6_only, "198.51.100.1", "::ffff:10.0.0.1", false),
            (&v6_only, "198.51.100.1", "::10.0.0.1", false),
            (&v6_only, "198.51.100.1", "64:ff9b::10.0.0.1", false),
            (&v6_only, "198.51.100.1", "2002:a00:1::1", false),
            (&v6_only, "198.51.100.1", "2001:db8::1", true),
            (&rules, "192.0.2.5", "10.0.0.1", false),
            (&rules, "::ffff:192.0.2.5", "::ffff:10.0.0.1", false),
            (&rules, "198.51.100.1", "10.0.0.1", true),
            (&base, "198.51.100.1", "0.0.0.0", false),
            (&base, "198.51.100.1", "0.1.2.3", false),
            (&base, "198.51.100.1", "::", false),
            (&base, "198.51.100.1", "::ffff:0.0.0.0", false),
            (&base, "198.51.100.1", "::0.0.0.7", false),
            (&base, "198.51.100.1", "64:ff9b::0.0.0.0", false),
            (&own, "198.51.100.1", "127.0.0.2", false),
            (&own, "198.51.100.1", "::ffff:127.0.0.2", false),
            (&own, "198.51.100.1", "::1", false),
            (&own, "198.51.100.1", "192.0.2.10", false),
            (&own, "198.51.100.1", "2002:7f00:1::1", false),
            (&own, "198.51.100.1", "64:ff9b::127.0.0.1", false),
            (&own, "198.51.100.1", "192.0.2.11", true),
            (&own_opened, "198.51.100.1", "127.0.0.2", true),
            (&own_opened, "198.51.100.1", "::ffff:127.0.0.2", true),
            (&own_opened, "198.51.100.1", "127.0.0.1", false),
            (&own_opened, "198.51.100.1", "0.0.0.0", false),
            (&forbid_ten, "198.51.100.1", "64:ff9b::10.0.0.1", false),
            (&forbid_ten, "198.51.100.1", "2002:a00:1::1", false),
            (&forbid_ten, "198.51.100.1", "64:ff9b::11.0.0.1", true),
        ];
        let acl = parse_file("0.0.0.0/0\n[::/0]\n");
        for (policy, ingress, target, allowed) in cases {
            let d = decide(
                policy,
                ingress.parse().unwrap(),
                &req(target),
                &[Acl::new(Source::Personal, None, acl.clone())],
                0,
            );
            assert_eq!(
                matches!(d, Decision::Allowed(_)),
                *allowed,
                "{target} from {ingress}: {d:?} under {policy:?}"
            );
        }
    }

    /// An ACL written with a mapped address grants the IPv4 host, and only it.
    #[test]
    fn acl_lines_are_canonical() {
        let acl = parse_file("root@[::ffff:192.0.2.7]:22\n");
        assert_eq!(acl[0].target(), "root@192.0.2.7:22");
        let d = decide(
            &policy(),
            "127.0.0.1".parse().unwrap(),
            &req("192.0.2.7"),
            &[Acl::new(Source::Personal, None, acl)],
            0,
        );
        assert!(matches!(d, Decision::Allowed(_)), "{d:?}");
    }
}
