//! The network policy against every spelling of an address, through real ssh:
//! IPv4-mapped and other IPv6 forms of an IPv4 host, the unspecified address
//! and the bastion's own addresses, under each policy key.

use osh_tests::{Sandbox, TARGET_ACCESS, can_run};
use serde_json::json;

/// Spellings of the demo target 127.0.0.2, all of which connect to it.
const SPELLINGS: &[&str] = &[
    "127.0.0.2",
    "[::ffff:127.0.0.2]",
    "::ffff:7f00:2",
    "[::ffff:0:127.0.0.2]",
    "::127.0.0.2",
    // The numeric forms the resolver (and so ssh) accepts.
    "2130706434",
    "0x7f000002",
    "0177.0.0.2",
    "127.0.2",
];

/// The admin gives itself an access to `tuser@HOST`, any port (untried:
/// most of these hosts have no sshd).
fn add_access(sb: &Sandbox, host: &str) -> osh_tests::Run {
    sb.admin(&[
        "--osh",
        "selfAddPersonalAccess",
        "--host",
        host,
        "--user",
        "tuser",
        "--port-any",
        "--force",
    ])
}

/// `tuser@HOST -p PORT -- echo REACHED` as the admin.
fn reach(sb: &Sandbox, host: &str, port: &str) -> osh_tests::Run {
    sb.admin(&[
        &format!("tuser@{host}"),
        "-p",
        port,
        "--",
        "echo",
        "REACHED",
    ])
}

#[test]
fn every_spelling_gets_the_verdict_of_the_address_it_reaches() {
    if !can_run("every_spelling_gets_the_verdict_of_the_address_it_reaches") {
        return;
    }
    let sb = Sandbox::start("addresses");
    sb.admin_reaches_target();
    sb.config_set("IPv6Allowed", "true");
    // The positive control: every spelling reaches the target when nothing forbids it.
    for host in SPELLINGS {
        reach(&sb, host, "2223").code(0).contains("REACHED");
    }

    // forbiddenNetworks, in the plain and in the mapped spelling of the config.
    for forbidden in [r#"["127.0.0.2/32"]"#, r#"["::ffff:127.0.0.0/120"]"#] {
        sb.config_set("forbiddenNetworks", forbidden);
        for host in SPELLINGS {
            reach(&sb, host, "2223")
                .code(107)
                .contains("forbidden network")
                .lacks("REACHED");
        }
    }
    sb.config_set("forbiddenNetworks", "[]");

    // allowedNetworks elsewhere.
    sb.config_set("allowedNetworks", r#"["10.0.0.0/8"]"#);
    for host in SPELLINGS {
        reach(&sb, host, "2223").code(107).lacks("REACHED");
    }
    sb.config_set("allowedNetworks", "[]");

    // ingressToEgressRules: the client comes from 127.0.0.1.
    sb.config_set(
        "ingressToEgressRules",
        r#"[[["::ffff:127.0.0.1"], ["127.0.0.2"], "DENY"]]"#,
    );
    for host in SPELLINGS {
        reach(&sb, host, "2223").code(107).lacks("REACHED");
    }
    sb.config_set("ingressToEgressRules", "[]");

    // IPv4 off: no IPv6 spelling gets an IPv4 host through.
    sb.config_set("IPv4Allowed", "false");
    for host in SPELLINGS {
        reach(&sb, host, "2223").code(133).lacks("REACHED");
    }
    sb.config_set("IPv4Allowed", "true");

    // The unspecified address and the bastion's own: never, even with an
    // access covering them, in any spelling; the bastion's sshd is on 127.0.0.1:2222.
    for host in ["0.0.0.0", "0.0.0.0/8", "127.0.0.1"] {
        add_access(&sb, host).code(0);
    }
    for host in [
        "0.0.0.0",
        "0",
        "0.1.2.3",
        "[::ffff:0.0.0.0]",
        "[::]",
        "127.0.0.1",
        "127.1",
        "[::ffff:127.0.0.1]",
        "2130706433",
        "localhost",
        "[::1]",
    ] {
        let r = reach(&sb, host, "2222");
        r.code(107).contains("the bastion itself").lacks("REACHED");
        let r = reach(&sb, host, "2223");
        r.code(107).lacks("REACHED");
    }
    // What the sandbox opened (127.0.0.2 and up) still works, in every spelling.
    for host in SPELLINGS {
        reach(&sb, host, "2223").code(0).contains("REACHED");
    }
    // Closing it again refuses the target as the bastion's own address.
    sb.config_set("egressToBastionAllowedNetworks", "[]");
    reach(&sb, "127.0.0.2", "2223")
        .code(107)
        .contains("the bastion itself")
        .lacks("REACHED");
}

#[test]
fn access_limits_see_through_mapped_networks() {
    if !can_run("access_limits_see_through_mapped_networks") {
        return;
    }
    let sb = Sandbox::start("addresses-acl");
    sb.root_ok(
        "echo '{\"widest_v4_prefix\": 24}' > /etc/bastion/plugin.selfAddPersonalAccess.conf",
    );
    // ::ffff:0.0.0.0/96 is 0.0.0.0/0: far wider than /24.
    for host in ["::ffff:0.0.0.0/96", "::ffff:10.0.0.0/104", "0.0.0.0/0"] {
        add_access(&sb, host)
            .code(100)
            .json_is(&[("/error_code", json!("ERR_INVALID_PARAMETER"))]);
    }
    // /120 of the mapped notation is a /24: allowed, and listed as the IPv4 network.
    sb.admin(&[
        "--osh",
        "selfAddPersonalAccess",
        "--host",
        "::ffff:10.1.2.0/120",
        "--user",
        "tuser",
        "--port-any",
    ])
    .code(0);
    let list = sb.admin(&["--osh", "selfListAccesses"]);
    list.code(0).contains("10.1.2.0/24").lacks("::ffff");
    // An access written with a mapped address grants the IPv4 host.
    let mut access = TARGET_ACCESS.to_vec();
    access[3] = "::ffff:127.0.0.2";
    sb.admin(&access).code(0);
    sb.admin_accepts_new_host_keys();
    reach(&sb, "127.0.0.2", "2223").code(0).contains("REACHED");
}
