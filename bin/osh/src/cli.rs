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
    "wait",
    "forward-agent",
    "ssh-as",
    "use-key",
    "kbd-interactive",
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
    let after = getopt::parse(&supported, &words[i + 2..]);
    for (k, v) in after.values {
        if !opts.values.iter().any(|(n, _)| *n == k) {
            opts.values.push((k, v));
        }
    }
    opts.rest.extend(after.rest);
    opts.bad.extend(after.bad);
    opts
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
    let mut rest = opts.rest.clone();
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
    };
    if req.plugin.is_none() && !rest.is_empty() {
        let first = rest.remove(0);
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
