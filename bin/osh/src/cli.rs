//! The `-c "<args>"` string, parsed as The Bastion's osh.pl parses it.

use osh_core::envelope::JsonMode;
use osh_core::getopt::{self, Kind, Opt, opt};
use osh_core::ui;

/// Every option osh.pl knows. Unsupported ones are still listed so that they are
/// never mistaken for a host.
pub const SPEC: &[Opt] = &[
    opt("port|p", Kind::Int),
    opt("verbose", Kind::Count),
    opt("tty|t", Kind::Flag),
    opt("no-tty|T", Kind::Flag),
    opt("user|u|l", Kind::Str),
    opt("osh", Kind::Str),
    opt("telnet|e", Kind::Flag),
    opt("password", Kind::Str),
    opt("self-password|P", Kind::Flag),
    opt("host|h", Kind::Str),
    opt("help", Kind::Flag),
    opt("long-help", Kind::Flag),
    opt("quiet|q", Kind::Flag),
    opt("timeout", Kind::Int),
    opt("bind", Kind::Str),
    opt("debug", Kind::Flag),
    opt("json", Kind::Flag),
    opt("json-greppable", Kind::Flag),
    opt("json-pretty", Kind::Flag),
    opt("always-escape", Kind::Flag),
    opt("never-escape", Kind::Flag),
    opt("interactive|i", Kind::Flag),
    opt("netconf", Kind::Flag),
    opt("wait", Kind::Flag),
    opt("forward-agent|x", Kind::Flag),
    opt("ssh-as", Kind::Str),
    opt("use-key", Kind::Str),
    opt("kbd-interactive", Kind::Flag),
    opt("proactive-mfa", Kind::Flag),
    opt("fallback-password-delay", Kind::Int),
    opt("generate-mfa-token", Kind::Flag),
    opt("mfa-token", Kind::Str),
    opt("term-passthrough", Kind::Flag),
    opt("J", Kind::Str),
];

/// Options osh recognises but does not implement yet: asking for one is an
/// error that says so, never a silent no-op and never a host name.
pub const NOT_YET: &[&str] = &[
    "verbose",
    "telnet",
    "password",
    "self-password",
    "timeout",
    "bind",
    "netconf",
    "forward-agent",
    "ssh-as",
    "use-key",
    "proactive-mfa",
    "fallback-password-delay",
    "generate-mfa-token",
    "mfa-token",
    "term-passthrough",
    "J",
];

/// What the user asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// Parsed options.
    pub opts: getopt::Parsed,
    /// `--osh NAME` (or `help` for a lone `-osh`).
    pub plugin: Option<String>,
    /// Target host, from `--host` or the first free word.
    pub host: Option<String>,
    /// Remote user, from `--user` or `user@host`.
    pub user: Option<String>,
    /// Words after the host (plugin options, or the remote command).
    pub rest: Vec<String>,
    /// Whether a ` -- ` delimiter was present.
    pub had_delimiter: bool,
    /// Where, in `rest`, the words after ` -- ` begin.
    pub after_from: usize,
    /// `--always-escape` (true) or `--never-escape` (false) before ` -- `.
    pub escape_asked: Option<bool>,
}

impl Request {
    /// The JSON mode asked for (`--json-pretty` wins, then greppable, then plain).
    #[must_use]
    pub fn json_mode(&self) -> JsonMode {
        if self.opts.flag("json-pretty") {
            JsonMode::Pretty
        } else if self.opts.flag("json-greppable") {
            JsonMode::Grep
        } else if self.opts.flag("json") {
            JsonMode::Default
        } else {
            JsonMode::Off
        }
    }

    /// The Bastion's legacy escaping of the remote command: every `'` after
    /// ` -- ` becomes `\'`, when `--always-escape` is given, or when
    /// `remoteCommandEscapeByDefault` is on and `--never-escape` is not.
    pub fn apply_escape(&mut self, by_default: bool) {
        if !self.escape_asked.unwrap_or(by_default) || !self.had_delimiter {
            return;
        }
        for w in &mut self.rest[self.after_from..] {
            *w = w.replace('\'', "\\'");
        }
    }

    /// Whether words were left after the host with no ` -- ` before them: a
    /// remote command the bastion's own parsing may have mangled.
    #[must_use]
    pub fn command_without_delimiter(&self) -> bool {
        self.plugin.is_none() && !self.had_delimiter && !self.rest.is_empty()
    }

    /// `--port` as a plugin receives it: the number, or `*` (any port, as
    /// the access plugins take it).
    #[must_use]
    pub fn plugin_port(&self) -> String {
        match (self.opts.int("port"), self.opts.str("port")) {
            (Some(p), _) => p.to_string(),
            (None, Some(any)) => any.to_owned(),
            _ => String::new(),
        }
    }

    /// The first option given that is not implemented yet.
    #[must_use]
    pub fn unsupported(&self) -> Option<&'static str> {
        self.opts
            .values
            .iter()
            .map(|(n, _)| *n)
            .find(|n| NOT_YET.contains(n))
    }
}

/// osh's options among `words`. After `--osh NAME`, an option osh knows
/// but does not support yet is left to the plugin: in `--osh accountInfo
/// --account -x`, `-x` is the value the user meant for `--account`, and the
/// plugin's answer (an invalid name) names the real problem; before it,
/// such an option is osh's, and refused by name.
fn parse_options(words: &[String]) -> getopt::Parsed {
    let at = words
        .iter()
        .position(|w| w == "--osh" || w == "-osh")
        .filter(|i| i + 1 < words.len());
    let Some(i) = at else {
        return getopt::parse(SPEC, words);
    };
    let mut opts = getopt::parse(SPEC, &words[..i + 2]);
    let supported: Vec<Opt> = SPEC
        .iter()
        .copied()
        .filter(|o| !NOT_YET.contains(&getopt::primary_name(o)))
        .collect();
    let mut after = getopt::parse(&supported, &words[i + 2..]);
    any_port(&mut after);
    for (k, v) in after.values {
        if !opts.values.iter().any(|(n, _)| *n == k) {
            opts.values.push((k, v));
        }
    }
    opts.rest.extend(after.rest);
    opts.bad.extend(after.bad);
    opts
}

/// `--port *` after `--osh NAME`: any port, as the access plugins take it
/// (The Bastion's parser lets the word through to them). The option and its
/// `*` are osh's, so they leave the plugin's own words.
fn any_port(p: &mut getopt::Parsed) {
    let Some(b) = p.bad.iter().position(|(k, v)| *k == "port" && v == "*") else {
        return;
    };
    p.bad.remove(b);
    let is_port = |w: &str| matches!(w, "--port" | "-port" | "-p" | "--p");
    if let Some(j) = p.rest.iter().position(|w| {
        w.split_once('=')
            .is_some_and(|(o, v)| is_port(o) && v == "*")
    }) {
        p.rest.remove(j);
    } else if let Some(j) = p
        .rest
        .windows(2)
        .position(|w| is_port(&w[0]) && w[1] == "*")
    {
        p.rest.drain(j..j + 2);
    }
    if !p.values.iter().any(|(k, _)| *k == "port") {
        p.values.push(("port", getopt::Value::Str("*".into())));
    }
}

/// Parse the string sshd passed after `-c`.
#[must_use]
pub fn parse(command: &str) -> Request {
    // The first " -- " separates osh's options from the remote command, which is
    // then split on single spaces, exactly as osh.pl does.
    let (before, after) = match command.split_once(" -- ") {
        Some((b, a)) => (b, Some(a)),
        None => (command, None),
    };
    let words = getopt::shellwords(before);
    let opts = parse_options(&words);
    // As osh.pl decides it: on the raw words before ` -- `, never-escape
    // first only when the default is on, so always-escape wins if both.
    let raw: Vec<&str> = before.split(' ').collect();
    let escape_asked = if raw.contains(&"--always-escape") {
        Some(true)
    } else if raw.contains(&"--never-escape") {
        Some(false)
    } else {
        None
    };
    let mut rest = opts.rest.clone();
    let mut after_from = rest.len();
    if let Some(a) = after {
        rest.extend(a.split(' ').map(str::to_owned));
    }
    let mut req = Request {
        plugin: opts.str("osh").map(str::to_owned),
        host: opts.str("host").map(str::to_owned),
        user: opts.str("user").map(str::to_owned),
        had_delimiter: after.is_some(),
        opts,
        rest: Vec::new(),
        after_from: 0,
        escape_asked,
    };
    if req.plugin.is_none() && !rest.is_empty() {
        let first = rest.remove(0);
        after_from = after_from.saturating_sub(1);
        if first == "-osh" || first == "--osh" {
            req.plugin = Some("help".into());
        } else {
            // `user@host`: the user is everything before the last `@`.
            match first.rsplit_once('@') {
                Some((u, h)) if !u.is_empty() && !h.is_empty() => {
                    req.user = Some(u.to_owned());
                    req.host = Some(h.to_owned());
                }
                _ => req.host = Some(first),
            }
        }
    }
    req.rest = rest;
    req.after_from = after_from;
    req
}

/// osh's own usage text (plugins list themselves through `--osh help`).
pub(crate) fn usage() {
    ui::Out::stderr().raw(
        "Usage: ssh ACCOUNT@BASTION -t -- [OPTIONS] [USER@]HOST [-- COMMAND]\n       \
         ssh ACCOUNT@BASTION -t -- [OPTIONS] --osh COMMAND [COMMAND OPTIONS]\n\n\
         Run '--osh help' for the list of commands you can use, '--long-help' for all options.\n",
    );
}

pub(crate) fn long_usage() {
    ui::Out::stderr().raw(
        "osh options:\n\
         \x20 --osh COMMAND        run a bastion command (see --osh help)\n\
         \x20 --json               print the result as JSON between JSON_START and JSON_END\n\
         \x20 --json-pretty        the same, indented\n\
         \x20 --json-greppable     print the result as one JSON_OUTPUT= line\n\
         \x20 --quiet, -q          less output\n\
         \x20 --host, -h HOST      the host to connect to\n\
         \x20 --user, -u, -l USER  the remote user\n\
         \x20 --port, -p PORT      the remote port\n\
         \x20 --tty, -t / --no-tty, -T   force or refuse a terminal\n\
         \x20 --help, --long-help  this help\n\
         Other options of The Bastion are recognised and refused with a clear error until osh supports them.\n",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugin_calls() {
        let r = parse("--json-greppable --osh accountCreate --account a1 --uid 9001");
        assert_eq!(r.plugin.as_deref(), Some("accountCreate"));
        assert_eq!(r.rest, ["--account", "a1", "--uid", "9001"]);
        assert_eq!(r.json_mode(), JsonMode::Grep);
        assert_eq!(parse("-osh").plugin.as_deref(), Some("help"));
        assert_eq!(parse("--json -osh").plugin.as_deref(), Some("help"));
        assert_eq!(parse("-osh help").plugin.as_deref(), Some("help"));
        let q = parse(r#"--osh accountCreate --public-key "ssh-ed25519 AAAA c""#);
        assert_eq!(q.rest, ["--public-key", "ssh-ed25519 AAAA c"]);
    }

    #[test]
    fn legacy_escaping_touches_only_the_remote_command() {
        let mut r = parse("--always-escape u@h -- echo 'a' b");
        r.apply_escape(false);
        assert_eq!(r.host.as_deref(), Some("h"));
        assert_eq!(r.rest, ["echo", "\\'a\\'", "b"]);
        let mut n = parse("--never-escape h -- echo 'a'");
        n.apply_escape(true);
        assert_eq!(n.rest, ["echo", "'a'"]);
        let mut d = parse("h -- echo 'a'");
        d.apply_escape(true);
        assert_eq!(d.rest, ["echo", "\\'a\\'"]);
        let mut both = parse("--never-escape --always-escape h -- 'a'");
        both.apply_escape(false);
        assert_eq!(both.rest, ["\\'a\\'"]);
        assert!(parse("h echo x").command_without_delimiter());
        assert!(!parse("h -- echo x").command_without_delimiter());
        assert!(!parse("--osh info x").command_without_delimiter());
    }

    #[test]
    fn any_port_is_for_plugins() {
        let r = parse("--osh selfAddPersonalAccess -h 10.0.0.1 --user * --port * --force");
        assert_eq!(r.plugin_port(), "*");
        assert!(r.opts.bad.is_empty());
        assert_eq!(r.rest, ["--force"]);
        assert_eq!(r.user.as_deref(), Some("*"));
        let inline = parse("--osh selfDelPersonalAccess -h 10.0.0.1 --port=* --user-any");
        assert_eq!((inline.plugin_port().as_str(), inline.rest.len()), ("*", 1));
        assert_eq!(parse("--osh x -p 22").plugin_port(), "22");
        // Not for a connection, and no other word is taken.
        assert_eq!(parse("-p * host").opts.bad.len(), 1);
        assert_eq!(parse("--osh x -p abc").opts.bad.len(), 1);
    }

    #[test]
    fn hosts() {
        let r = parse("root@127.0.0.1 -- uname -a");
        assert_eq!(
            (r.user.as_deref(), r.host.as_deref()),
            (Some("root"), Some("127.0.0.1"))
        );
        assert_eq!(r.rest, ["uname", "-a"]);
        assert!(r.had_delimiter);
        assert_eq!(
            parse("--host -F/etc/passwd").host.as_deref(),
            Some("-F/etc/passwd")
        );
        assert_eq!(
            parse("-oProxyCommand=x").host.as_deref(),
            Some("-oProxyCommand=x")
        );
        assert_eq!(parse("a@b@c").user.as_deref(), Some("a@b"));
        assert_eq!(parse("--json").host, None);
        assert_eq!(parse("-l u h").user.as_deref(), Some("u"));
    }

    #[test]
    fn not_yet_options_are_named() {
        assert_eq!(parse("--ssh-as bob h").unsupported(), Some("ssh-as"));
        assert_eq!(parse("-J x h").unsupported(), Some("J"));
        assert_eq!(parse("--json h").unsupported(), None);
        // After --osh NAME they are the plugin's words; osh's own still work there.
        let r = parse("--osh accountInfo --account -x --json");
        assert_eq!(r.unsupported(), None);
        assert_eq!(r.rest, ["--account", "-x"]);
        assert_eq!(r.json_mode(), JsonMode::Default);
        assert_eq!(parse("-x --osh info").unsupported(), Some("forward-agent"));
    }

    #[test]
    fn a_bad_number_is_reported_as_such() {
        let r = parse("-p 99999999999999999999 h");
        assert_eq!(r.opts.bad, [("port", "99999999999999999999".to_owned())]);
        assert!(parse("-p 22 h").opts.bad.is_empty());
    }
}
