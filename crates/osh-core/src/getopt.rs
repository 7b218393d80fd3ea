//! Command lines as Perl's Getopt::Long parses them, on shell-like words.
//!
//! The login shell receives one string (`-c "<args>"`); The Bastion splits it with
//! `Text::ParseWords::shellwords` and parses it with `GetOptionsFromString` under
//! `pass_through no_ignore_case no_auto_abbrev`. Clients and scripts depend on the
//! quirks of that combination, so they are reproduced here rather than
//! approximated with clap: long options take one or two dashes (or `+`), a
//! mandatory string value takes the next word whatever it looks like, an integer
//! that does not parse leaves both words as unknown arguments, unknown options are
//! passed through in place, and `--` stops parsing and is itself kept. Plugins use
//! the same parser, so `-account` works for them as it does upstream. A test
//! compares this module with Perl on generated command lines.

/// What an option takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A flag (`name`).
    Flag,
    /// A counter (`name+`).
    Count,
    /// A mandatory string (`name=s`).
    Str,
    /// A mandatory integer (`name=i`).
    Int,
    /// A repeatable mandatory string (`name=s@`).
    StrList,
}

/// One option: its names (`"user|u|l"`) and kind.
#[derive(Debug, Clone, Copy)]
pub struct Opt {
    /// `|`-separated names; the first is the one results are stored under.
    pub names: &'static str,
    /// What it takes.
    pub kind: Kind,
}

/// Shorthand for building option tables.
#[must_use]
pub const fn opt(names: &'static str, kind: Kind) -> Opt {
    Opt { names, kind }
}

/// A parsed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A flag seen (flags set to 1, counters count).
    Count(u32),
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
    /// A list of strings.
    List(Vec<String>),
}

/// The result of a parse: option values by primary name, and the words left over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Values in the order options were first seen.
    pub values: Vec<(&'static str, Value)>,
    /// Words that were not options, in order (unknown options included).
    pub rest: Vec<String>,
    /// Numeric options given something else, as `(option, value)`: the
    /// option and its value are also in `rest`, as Getopt::Long leaves them,
    /// but the caller can name the real problem.
    pub bad: Vec<(&'static str, String)>,
}

impl Parsed {
    fn get(&self, name: &str) -> Option<&Value> {
        self.values.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// A flag or counter's count (0 if absent).
    #[must_use]
    pub fn count(&self, name: &str) -> u32 {
        match self.get(name) {
            Some(Value::Count(n)) => *n,
            _ => 0,
        }
    }

    /// Whether a flag was given.
    #[must_use]
    pub fn flag(&self, name: &str) -> bool {
        self.count(name) > 0
    }

    /// A string option's value.
    #[must_use]
    pub fn str(&self, name: &str) -> Option<&str> {
        match self.get(name) {
            Some(Value::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// An integer option's value.
    #[must_use]
    pub fn int(&self, name: &str) -> Option<i64> {
        match self.get(name) {
            Some(Value::Int(n)) => Some(*n),
            _ => None,
        }
    }

    /// A list option's values.
    #[must_use]
    pub fn list(&self, name: &str) -> &[String] {
        match self.get(name) {
            Some(Value::List(v)) => v,
            _ => &[],
        }
    }

    fn set(&mut self, name: &'static str, v: Value) {
        if let Some(slot) = self.values.iter_mut().find(|(n, _)| *n == name) {
            match (&mut slot.1, v) {
                (Value::Count(c), Value::Count(_)) => *c += 1,
                (Value::List(l), Value::List(mut more)) => l.append(&mut more),
                (old, new) => *old = new,
            }
        } else {
            self.values.push((name, v));
        }
    }
}

/// `Text::ParseWords::shellwords`: split on whitespace, honouring `"..."`, `'...'`
/// and backslashes. An unbalanced quote yields no words at all, as in Perl.
#[must_use]
pub fn shellwords(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut chars = line.trim_start().chars().peekable();
    let mut word = String::new();
    let mut in_word = false;
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next() {
                    word.push(n);
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        None => return Vec::new(),
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(n) => word.push(n),
                            None => return Vec::new(),
                        },
                        Some(c) => word.push(c),
                    }
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        None => return Vec::new(),
                        Some('\'') => break,
                        // In single quotes a backslash escapes for matching only:
                        // it is kept, and the next character too.
                        Some('\\') => {
                            word.push('\\');
                            match chars.next() {
                                Some(n) => word.push(n),
                                None => return Vec::new(),
                            }
                        }
                        Some(c) => word.push(c),
                    }
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// Perl's `PAT_INT`: `[-+]?_*[0-9][0-9_]*`, underscores dropped.
fn parse_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    let body = digits.trim_start_matches('_');
    if !body.starts_with(|c: char| c.is_ascii_digit())
        || !body.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    {
        return None;
    }
    let clean: String = s.chars().filter(|c| *c != '_').collect();
    clean.parse().ok()
}

fn find<'a>(spec: &'a [Opt], name: &str) -> Option<&'a Opt> {
    spec.iter().find(|o| o.names.split('|').any(|n| n == name))
}

fn primary(o: &Opt) -> &'static str {
    o.names.split('|').next().unwrap_or(o.names)
}

/// An option's first name, the one its value is known by (`port` of `port|p`).
#[must_use]
pub fn primary_name(o: &Opt) -> &'static str {
    primary(o)
}

/// Parse `args` against `spec` with Getopt::Long's `pass_through` semantics.
#[must_use]
pub fn parse(spec: &[Opt], args: &[String]) -> Parsed {
    let mut out = Parsed::default();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if arg == "--" {
            // Option processing stops; with pass_through, `--` is kept.
            out.rest.extend(args[i - 1..].iter().cloned());
            break;
        }
        let Some(body) = arg
            .strip_prefix("--")
            .or_else(|| arg.strip_prefix('-'))
            .or_else(|| arg.strip_prefix('+'))
        else {
            out.rest.push(arg.clone());
            continue;
        };
        if body.is_empty() {
            out.rest.push(arg.clone());
            continue;
        }
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (body, None),
        };
        let Some(o) = find(spec, name) else {
            out.rest.push(arg.clone());
            continue;
        };
        let key = primary(o);
        match o.kind {
            Kind::Flag | Kind::Count => {
                if inline.is_some() {
                    // `--flag=x` is not a flag use; Getopt::Long passes it through.
                    out.rest.push(arg.clone());
                } else if o.kind == Kind::Count {
                    out.set(key, Value::Count(1));
                } else {
                    // A repeated flag is still just set, not counted.
                    out.values.retain(|(n, _)| *n != key);
                    out.values.push((key, Value::Count(1)));
                }
            }
            Kind::Str | Kind::StrList | Kind::Int => {
                let value = match inline {
                    Some("") => None,
                    Some(v) => Some(v.to_owned()),
                    None if i < args.len() => {
                        i += 1;
                        Some(args[i - 1].clone())
                    }
                    None => None,
                };
                let Some(value) = value else {
                    out.rest.push(arg.clone());
                    continue;
                };
                match o.kind {
                    Kind::Int => match parse_int(&value) {
                        Some(n) => out.set(key, Value::Int(n)),
                        None => {
                            out.bad.push((key, value.clone()));
                            out.rest.push(arg.clone());
                            if inline.is_none() {
                                i -= 1; // the word goes back to be looked at again
                            }
                        }
                    },
                    Kind::StrList => out.set(key, Value::List(vec![value])),
                    _ => out.set(key, Value::Str(value)),
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    const SPEC: &[Opt] = &[
        opt("port|p", Kind::Int),
        opt("verbose", Kind::Count),
        opt("tty|t", Kind::Flag),
        opt("user|u|l", Kind::Str),
        opt("osh", Kind::Str),
        opt("host|h", Kind::Str),
        opt("json", Kind::Flag),
    ];

    fn p(s: &str) -> Parsed {
        parse(SPEC, &shellwords(s))
    }

    #[test]
    fn words() {
        assert_eq!(shellwords("  a  \"b c\" d"), w(&["a", "b c", "d"]));
        assert_eq!(shellwords("a \"unbal"), Vec::<String>::new());
        assert_eq!(shellwords(r"a 'b\'c'"), w(&["a", r"b\'c"]));
        assert_eq!(
            shellwords(r#"a\ b x"y"z '' """#),
            w(&["a b", "xyz", "", ""])
        );
        assert_eq!(shellwords(""), Vec::<String>::new());
    }

    /// The cases checked against Perl by hand when this was written.
    #[test]
    fn perl_cases() {
        assert_eq!(p("-osh").rest, w(&["-osh"]));
        assert_eq!(p("+osh info").str("osh"), Some("info"));
        assert_eq!(p("-osh help").str("osh"), Some("help"));
        assert_eq!(p("--host -F/etc/passwd").str("host"), Some("-F/etc/passwd"));
        assert_eq!(p("--port abc x").rest, w(&["--port", "abc", "x"]));
        assert_eq!(p("--port=1_0 x").int("port"), Some(10));
        assert_eq!(p("-p22 h").rest, w(&["-p22", "h"]));
        assert_eq!(p("x -- --osh y").rest, w(&["x", "--", "--osh", "y"]));
        assert_eq!(p("--verbose --verbose -v").count("verbose"), 2);
        assert_eq!(p("-t -T").rest, w(&["-T"]));
        assert_eq!(p("h --user").rest, w(&["h", "--user"]));
        assert_eq!(p("--OSH a").rest, w(&["--OSH", "a"]));
        assert_eq!(p("--po 22").rest, w(&["--po", "22"]));
        assert_eq!(p("--port= 3").rest, w(&["--port=", "3"]));
        assert_eq!(p("-u=x").str("user"), Some("x"));
        assert_eq!(p("-l root h").str("user"), Some("root"));
    }
}
