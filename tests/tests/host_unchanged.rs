//! Nothing a sandbox does may change the host: the user and group databases,
//! sudoers, sshd's configuration and /home are the same after a full run.

use std::process::Command;

use osh_tests::{Sandbox, can_run};

fn snapshot() -> String {
    let script = "cd / && for f in etc/passwd etc/group etc/shadow etc/gshadow etc/sudoers etc/shells; do \
                  [ -e $f ] && sha256sum $f; done; \
                  find etc/sudoers.d etc/ssh home opt/osh etc/bastion -xdev 2>/dev/null | sort; \
                  find etc/sudoers.d etc/ssh -xdev -type f 2>/dev/null | sort | xargs -r sha256sum";
    let out = Command::new("sh").args(["-c", script]).output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn host_unchanged() {
    if !can_run("host_unchanged") {
        return;
    }
    let before = snapshot();
    {
        let sb = Sandbox::start("host");
        let k = sb.create_account("hosttest", 9050);
        sb.ssh(&k, "hosttest", &["--osh", "info"]).code(0);
        sb.grant("hosttest", "accountList");
        sb.admin(&[
            "--osh",
            "accountDelete",
            "--account",
            "hosttest",
            "--no-confirm",
        ])
        .code(0);
        // Inside, the sandbox did change its own copies.
        assert!(
            sb.root_ok("cat /etc/sudoers.d/osh")
                .contains("osh-accountCreate")
        );
    }
    let after = snapshot();
    assert_eq!(before, after, "the host changed");
    assert!(
        !std::path::Path::new("/opt/osh").exists(),
        "/opt/osh leaked to the host"
    );
}
