//! Our Getopt::Long emulation against the real thing.
//!
//! Perl is on every machine this runs on; one perl process parses a batch of
//! generated command lines with the exact configuration osh.pl uses, and every
//! result (option values and leftover words) must equal ours.

use std::io::Write as _;
use std::process::{Command, Stdio};

use osh_core::getopt::{Kind, Opt, Value, opt, parse, shellwords};
use proptest::prelude::*;
use proptest::strategy::ValueTree as _;
use proptest::test_runner::{Config, TestRunner};

const SPEC: &[Opt] = &[
    opt("port|p", Kind::Int),
    opt("verbose", Kind::Count),
    opt("tty|t", Kind::Flag),
    opt("no-tty|T", Kind::Flag),
    opt("user|u|l", Kind::Str),
    opt("osh", Kind::Str),
    opt("host|h", Kind::Str),
    opt("json", Kind::Flag),
    opt("timeout", Kind::Int),
];

const PERL: &str = r#"
use strict; use warnings;
use Getopt::Long qw(GetOptionsFromString :config pass_through no_ignore_case no_auto_abbrev);
use JSON::PP;
my $js = JSON::PP->new->canonical;
while (my $line = <STDIN>) {
    chomp $line;
    $line = $js->decode($line);
    my %o;
    local $SIG{__WARN__} = sub {};
    my ($r, $rem) = GetOptionsFromString($line,
        "port|p=i" => \$o{port}, "verbose+" => \$o{verbose}, "tty|t" => \$o{tty}, "no-tty|T" => \$o{'no-tty'},
        "user|u|l=s" => \$o{user}, "osh=s" => \$o{osh}, "host|h=s" => \$o{host}, "json" => \$o{json},
        "timeout=i" => \$o{timeout});
    for (keys %o) { delete $o{$_} unless defined $o{$_}; }
    for (qw(port timeout)) { $o{$_} = "$o{$_}" if defined $o{$_}; }
    print $js->encode({o => \%o, rest => $rem}), "\n";
}
"#;

fn ours(line: &str) -> serde_json::Value {
    let p = parse(SPEC, &shellwords(line));
    let mut o = serde_json::Map::new();
    for (k, v) in &p.values {
        let v = match v {
            Value::Count(n) => serde_json::json!(n),
            Value::Str(s) => serde_json::json!(s),
            Value::Int(n) => serde_json::json!(n.to_string()),
            Value::List(l) => serde_json::json!(l),
        };
        o.insert((*k).to_owned(), v);
    }
    serde_json::json!({"o": o, "rest": p.rest})
}

fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("--osh".to_owned()),
        Just("-osh".to_owned()),
        Just("+osh".to_owned()),
        Just("--port".to_owned()),
        Just("-p".to_owned()),
        Just("--port=22".to_owned()),
        Just("-p=x".to_owned()),
        Just("--user".to_owned()),
        Just("-u".to_owned()),
        Just("-l".to_owned()),
        Just("--host".to_owned()),
        Just("-h".to_owned()),
        Just("--json".to_owned()),
        Just("--json=1".to_owned()),
        Just("--verbose".to_owned()),
        Just("-t".to_owned()),
        Just("-T".to_owned()),
        Just("--no-tty".to_owned()),
        Just("--".to_owned()),
        Just("-".to_owned()),
        Just("--timeout".to_owned()),
        Just("1_0".to_owned()),
        Just("-5".to_owned()),
        Just("+3".to_owned()),
        Just("22".to_owned()),
        Just("0x1".to_owned()),
        Just("--OSH".to_owned()),
        Just("--po".to_owned()),
        Just("--user=".to_owned()),
        Just("info".to_owned()),
        Just("root@127.0.0.1".to_owned()),
        Just("\"a b\"".to_owned()),
        Just("'c d'".to_owned()),
        Just("e\\ f".to_owned()),
        Just("'g\\'h'".to_owned()),
        Just("\"i\\\"j\"".to_owned()),
        Just("\"unbalanced".to_owned()),
        Just("-F/etc/passwd".to_owned()),
        "[a-z0-9@.:_-]{1,6}",
    ]
}

#[test]
fn getopt_matches_perl_on_generated_command_lines() {
    let mut runner = TestRunner::new(Config {
        cases: 1,
        ..Config::default()
    });
    let strat = proptest::collection::vec(
        proptest::collection::vec(token(), 0..8).prop_map(|t| t.join(" ")),
        3000,
    );
    let lines = strat.new_tree(&mut runner).unwrap().current();

    let mut perl = Command::new("perl")
        .args(["-e", PERL])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("perl must be installed for this test");
    {
        let mut stdin = perl.stdin.take().unwrap();
        for l in &lines {
            writeln!(stdin, "{}", serde_json::json!(l)).unwrap();
        }
    }
    let out = perl.wait_with_output().unwrap();
    assert!(out.status.success());
    let theirs: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(theirs.len(), lines.len());
    let mut mismatches = Vec::new();
    for (line, t) in lines.iter().zip(&theirs) {
        let o = ours(line);
        if &o != t {
            mismatches.push(format!("{line:?}\n  perl: {t}\n  ours: {o}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches, first ones:\n{}",
        mismatches.len(),
        mismatches[..mismatches.len().min(8)].join("\n")
    );
}
