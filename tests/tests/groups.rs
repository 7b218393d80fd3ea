//! Groups through real ssh, with several accounts in each role: the Unix
//! layout, the access decision with group keys, members, guests, the
//! roles' limits, the servers list, destruction with its archive, and the
//! events. Ports what The Bastion's tests.d/350-groups.sh asserts of these.

use osh_tests::{Sandbox, can_run, field};

/// An event as the sandbox's syslog gives it: type and fields.
type Event = (String, Vec<(String, String)>);
use serde_json::json;

/// The private group key file of `g` (its first one).
fn group_key_file(sb: &Sandbox, g: &str) -> String {
    sb.root_ok(&format!(
        "ls /home/keykeeper/key{g}/ | grep -E '^id_.*_{g}\\.[0-9]+$' | head -1"
    ))
    .trim()
    .to_owned()
}

#[test]
fn groups() {
    if !can_run("groups") {
        return;
    }
    let sb = Sandbox::start("groups");
    let a0 = |args: &[&str]| sb.admin(args);
    let k1 = sb.create_account("gowner", 5101);
    let k2 = sb.create_account("gmember", 5102);
    let k3 = sb.create_account("gguest", 5103);
    let k4 = sb.create_account("gother", 5104);
    let as_ = |key, who: &str, args: &[&str]| {
        let mut a = vec!["--json-greppable"];
        a.extend_from_slice(args);
        sb.ssh(key, who, &a)
    };
    let owner = |args: &[&str]| as_(&k1, "gowner", args);
    for who in ["gowner", "gmember", "gguest", "gother"] {
        a0(&[
            "--osh",
            "accountModify",
            "--account",
            who,
            "--egress-strict-host-key-checking",
            "accept-new",
        ])
        .code(0);
    }

    // 350's account steps: a new account is told how to alias the bastion;
    // deleting one that does not exist says so with The Bastion's code.
    let (_, made) = sb.create_account_with("gextra", &[]);
    made.code(0).contains("--osh info'").contains("==> alias");
    a0(&[
        "--osh",
        "accountDelete",
        "--account",
        "nosuchone",
        "--no-confirm",
    ])
    .contains("Account 'nosuchone' doesn't exist")
    .json_is(&[("/error_code", json!("KO_NOT_FOUND"))]);

    // 350: not granted -> 106 before anything runs; reserved and bad names refused.
    as_(
        &k2,
        "gmember",
        &[
            "--osh",
            "groupCreate",
            "--group",
            "g1",
            "--owner",
            "gowner",
            "--algo",
            "ed25519",
        ],
    )
    .code(106)
    .json_is(&[
        ("/error_code", json!("KO_RESTRICTED_COMMAND")),
        ("/command", json!(null)),
    ]);
    for bad in ["key", "keytothegate", "osh", "-x", "a/b"] {
        a0(&[
            "--osh",
            "groupCreate",
            "--group",
            bad,
            "--no-key",
            "--owner",
            "gowner",
        ])
        .code(100)
        .json_is(&[("/error_code", json!("ERR_INVALID_PARAMETER"))]);
    }
    a0(&[
        "--osh",
        "groupCreate",
        "--group",
        "g1",
        "--no-key",
        "--algo",
        "ed25519",
        "--owner",
        "gowner",
    ])
    .json_is(&[("/error_code", json!("ERR_INVALID_PARAMETER"))]);
    a0(&[
        "--osh",
        "groupCreate",
        "--group",
        "g1",
        "--algo",
        "rsa",
        "--size",
        "1024",
        "--owner",
        "gowner",
    ])
    .contains("minimum configured key size")
    .json_is(&[("/error_code", json!("KO_KEY_SIZE_TOO_SMALL"))]);

    // Create: the owner holds every keeper role and is a member.
    a0(&[
        "--osh",
        "groupCreate",
        "--group",
        "g1",
        "--algo",
        "ed25519",
        "--owner",
        "gowner",
    ])
    .code(0)
    .contains("The public key of this group is")
    .json_is(&[
        ("/value/group", json!("g1")),
        ("/value/owner", json!("gowner")),
        ("/value/public_key/family", json!("ED25519")),
    ]);
    a0(&[
        "--osh",
        "groupCreate",
        "--group",
        "g1",
        "--no-key",
        "--owner",
        "gowner",
    ])
    .contains("The group g1 already exists")
    .json_is(&[("/error_code", json!("KO_ALREADY_EXISTING"))]);
    let info = owner(&["--osh", "groupInfo", "--group", "g1"]);
    info.code(0).json_is(&[
        ("/value/owners", json!(["gowner"])),
        ("/value/gatekeepers", json!(["gowner"])),
        ("/value/aclkeepers", json!(["gowner"])),
        ("/value/members", json!(["gowner"])),
        ("/value/guests", json!([])),
    ]);

    // The layout on the OS, as The Bastion's.
    assert_eq!(
        sb.root_ok("stat -c %a:%U:%G /home/keyg1/allowed.ip").trim(),
        "644:keyg1:keyg1-aclkeeper"
    );
    let keyfile = group_key_file(&sb, "g1");
    assert_eq!(
        sb.root_ok(&format!("stat -c %a:%U:%G /home/keykeeper/keyg1/{keyfile}"))
            .trim(),
        "440:keykeeper:keyg1"
    );
    assert!(sb.root_ok("getent group keyg1-owner").contains("gowner"));
    assert!(
        sb.root_ok("readlink /home/allowkeeper/gowner/allowed.ip.g1")
            .contains("/home/keyg1/allowed.ip")
    );
    // The group key: the OS lets a member read it, and refuses anyone else.
    let read_key = |who: &str| {
        sb.root(&format!(
            "su -s /bin/sh {who} -c 'cat /home/keykeeper/keyg1/{keyfile}' >/dev/null"
        ))
        .code
    };
    assert_eq!(read_key("gowner"), 0);
    assert_ne!(read_key("gmember"), 0);
    // Only the helper writes the servers list: not even its aclkeeper directly.
    assert_ne!(
        sb.root("su -s /bin/sh gowner -c 'echo 10.0.0.1 >> /home/keyg1/allowed.ip'")
            .code,
        0
    );

    // The target accepts only the group's key (not gowner's personal one).
    let pubkey = sb.root_ok(&format!("cat /home/keykeeper/keyg1/{keyfile}.pub"));
    sb.root_ok(&format!(
        "echo '{}' >> /home/tuser/.ssh/authorized_keys",
        pubkey.trim()
    ));
    let target = ["tuser@127.0.0.2", "-p", "2223", "--", "id", "-un"];
    // An aclkeeper adds the server: the connection test uses the group key.
    owner(&[
        "--osh",
        "groupAddServer",
        "--group",
        "g1",
        "--host",
        "127.0.0.2",
        "--user",
        "tuser",
        "--port",
        "2223",
    ])
    .code(0)
    .contains("was added to group g1")
    .json_is(&[
        ("/value/ip", json!("127.0.0.2")),
        ("/value/group", json!("g1")),
    ]);
    owner(&[
        "--osh",
        "groupAddServer",
        "--group",
        "g1",
        "--host",
        "127.0.0.2",
        "--user",
        "tuser",
        "--port",
        "2223",
        "--force",
    ])
    .json_is(&[("/error_code", json!("OK_NO_CHANGE"))]);
    let r = sb.ssh(&k1, "gowner", &target);
    r.code(0)
        .contains("group-member of g1 with ED25519-256 key");
    assert_eq!(r.stdout, "tuser\n", "{r}");

    // A non-member gets nothing; a member reaches it; a removed member loses it at once.
    sb.ssh(&k2, "gmember", &target).code(107);
    as_(
        &k2,
        "gmember",
        &["--osh", "groupListServers", "--group", "g1"],
    )
    .json_is(&[("/error_code", json!("KO_ACCESS_DENIED"))]);
    owner(&[
        "--osh",
        "groupAddMember",
        "--group",
        "g1",
        "--account",
        "gmember",
    ])
    .code(0)
    .json_is(&[("/error_code", json!("OK")), ("/value", json!(null))]);
    owner(&[
        "--osh",
        "groupAddMember",
        "--group",
        "g1",
        "--account",
        "gmember",
    ])
    .json_is(&[("/error_code", json!("OK_NO_CHANGE"))]);
    let r = sb.ssh(&k2, "gmember", &target);
    r.code(0);
    assert_eq!(r.stdout, "tuser\n", "{r}");
    as_(
        &k2,
        "gmember",
        &["--osh", "groupListServers", "--group", "g1"],
    )
    .code(0)
    .contains("1 accesses listed")
    .json_is(&[("/value/0/ip", json!("127.0.0.2"))]);
    owner(&[
        "--osh",
        "groupDelMember",
        "--group",
        "g1",
        "--account",
        "gmember",
    ])
    .code(0);
    sb.ssh(&k2, "gmember", &target).code(107);

    // A guest reaches its listed server only, and only while the group has it.
    owner(&[
        "--osh",
        "groupAddServer",
        "--group",
        "g1",
        "--host",
        "127.0.0.3",
        "--user-any",
        "--port-any",
        "--force",
    ])
    .code(0);
    owner(&[
        "--osh",
        "groupAddGuestAccess",
        "--group",
        "g1",
        "--account",
        "gguest",
        "--host",
        "127.0.0.9",
        "--user",
        "tuser",
        "--port",
        "2223",
    ])
    .json_is(&[("/error_code", json!("ERR_GROUP_HAS_NO_ACCESS"))]);
    owner(&[
        "--osh",
        "groupAddGuestAccess",
        "--group",
        "g1",
        "--account",
        "gguest",
        "--host",
        "127.0.0.2",
        "--user",
        "tuser",
        "--port",
        "2223",
    ])
    .code(0)
    .contains("has now access");
    owner(&[
        "--osh",
        "groupAddGuestAccess",
        "--group",
        "g1",
        "--account",
        "gowner",
        "--host",
        "127.0.0.2",
        "--user",
        "tuser",
        "--port",
        "2223",
    ])
    .json_is(&[("/error_code", json!("ERR_MEMBER_CANNOT_BE_GUEST"))]);
    let r = sb.ssh(&k3, "gguest", &target);
    r.code(0).contains("group-guest of g1");
    sb.ssh(
        &k3,
        "gguest",
        &["tuser@127.0.0.3", "-p", "2223", "--", "true"],
    )
    .code(107);
    as_(&k3, "gguest", &["--osh", "selfListAccesses"])
        .contains("g1(group-guest)")
        .json_is(&[
            ("/value/0/type", json!("group-guest")),
            ("/value/0/group", json!("g1")),
        ]);
    // osh runs as the guest, so the OS must let it read the key it connects with.
    assert_eq!(read_key("gguest"), 0);

    // A guest TTL limit set by the owner is enforced.
    owner(&[
        "--osh",
        "groupModify",
        "--group",
        "g1",
        "--guest-ttl-limit",
        "15s",
    ])
    .code(0)
    .contains("with maximum allowed duration of 00:00:15")
    .json_is(&[("/value/guest_ttl_limit/error_code", json!("OK"))]);
    owner(&["--osh", "groupAddGuestAccess", "--group", "g1", "--account", "gother", "--host", "127.0.0.3", "--user-any", "--port-any"])
        .json_is(&[(
            "/error_message",
            json!("This group requires guest accesses to have a TTL set, to a duration of 00:00:15 or less"),
        )]);

    // An owner who is not a gatekeeper: no gatekeeper command at all (106),
    // and, gatekeeper elsewhere, the reference's code for this group.
    owner(&[
        "--osh",
        "groupAddOwner",
        "--group",
        "g1",
        "--account",
        "gother",
    ])
    .code(0);
    as_(
        &k4,
        "gother",
        &[
            "--osh",
            "groupAddMember",
            "--group",
            "g1",
            "--account",
            "gmember",
        ],
    )
    .code(106)
    .contains("gatekeeper");
    a0(&[
        "--osh",
        "groupCreate",
        "--group",
        "g2",
        "--no-key",
        "--owner",
        "gother",
    ])
    .code(0);
    as_(
        &k4,
        "gother",
        &[
            "--osh",
            "groupAddMember",
            "--group",
            "g1",
            "--account",
            "gmember",
        ],
    )
    .json_is(&[("/error_code", json!("ERR_NOT_GROUP_GATEKEEPER"))]);
    as_(
        &k4,
        "gother",
        &[
            "--osh",
            "groupAddServer",
            "--group",
            "g1",
            "--host",
            "127.0.0.4",
            "--user-any",
            "--port-any",
            "--force",
        ],
    )
    .json_is(&[("/error_code", json!("ERR_NOT_GROUP_ACLKEEPER"))]);
    // The helper checks the role itself: called directly through sudo, the same answer.
    let direct = sb.root(
        "echo '{\"group\":\"g1\",\"account\":\"gmember\",\"role\":\"member\",\"add\":true}' | \
         su -s /bin/sh gother -c 'sudo -n -u root /opt/osh/bin/helper/osh-groupSetRole'",
    );
    assert!(
        direct.stdout.contains("ERR_NOT_GROUP_GATEKEEPER"),
        "{direct}"
    );
    assert!(!sb.root_ok("getent group keyg1").contains("gmember"));

    // A superowner (the admin) acts as owner of every group, and it is logged.
    a0(&[
        "--osh",
        "groupAddAclkeeper",
        "--group",
        "g1",
        "--account",
        "gmember",
    ])
    .code(0);
    assert!(
        sb.last_event("security", |e| field(e, "type")
            == Some("superowner-override")
            && field(e, "account") == Some("admin"))
            .is_some()
    );

    // groupSetServers: --dry-run changes nothing; bad lines refuse it all.
    let before = sb.root_ok("cat /home/keyg1/allowed.ip");
    let set = |flags: &str, lines: &str| {
        sb.root(&format!(
            "printf '{lines}' | ssh -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -i {} -p 2222 gowner@127.0.0.1 -- --json-greppable --osh groupSetServers --group g1 {flags}",
            k1.display()
        ))
    };
    let r = set(
        "--dry-run",
        "user@127.0.0.1:1234 comment with spaces\\nlocalhost\\n0.0.0.0/4:42\\n",
    );
    assert!(r.stdout.contains("\"parsedLines\":3"), "{r}");
    assert!(r.stdout.contains("\"dryrun\":true"), "{r}");
    assert_eq!(sb.root_ok("cat /home/keyg1/allowed.ip"), before);
    let r = set(
        "",
        "inva{}lid@127.0.0.1\\n0.0.0.0:77777\\n203.0.113.4/4:42\\n",
    );
    assert!(r.stdout.contains("ERR_INVALID_PARAMETER"), "{r}");
    assert_eq!(sb.root_ok("cat /home/keyg1/allowed.ip"), before);
    // A list too long to pass whole is refused whole, not cut.
    let r = sb.root(&format!(
        "head -c 600000 /dev/zero | tr '\\0' a | ssh -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -i {} -p 2222 gowner@127.0.0.1 -- --json-greppable --osh groupSetServers --group g1",
        k1.display()
    ));
    assert!(r.stdout.contains("longer than 512 KiB"), "{r}");
    assert_eq!(sb.root_ok("cat /home/keyg1/allowed.ip"), before);
    let r = set(
        "",
        "tuser@127.0.0.2:2223\\nroot@192.0.2.1:22 comment with spaces\\n",
    );
    assert!(r.stdout.contains("\"error_code\":\"OK\""), "{r}");
    owner(&["--osh", "groupListServers", "--group", "g1"])
        .contains("2 accesses listed")
        .contains("comment with spaces");
    // The guest's line outlives nothing: 127.0.0.3 is gone from the group, and
    // the guest still reaches 127.0.0.2, which it keeps.
    sb.ssh(&k3, "gguest", &target).code(0);

    // Concurrent changes: none is lost.
    std::thread::scope(|s| {
        for i in 10..18 {
            let k1 = &k1;
            let sb = &sb;
            s.spawn(move || {
                let host = format!("10.9.0.{i}");
                sb.ssh(
                    k1,
                    "gowner",
                    &[
                        "--osh",
                        "groupAddServer",
                        "--group",
                        "g1",
                        "--host",
                        &host,
                        "--user-any",
                        "--port-any",
                        "--force",
                    ],
                )
                .code(0);
            });
        }
    });
    let list = sb.root_ok("cat /home/keyg1/allowed.ip");
    for i in 10..18 {
        assert!(
            list.contains(&format!("10.9.0.{i}")),
            "lost 10.9.0.{i}:\n{list}"
        );
    }

    // As an attacker would: an option for a host, a forged token in a
    // comment, a target smuggled to the helper directly. Nothing lands.
    let before = sb.root_ok("cat /home/keyg1/allowed.ip");
    let r = owner(&[
        "--osh",
        "groupAddServer",
        "--group",
        "g1",
        "--host",
        "-oProxyCommand=touch\\ /tmp/pwned",
        "--user-any",
        "--port-any",
        "--force",
    ]);
    assert_ne!(r.code, 0, "{r}");
    assert_eq!(sb.root_ok("cat /home/keyg1/allowed.ip"), before);
    assert_ne!(sb.root("test -e /tmp/pwned").code, 0);
    owner(&[
        "--osh",
        "groupAddServer",
        "--group",
        "g1",
        "--host",
        "10.9.1.1",
        "--user-any",
        "--port-any",
        "--force",
        "--comment",
        "'a\"b # FORCEKEY=SHA256:forged'",
    ])
    .code(0);
    let after = sb.root_ok("cat /home/keyg1/allowed.ip");
    assert_eq!(after.lines().count(), before.lines().count() + 1, "{after}");
    // The comment's `#` and quotes are neutralised: it is no token of the line.
    assert!(!after.contains("# FORCEKEY="), "{after}");
    assert!(
        after.contains("# COMMENT=<a_b _ FORCEKEY=SHA256:forged>"),
        "{after}"
    );
    let direct = sb.root(
        "echo '{\"group\":\"g1\",\"add\":true,\"target\":\"-oProxyCommand=x\"}' | \
         su -s /bin/sh gowner -c 'sudo -n -u root /opt/osh/bin/helper/osh-groupAccess'",
    );
    assert!(direct.stdout.contains("KO_INVALID_PARAMETER"), "{direct}");
    assert!(
        !sb.root_ok("cat /home/keyg1/allowed.ip")
            .contains("ProxyCommand")
    );

    // whoHasAccessTo (restricted): every account, and how.
    a0(&[
        "--osh",
        "whoHasAccessTo",
        "--host",
        "127.0.0.2",
        "--user",
        "tuser",
        "--port",
        "2223",
    ])
    .code(0)
    .contains("g1(group-guest)")
    .contains("g1(group-member)");
    as_(
        &k3,
        "gguest",
        &["--osh", "whoHasAccessTo", "--host", "127.0.0.2"],
    )
    .code(106);

    // groupList: mine, and all with flags.
    as_(&k2, "gmember", &["--osh", "groupList", "--all"]).json_is(&[
        ("/value/g1/flags", json!(["aclkeeper"])),
        ("/value/g2/flags", json!(["no-access"])),
    ]);

    // Egress passwords: made by an owner, hashes shown, readable by members only.
    let made = owner(&[
        "--osh",
        "groupGeneratePassword",
        "--group",
        "g1",
        "--size",
        "17",
        "--do-it",
    ]);
    made.code(0).json_is(&[("/value/group", json!("g1"))]);
    let md5 = made.json()["value"]["hashes"]["md5crypt"].clone();
    assert!(md5.as_str().is_some_and(|h| h.starts_with("$1$")), "{made}");
    owner(&[
        "--osh",
        "groupGeneratePassword",
        "--group",
        "g1",
        "--size",
        "17",
        "--do-it",
    ])
    .code(0);
    owner(&["--osh", "groupListPasswords", "--group", "g1"])
        .code(0)
        .json_is(&[
            ("/value/0/metadata/created_by", json!("gowner")),
            ("/value/1/hashes/md5crypt", md5),
            ("/value/2", json!(null)),
        ]);
    assert_eq!(
        sb.root_ok("stat -c %a:%U:%G /home/keyg1/pass/g1").trim(),
        "440:keyg1:keyg1"
    );
    as_(
        &k4,
        "gother",
        &["--osh", "groupListPasswords", "--group", "g1"],
    )
    .json_is(&[("/error_code", json!("KO_ACCESS_DENIED"))]);

    // An account's passwords: given by an admin, made by itself, listed both ways.
    let given = a0(&[
        "--osh",
        "accountGeneratePassword",
        "--account",
        "gmember",
        "--do-it",
    ]);
    given
        .code(0)
        .json_is(&[("/value/account", json!("gmember"))]);
    let sha = given.json()["value"]["hashes"]["sha512crypt"].clone();
    as_(
        &k2,
        "gmember",
        &["--osh", "selfGeneratePassword", "--size", "20", "--do-it"],
    )
    .code(0);
    as_(&k2, "gmember", &["--osh", "selfListPasswords"])
        .code(0)
        .json_is(&[
            ("/value/0/metadata/created_by", json!("gmember")),
            ("/value/1/metadata/created_by", json!("admin")),
            ("/value/1/hashes/sha512crypt", sha),
        ]);
    a0(&["--osh", "accountListPasswords", "--account", "gmember"])
        .code(0)
        .json_is(&[("/value/0/metadata/created_by", json!("gmember"))]);
    assert_eq!(
        sb.root_ok("stat -c %a:%U /home/gmember/pass/gmember.1")
            .trim(),
        "440:gmember"
    );

    // The guest's last access removed: it leaves keyGROUP, and is told.
    owner(&[
        "--osh",
        "groupDelGuestAccess",
        "--group",
        "g1",
        "--account",
        "gguest",
        "--host",
        "127.0.0.2",
        "--user",
        "tuser",
        "--port",
        "2223",
    ])
    .code(0)
    .contains("removed group key access")
    .json_is(&[("/value", json!(null))]);
    assert!(!sb.root_ok("getent group keyg1").contains("gguest"));
    sb.ssh(&k3, "gguest", &target).code(107);
    // Another account's keys are not the caller's to try: added blindly, and said.
    a0(&[
        "--osh",
        "accountAddPersonalAccess",
        "--account",
        "gmember",
        "--host",
        "127.0.0.5",
        "--user-any",
        "--port-any",
        "--ttl",
        "1h",
    ])
    .code(0)
    .contains("adding the access blindly")
    .contains("expires in 01:00:00");

    // Destroy: typed confirmation, identities gone, data archived, members lose access.
    let r = sb.root(&format!(
        "echo g1 | ssh -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -i {} -p 2222 gowner@127.0.0.1 -- --json-greppable --osh groupDestroy --group g1",
        k1.display()
    ));
    assert!(r.stdout.contains("\"error_code\":\"OK\""), "{r}");
    assert_ne!(sb.root("getent group keyg1").code, 0);
    assert_ne!(sb.root("getent passwd keyg1").code, 0);
    assert_ne!(sb.root("getent group keyg1-owner").code, 0);
    assert_ne!(sb.root("test -e /home/keyg1").code, 0);
    assert_ne!(
        sb.root("test -L /home/allowkeeper/gowner/allowed.ip.g1")
            .code,
        0
    );
    let archived = sb.root_ok("cat /home/oldkeeper/groups/g1.*/home/allowed.ip");
    assert!(archived.contains("192.0.2.1"), "{archived}");
    assert_eq!(
        sb.root_ok("stat -c %a /home/oldkeeper/groups").trim(),
        "700"
    );
    sb.ssh(&k3, "gguest", &target).code(107);

    // Every change left its event.
    let ev = |kind: &str, pred: &dyn Fn(&Event) -> bool| {
        assert!(sb.last_event(kind, pred).is_some(), "no {kind} event");
    };
    ev("group", &|e| {
        field(e, "action") == Some("create") && field(e, "group") == Some("g1")
    });
    ev("group", &|e| {
        field(e, "action") == Some("delete") && field(e, "group") == Some("g1")
    });
    ev("membership", &|e| {
        field(e, "type") == Some("member")
            && field(e, "account") == Some("gmember")
            && field(e, "action") == Some("del")
    });
    ev("membership", &|e| {
        field(e, "type") == Some("guest") && field(e, "account") == Some("gguest")
    });
    ev("acl", &|e| {
        field(e, "type") == Some("group") && field(e, "ip") == Some("127.0.0.2/32")
    });
}
