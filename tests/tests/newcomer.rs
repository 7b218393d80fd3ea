//! The newcomer's path, as a person evaluating osh walks it: the demo's own
//! printed walkthrough, followed literally (a second account reaching the
//! demo target included), then what such a person runs into next.

use osh_tests::{Sandbox, can_run, field, wait_until};
use serde_json::json;

/// The walkthrough's commands, in order: the lines that start with `ssh -F`,
/// without their trailing `(comment)`, leaving out the interactive one.
fn walkthrough(printed: &str) -> Vec<String> {
    printed
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("ssh -F ") && !l.contains(" -t bastion"))
        .map(|l| match l.find("  (") {
            Some(i) => l[..i].trim().to_owned(),
            None => l.to_owned(),
        })
        .collect()
}

#[test]
fn the_demo_walkthrough_works_as_printed_for_a_second_account() {
    if !can_run("the_demo_walkthrough_works_as_printed_for_a_second_account") {
        return;
    }
    let sb = Sandbox::start_demo("newcomer");
    wait_until("the walkthrough to be printed", || {
        sb.printed().contains("A second account")
    });
    let printed = sb.printed();
    let config = std::fs::read_to_string(sb.state.join("ssh_config")).unwrap();
    assert!(!config.contains("RequestTTY"), "{config}");
    let steps = walkthrough(&printed);
    assert!(steps.len() >= 8, "{steps:?}\n{printed}");
    let mut egress_line = None;
    for step in &steps {
        if step.ends_with("tuser@127.0.0.2 -p 2223 -- id") && step.contains(" bob ") {
            // The step before it, done as the walkthrough says: bob's key on the target.
            let line: &String = egress_line.as_ref().expect("selfListEgressKeys came first");
            sb.root_ok(&format!(
                "printf '%s\\n' '{line}' >>/home/tuser/.ssh/authorized_keys"
            ));
        }
        let r = sb.root(step);
        assert_eq!(r.code, 0, "step failed: {step}\n{r}");
        // Scripted commands run clean: no terminal warnings.
        r.lacks("Pseudo-terminal");
        if step.contains("selfListEgressKeys") {
            egress_line = r
                .all()
                .lines()
                .map(|l| l.trim_start_matches("~ ").trim())
                .find(|l| l.starts_with("from=\"127.0.0.1\""))
                .map(str::to_owned);
            assert!(egress_line.is_some(), "no key line to install:\n{r}");
        }
        if step.ends_with("-- id") && step.contains(" bob ") {
            r.contains("(tuser)");
        }
    }
    // bob's connection was recorded and logged as bob's.
    let closed = sb
        .last_event("close", |e| field(e, "cmdtype") == Some("ssh"))
        .unwrap();
    assert_eq!(field(&closed, "account"), Some("bob"));
    sb.root_ok("ls /home/bob/ttyrec/127.0.0.2/*.ttyrec");

    // An unknown host key is not a changed one: the advice says what to do.
    sb.root_ok("rm /etc/ssh/ssh_known_hosts");
    let r = sb.root(&format!(
        "ssh -F {} bob -- tuser@127.0.0.2 -p 2223 -- id",
        sb.state.join("ssh_config").display()
    ));
    assert_ne!(r.code, 0, "{r}");
    r.contains("does not know this server's host key")
        .lacks("selfForgetHostKey")
        .lacks("(tuser)");
    let closed = sb
        .last_event("close", |e| field(e, "cmdtype") == Some("ssh"))
        .unwrap();
    assert_eq!(field(&closed, "comment_close"), Some("hostkey_unknown"));
}

#[test]
fn what_a_newcomer_runs_into_next_is_clear_and_true() {
    if !can_run("what_a_newcomer_runs_into_next_is_clear_and_true") {
        return;
    }
    let sb = Sandbox::start("newcomer-next");
    sb.admin_reaches_target();
    let key = sb.admin_key();

    // Output in the order it was written, ssh's closing words last.
    for _ in 0..5 {
        let r = sb.ssh_full(
            &key,
            "admin",
            &["-tt"],
            &[
                "-t",
                "tuser@127.0.0.2",
                "-p",
                "2223",
                "--",
                "echo",
                "LAST-LINE",
            ],
            None,
        );
        let out = r.all();
        let (last, closed) = (
            out.find("LAST-LINE"),
            out.find("Connection to 127.0.0.2 closed"),
        );
        assert!(
            matches!((last, closed), (Some(a), Some(b)) if a < b),
            "out of order:\n{out}"
        );
    }

    // -l is osh's (the remote user): the usage says --id-to-delete, and so does the error.
    let r = sb.admin(&["--osh", "selfDelIngressKey", "--help"]);
    r.contains("--id-to-delete").lacks("|-l");
    sb.admin(&["--osh", "selfDelIngressKey", "-l", "2"])
        .code(100)
        .contains("write --id-to-delete");

    // help: grouped by class, each heading once, open first.
    let help = sb.admin(&["--osh", "help"]).all();
    assert_eq!(help.matches("[open]").count(), 1, "{help}");
    assert_eq!(help.matches("[restricted]").count(), 1, "{help}");
    assert!(help.find("[open]") < help.find("[restricted]"));

    // info tells the truth.
    let info = sb.admin(&["--osh", "info"]);
    info.code(0)
        .contains("My super owners are: none besides the admins")
        .contains("alias osh-sandbox='ssh admin@127.0.0.1 -p 2222 -t -- '")
        .json_is(&[("/value/interactive_mode_allowed", json!(0))]);
    sb.config_set("bastionCommand", r#""ssh USER@HOSTNAME -t -- ""#);
    sb.admin(&["--osh", "info"])
        .contains("alias osh-sandbox='ssh admin@osh-sandbox -p 2222 -t -- '");

    // accountCreate shows the egress key to install; accountInfo the freeze reason.
    let kb = sb.new_key("bob", "ed25519");
    let pk = format!("'{}'", Sandbox::pubkey(&kb));
    sb.admin(&[
        "--osh",
        "accountCreate",
        "--account",
        "bob",
        "--uid",
        "9100",
        "--public-key",
        &pk,
    ])
    .code(0)
    .contains("Its egress key")
    .contains("from=\"127.0.0.1\" ecdsa-sha2-nistp521 ");
    sb.admin(&[
        "--osh",
        "accountFreeze",
        "--account",
        "bob",
        "--reason",
        "'on leave'",
    ])
    .code(0);
    sb.admin(&["--osh", "accountInfo", "--account", "bob"])
        .code(0)
        .contains("frozen by admin")
        .contains("reason: on leave");

    // Messages name the real problem and quote a bounded part of the input.
    sb.admin(&["-p", "99999999999999999999", "tuser@127.0.0.2"])
        .code(134)
        .contains("for option --port")
        .lacks("seems invalid");
    sb.admin(&["--osh", "accountInfo", "--account", "-x"])
        .code(100)
        .lacks("forward-agent")
        .json_is(&[("/error_code", json!("KO_INVALID_ACCOUNT"))]);
    let long = "a".repeat(100_000);
    let r = sb.admin(&["--osh", "accountInfo", "--account", &long]);
    r.code(100).contains("must be 2 to 28 characters");
    assert!(r.all().len() < 4000, "{} bytes of output", r.all().len());
}
