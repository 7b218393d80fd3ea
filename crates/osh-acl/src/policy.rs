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

fn nets(v: &Value) -> Option<Vec<IpNet>> {
    v.as_array()?
        .iter()
        .map(|n| {
            let s = n.as_str()?;
            s.parse::<IpNet>()
                .ok()
                .or_else(|| s.parse::<IpAddr>().ok().map(IpNet::from))
        })
        .collect()
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
        let parse = |v: &[String]| {
            v.iter()
                .filter_map(|s| {
                    s.parse::<IpNet>()
                        .ok()
                        .or_else(|| s.parse::<IpAddr>().ok().map(IpNet::from))
                })
                .collect()
        };
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
            forbidden: parse(forbidden),
            allowed: parse(allowed),
            rules,
            ipv4,
            ipv6,
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

fn network_verdict(policy: &Policy, ingress: IpAddr, target: &IpNet) -> Option<Denial> {
    match target {
        IpNet::V4(_) if !policy.ipv4 => return Some(Denial::IpVersion),
        IpNet::V6(_) if !policy.ipv6 => return Some(Denial::IpVersion),
        _ => {}
    }
    if within(target, &policy.forbidden) {
        return Some(Denial::Network(
            "the target is in a forbidden network".into(),
        ));
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

/// Decide whether `req`, coming from `ingress`, is allowed, given the ACLs the
/// account has (`sources`: where each ACL comes from, its group, its lines).
#[must_use]
pub fn decide(
    policy: &Policy,
    ingress: IpAddr,
    req: &Request,
    sources: &[(Source, Option<String>, Vec<Entry>)],
    now: u64,
) -> Decision {
    if let Some(d) = network_verdict(policy, ingress, &req.net) {
        return Decision::Denied(d);
    }
    let grants: Vec<Grant> = sources
        .iter()
        .filter_map(|(source, group, entries)| {
            best_match(entries, req, now).map(|e| Grant {
                source: *source,
                group: group.clone(),
                entry: e.clone(),
            })
        })
        .collect();
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
            &[(Source::Personal, None, acl.clone())],
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
            &[(Source::Personal, None, acl)],
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
        let src = [(Source::Personal, None, acl)];
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
        let acl = vec![(Source::Personal, None, parse_file("0.0.0.0/0\n::/0\n"))];
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
}
