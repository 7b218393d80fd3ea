//! The installer and the sshd it configures: idempotent re-runs, root's own
//! login left working, no forwarding for accounts, and the close event written
//! when a client vanishes in the middle of a command.

use osh_tests::{Sandbox, can_run, field, wait_until};

const STATE: &str = "cd / && sha256sum etc/passwd etc/group etc/sudoers.d/osh etc/ssh/sshd_config.d/osh.conf \
                     etc/bastion/bastion.conf etc/shells etc/cron.d/osh etc/bastion/osh-*.conf && find opt/osh home/allowkeeper home/*keeper -printf '%p %m %u %g\\n' | sort";

#[test]
fn install() {
    if !can_run("install") {
        return;
    }
    let sb = Sandbox::start("install");

    // Running the installer again changes nothing, in either mode.
    let before = sb.root_ok(STATE);
    let repo = osh_tests::repo();
    let inst = repo.join("install/install");
    for args in [
        format!("--upgrade --from {}", sb.build.display()),
        format!(
            "--new-install --from {} --admin admin --admin-key {}",
            sb.build.display(),
            sb.state.join("admin_key.pub").display()
        ),
    ] {
        sb.root_ok(&format!("{} {args}", inst.display()));
        assert_eq!(
            sb.root_ok(STATE),
            before,
            "installer {args} changed the system"
        );
    }
    sb.admin(&["--osh", "info"]).code(0);
    assert!(sb.root_ok("visudo -c").contains("parsed OK"));

    // The cron tools: installed, scheduled (the daily ones at this host's
    // own minute), each answering --help; their configs root's, unconfigured.
    let cron = sb.root_ok("cat /etc/cron.d/osh");
    for tool in [
        "osh-rotate-ttyrec --big-only",
        "osh-encrypt-rsync",
        "osh-backup-acl-keys",
        "osh-lingering-sessions-reaper",
        "osh-orphaned-homedir",
        "osh-remove-empty-folders",
        "osh-cleanup-guest-key-access",
    ] {
        assert!(
            cron.contains(&format!("root /opt/osh/bin/{tool}")),
            "{tool} is not scheduled:\n{cron}"
        );
        let name = tool.split(' ').next().unwrap();
        sb.root_ok(&format!("/opt/osh/bin/{name} --help | grep -q Usage"));
    }
    assert!(!cron.contains('%'), "{cron}");
    assert_eq!(
        sb.root_ok("stat -c '%a %U' /etc/bastion/osh-encrypt-rsync.conf /etc/bastion/osh-backup-acl-keys.conf"),
        "600 root\n600 root\n"
    );
    sb.root("/opt/osh/bin/osh-backup-acl-keys")
        .code(0)
        .contains("not configured");
    // A config that may hold a passphrase, readable by all: the installer
    // stops naming it, and the tool refuses it.
    sb.root_ok("chmod 0644 /etc/bastion/osh-encrypt-rsync.conf");
    let r = sb.root(&format!(
        "{} --upgrade --from {}",
        inst.display(),
        sb.build.display()
    ));
    assert_ne!(r.code, 0, "{r}");
    r.contains("osh-encrypt-rsync.conf may hold a passphrase and is world-readable");
    let r = sb.root("/opt/osh/bin/osh-encrypt-rsync");
    assert_eq!(r.code, 1, "{r}");
    r.contains("world-readable");
    sb.root_ok("chmod 0600 /etc/bastion/osh-encrypt-rsync.conf");

    // root keeps an ordinary login with its own shell.
    sb.root_ok(&format!(
        "install -d -m 700 /root/.ssh && cp {}.pub /root/.ssh/authorized_keys",
        sb.admin_key().display()
    ));
    sb.ssh(&sb.admin_key(), "root", &["id", "-u"])
        .code(0)
        .contains("0\n");

    // Accounts get no forwarding of any kind through the bastion's sshd.
    let fwd = sb.ssh_full(
        &sb.admin_key(),
        "admin",
        &["-W", "127.0.0.2:2223"],
        &[],
        Some(b""),
    );
    assert_eq!(fwd.code, 255, "{fwd}");
    assert!(
        !fwd.stdout.contains("SSH-2.0"),
        "stdio forwarding reached the target: {fwd}"
    );

    // A client that vanishes while a command runs: osh still writes close,
    // with the signal, and nothing of the command is left running.
    let mut client = sb.ssh_background(
        &sb.admin_key(),
        "admin",
        &["-tt"],
        &["--osh", "accountDelete", "--account", "admin"],
    );
    // Wait until the plugin is waiting for its confirmation, then kill the client
    // (it runs as nsenter's child: kill the ssh, not nsenter).
    wait_until("the plugin to start", || {
        sb.root("pgrep -x accountDelete").code == 0
    });
    sb.root_ok("pkill -x ssh");
    let _ = client.wait();
    let mut closed = None;
    wait_until("a close event after the client vanished", || {
        closed = sb
            .events()
            .into_iter()
            .find(|e| e.0 == "close" && field(e, "plugin") == Some("accountDelete"));
        closed.is_some()
    });
    let closed = closed.expect("no close event after the client vanished");
    assert_eq!(field(&closed, "signal"), Some("SIGHUP"), "{closed:?}");
    assert_eq!(field(&closed, "comment_close"), Some("got_signal"));
    assert!(
        sb.root("pgrep -x accountDelete").code != 0,
        "the plugin survived its client"
    );
    sb.root_ok("getent passwd admin");
}
