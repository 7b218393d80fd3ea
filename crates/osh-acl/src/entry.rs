//! One ACL line.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::Serialize;

/// An access: who (`user`, `None` = any), where (`net`), which port (`None` = any).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Remote user, possibly with `*` and `?` wildcards; `None` allows any user.
    pub user: Option<String>,
    /// Address or network.
    pub net: IpNet,
    /// Port; `None` allows any port.
    pub port: Option<u16>,
    /// `# add by ACCOUNT on YYYY-MM-DD HH:MM:SS`
    pub added_by: Option<String>,
    /// The date of that token.
    pub added_date: Option<String>,
    /// `# EXPIRY=epoch`: after it the line no longer grants anything.
    pub expiry: Option<u64>,
    /// `# FORCEKEY=fingerprint`: only this egress key may be used.
    pub force_key: Option<String>,
    /// `# FORCEPASSWORD=hash`.
    pub force_password: Option<String>,
    /// `# COMMENT=<text>`.
    pub comment: Option<String>,
}

/// Why a line is not an access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

/// What is asked: a target address (or, for plugins, a network), a user, a port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Target address, or a network when a plugin asks about one.
    pub net: IpNet,
    /// Remote user, if given.
    pub user: Option<String>,
    /// Port, if given.
    pub port: Option<u16>,
}

impl Request {
    /// A request for one address.
    #[must_use]
    pub fn host(ip: IpAddr, user: Option<&str>, port: Option<u16>) -> Self {
        Self {
            net: IpNet::from(crate::addr::ip(ip)),
            user: user.map(str::to_owned),
            port,
        }
    }
}

/// `*` any run, `?` one character; everything else literal.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    match (pattern.first(), text.first()) {
        (None, None) => true,
        (Some(b'*'), _) => {
            glob(&pattern[1..], text) || (!text.is_empty() && glob(pattern, &text[1..]))
        }
        (Some(b'?'), Some(_)) => glob(&pattern[1..], &text[1..]),
        (Some(p), Some(t)) if p == t => glob(&pattern[1..], &text[1..]),
        _ => false,
    }
}

impl Entry {
    /// An access with no metadata.
    #[must_use]
    pub fn new(user: Option<&str>, net: IpNet, port: Option<u16>) -> Self {
        Self {
            user: user.map(str::to_owned),
            // Canonical, so that no spelling of an address escapes a comparison.
            net: crate::addr::net(net.trunc()),
            port,
            added_by: None,
            added_date: None,
            expiry: None,
            force_key: None,
            force_password: None,
            comment: None,
        }
    }

    /// Whether this access covers the request. A user or port in the line
    /// must be asked for explicitly to match; a line without one matches any.
    #[must_use]
    pub fn matches(&self, req: &Request) -> bool {
        let user_ok = match (&self.user, &req.user) {
            (None, _) => true,
            (Some(pat), Some(u)) => glob(pat.as_bytes(), u.as_bytes()),
            (Some(_), None) => false,
        };
        let port_ok = match (self.port, req.port) {
            (None, _) => true,
            (Some(p), Some(q)) => p == q,
            (Some(_), None) => false,
        };
        user_ok && port_ok && self.net.contains(&req.net)
    }

    /// Whether this line grants everything `other` does (same or wider
    /// network, any or the same user and port): a guest's line is an access
    /// only while a line of its group covers it.
    #[must_use]
    pub fn covers(&self, other: &Self) -> bool {
        self.matches(&Request {
            net: other.net,
            user: other.user.clone(),
            port: other.port,
        })
    }

    /// Whether the line has expired at `now` (seconds since the epoch).
    #[must_use]
    pub fn expired(&self, now: u64) -> bool {
        self.expiry.is_some_and(|e| e <= now)
    }

    /// The access part of the line: `[user@]IP[/prefix][:port]`.
    #[must_use]
    pub fn target(&self) -> String {
        let addr = if self.net.prefix_len() == self.net.max_prefix_len() {
            self.net.addr().to_string()
        } else {
            self.net.to_string()
        };
        let addr = match (self.net, self.port) {
            (IpNet::V6(_), Some(_)) => format!("[{addr}]"),
            _ => addr,
        };
        let mut s = String::new();
        if let Some(u) = &self.user {
            s.push_str(u);
            s.push('@');
        }
        s.push_str(&addr);
        if let Some(p) = self.port {
            s.push_str(&format!(":{p}"));
        }
        s
    }

    /// The whole line, as written to an ACL file.
    #[must_use]
    pub fn to_line(&self) -> String {
        let mut s = self.target();
        if let (Some(by), Some(date)) = (&self.added_by, &self.added_date) {
            s.push_str(&format!(" # add by {by} on {date}"));
        }
        if let Some(k) = &self.force_key {
            s.push_str(&format!(" # FORCEKEY={k}"));
        }
        if let Some(p) = &self.force_password {
            s.push_str(&format!(" # FORCEPASSWORD={p}"));
        }
        if let Some(e) = self.expiry {
            s.push_str(&format!(" # EXPIRY={e}"));
        }
        if let Some(c) = &self.comment {
            s.push_str(&format!(" # COMMENT=<{}>", sanitize_comment(c)));
        }
        s
    }

    /// Parse a target as users type it: `[user@]host[/prefix][:port]`, IPv6 in brackets when a port follows.
    pub fn parse_target(text: &str) -> Result<Self, ParseError> {
        let bad = |why: &str| ParseError(format!("'{text}': {why}"));
        let (user, rest) = match text.rsplit_once('@') {
            Some((u, r)) => (Some(u), r),
            None => (None, text),
        };
        if let Some(u) = user
            && !valid_user(u)
        {
            return Err(bad("invalid user"));
        }
        let (addr, port) = if let Some(inner) = rest.strip_prefix('[') {
            let (a, after) = inner.split_once(']').ok_or_else(|| bad("unclosed '['"))?;
            let port = match after {
                "" => None,
                p => Some(p.strip_prefix(':').ok_or_else(|| bad("junk after ']'"))?),
            };
            (a, port)
        } else if rest.matches(':').count() == 1 {
            let (a, p) = rest.split_once(':').unwrap_or((rest, ""));
            (a, Some(p))
        } else {
            (rest, None)
        };
        let port = port
            .map(|p| {
                p.parse::<u16>()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| bad("invalid port"))
            })
            .transpose()?;
        let net = if addr.contains('/') {
            addr.parse::<IpNet>().map_err(|_| bad("invalid network"))?
        } else {
            IpNet::from(
                addr.parse::<IpAddr>()
                    .map_err(|_| bad("not an IP address"))?,
            )
        };
        Ok(Self::new(user, net, port))
    }
}

/// Users as The Bastion allows them in ACLs: no leading `-`, word characters,
/// `.`, `-`, `@`, and the wildcards `*` `?`.
fn valid_user(u: &str) -> bool {
    !u.is_empty()
        && u.len() <= 128
        && !u.starts_with('-')
        && u.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-*?@".contains(&b))
}

/// A comment as it is stored between `<` and `>`: `#<>"'` become `_`, and control
/// characters (which would end the line) become spaces.
#[must_use]
pub fn sanitize_comment(c: &str) -> String {
    c.chars()
        .map(|ch| {
            if "#<>\"'".contains(ch) {
                '_'
            } else if ch.is_control() {
                ' '
            } else {
                ch
            }
        })
        .collect()
}

fn parse_meta(e: &mut Entry, tokens: &str) {
    for tok in tokens.split(" # ").map(str::trim).filter(|t| !t.is_empty()) {
        let tok = tok.trim_start_matches('#').trim();
        if let Some(rest) = tok.strip_prefix("add by ") {
            if let Some((by, date)) = rest.split_once(" on ") {
                e.added_by = Some(by.to_owned());
                e.added_date = Some(date.to_owned());
            }
        } else if let Some(v) = tok.strip_prefix("EXPIRY=") {
            e.expiry = v.parse().ok();
        } else if let Some(v) = tok.strip_prefix("FORCEKEY=") {
            e.force_key = Some(v.to_owned());
        } else if let Some(v) = tok.strip_prefix("FORCEPASSWORD=") {
            e.force_password = Some(v.to_owned());
        } else if let Some(v) = tok.strip_prefix("COMMENT=") {
            e.comment = Some(v.trim_start_matches('<').trim_end_matches('>').to_owned());
        }
    }
}

/// The accesses of an ACL file's text, skipping comments, commented-out
/// (deleted) lines and lines that do not parse.
#[must_use]
pub fn parse_file(text: &str) -> Vec<Entry> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                return None;
            }
            let (target, meta) = match line.split_once(" #") {
                Some((t, m)) => (t.trim(), m),
                None => (line, ""),
            };
            let mut e = Entry::parse_target(target).ok()?;
            parse_meta(&mut e, &format!(" #{meta}"));
            Some(e)
        })
        .collect()
}

/// The address part of a line's target (`[user@]ADDR[/prefix][:port]`).
fn addr_of(target: &str) -> Option<&str> {
    let rest = target.rsplit_once('@').map_or(target, |(_, r)| r);
    if let Some(inner) = rest.strip_prefix('[') {
        Some(inner.split_once(']')?.0)
    } else if rest.matches(':').count() == 1 {
        Some(rest.split_once(':')?.0)
    } else {
        Some(rest)
    }
}

/// The lines of an ACL file's text that can grant `net`, and only those,
/// parsed whole: the access decision reads every line of every ACL an
/// account has on each connection, and most of them are about other
/// networks (an account in 100 groups of 1,000 servers has 100,000). A
/// line naming one IPv4 host can hold the target only if its text is the
/// target's (dotted quads have one spelling that parses), so most lines
/// are passed over without being parsed at all.
#[must_use]
pub fn parse_file_for(text: &str, net: &IpNet) -> Vec<Entry> {
    let host_v4 = match net {
        IpNet::V4(n) if n.prefix_len() == 32 => Some(n.addr().to_string()),
        _ => None,
    };
    // Without the host's text (which an IPv4-mapped spelling holds too)
    // nor any network, no line of the file can grant it.
    if let Some(h) = &host_v4
        && !text.contains(h.as_str())
        && !text.contains('/')
    {
        return Vec::new();
    }
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                return None;
            }
            let target = line.split_once(" #").map_or(line, |(t, _)| t.trim());
            let addr = addr_of(target)?;
            let plain_v4 = !addr.contains(['/', ':']);
            let can = match (&host_v4, plain_v4) {
                (Some(h), true) => addr == h,
                // Canonical as [`Entry::new`] makes them (IPv4-mapped spellings).
                _ if addr.contains('/') => addr
                    .parse::<IpNet>()
                    .is_ok_and(|n| crate::addr::net(n.trunc()).contains(net)),
                _ => addr
                    .parse::<IpAddr>()
                    .is_ok_and(|a| IpNet::from(crate::addr::ip(a)).contains(net)),
            };
            if !can {
                return None;
            }
            parse_file(line).pop()
        })
        .collect()
}

/// The text of an ACL file with every line granting exactly `target` commented
/// out (with why), so the history stays. Returns the new text and how many
/// lines were removed.
#[must_use]
pub fn comment_out(text: &str, target: &Entry, why: &str) -> (String, usize) {
    let mut n = 0;
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.lines() {
        let t = line.trim();
        let same = !t.starts_with('#')
            && Entry::parse_target(t.split_once(" #").map_or(t, |(a, _)| a.trim())).is_ok_and(
                |e| e.user == target.user && e.net == target.net && e.port == target.port,
            );
        if same {
            n += 1;
            out.push_str(&format!("# {t} # {}\n", why.replace('\n', " ")));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    (out, n)
}

#[cfg(test)]
mod fast_tests {
    use super::*;

    #[test]
    fn the_decision_reads_only_lines_that_can_match() {
        let text = "root@10.0.0.1 # add by a on 2026-01-01 00:00:00\n10.0.0.0/24:22 # FORCEKEY=SHA256:x\n\
                    # root@10.0.0.1\n10.1.0.1\n[2001:db8::1]:22\nbad line\n";
        let net: IpNet = "10.0.0.1/32".parse().unwrap();
        let got = parse_file_for(text, &net);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].added_by.as_deref(), Some("a"));
        assert_eq!(got[1].force_key.as_deref(), Some("SHA256:x"));
        let all = parse_file(text);
        let want: Vec<&Entry> = all.iter().filter(|e| e.net.contains(&net)).collect();
        assert_eq!(got.iter().collect::<Vec<_>>(), want);
        assert!(parse_file_for("10.0.0.2\n10.0.0.3 # x\n", &net).is_empty());
        assert_eq!(parse_file_for("::ffff:10.0.0.1\n", &net).len(), 1);
        let v6: IpNet = "2001:db8::1/128".parse().unwrap();
        assert_eq!(parse_file_for(text, &v6).len(), 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn grammar() {
        let e = Entry::parse_target("root@10.0.0.0/8:22").unwrap();
        assert_eq!(
            (e.user.as_deref(), e.net.to_string().as_str(), e.port),
            (Some("root"), "10.0.0.0/8", Some(22))
        );
        let e = Entry::parse_target("[2001:db8::/48]:22").unwrap();
        assert_eq!(
            (e.net.to_string().as_str(), e.port),
            ("2001:db8::/48", Some(22))
        );
        let e = Entry::parse_target("2001:db8::1").unwrap();
        assert_eq!((e.net.prefix_len(), e.port), (128, None));
        assert_eq!(
            Entry::parse_target("me@[2001:db8::1:2]:12")
                .unwrap()
                .target(),
            "me@[2001:db8::1:2]:12"
        );
        assert_eq!(
            Entry::parse_target("192.0.2.1").unwrap().target(),
            "192.0.2.1"
        );
        // Host bits are cleared: 10.1.2.3/8 is 10.0.0.0/8.
        assert_eq!(
            Entry::parse_target("10.1.2.3/8").unwrap().target(),
            "10.0.0.0/8"
        );
        for bad in [
            "-oProxyCommand=x@1.2.3.4",
            "a b@1.2.3.4",
            "host.example",
            "1.2.3.4:0",
            "1.2.3.4:99999",
            "[::1",
            "1.2.3.4/33",
            "",
        ] {
            assert!(Entry::parse_target(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn lines_and_metadata() {
        let text = "# a comment\n\
                    u@192.0.2.1:22 # add by bob on 2026-11-22 10:00:00 # FORCEKEY=SHA256:abc # EXPIRY=100 # COMMENT=<hi there>\n\
                    # 192.0.2.2 # deleted by bob\n\
                    garbage line\n\
                    198.51.100.0/24\n";
        let v = parse_file(text);
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].added_by.as_deref(), Some("bob"));
        assert_eq!(v[0].force_key.as_deref(), Some("SHA256:abc"));
        assert_eq!(v[0].expiry, Some(100));
        assert_eq!(v[0].comment.as_deref(), Some("hi there"));
        assert!(v[0].expired(100) && !v[0].expired(99));
        assert_eq!(
            parse_file(&format!("{}\n", v[0].to_line())),
            vec![v[0].clone()]
        );
        let (after, n) = comment_out(
            text,
            &Entry::parse_target("198.51.100.0/24").unwrap(),
            "deleted by me",
        );
        assert_eq!(n, 1);
        assert_eq!(parse_file(&after).len(), 1);
        assert!(after.contains("# 198.51.100.0/24 # deleted by me"));
    }

    #[test]
    fn comments_cannot_break_lines() {
        let mut e = Entry::parse_target("192.0.2.1").unwrap();
        e.comment = Some("x\n192.0.2.0/24 # <evil> \"'".into());
        let line = e.to_line();
        assert!(
            !line.contains('\n') && line.ends_with("COMMENT=<x 192.0.2.0/24 _ _evil_ __>"),
            "{line}"
        );
        assert_eq!(parse_file(&line).len(), 1);
    }

    #[test]
    fn wildcards() {
        let e = Entry::parse_target("adm*@192.0.2.1").unwrap();
        assert!(e.matches(&Request::host(
            "192.0.2.1".parse().unwrap(),
            Some("admin"),
            None
        )));
        assert!(!e.matches(&Request::host(
            "192.0.2.1".parse().unwrap(),
            Some("root"),
            None
        )));
        let e = Entry::parse_target("r??t@192.0.2.1").unwrap();
        assert!(e.matches(&Request::host(
            "192.0.2.1".parse().unwrap(),
            Some("root"),
            Some(22)
        )));
        assert!(!e.matches(&Request::host(
            "192.0.2.1".parse().unwrap(),
            Some("rooot"),
            None
        )));
    }

    proptest! {
        #[test]
        fn to_line_parses_back(a in any::<[u8; 4]>(), prefix in 8u8..=32, port in proptest::option::of(1u16..), user in proptest::option::of("[a-z][a-z0-9_.-]{0,10}"), comment in proptest::option::of(".{0,40}")) {
            let net = IpNet::new(IpAddr::from(a), prefix).unwrap();
            let mut e = Entry::new(user.as_deref(), net, port);
            e.comment = comment.map(|c| sanitize_comment(&c));
            e.added_by = Some("me".into());
            e.added_date = Some("2026-11-22 10:00:00".into());
            let back = parse_file(&e.to_line());
            prop_assert_eq!(back.len(), 1);
            prop_assert_eq!(&back[0].target(), &e.target());
            prop_assert_eq!(back[0].comment.as_deref().map(str::trim), e.comment.as_deref().map(str::trim));
        }
    }
}
