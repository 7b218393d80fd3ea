//! Bastion accounts: name rules, lookups, and the state checks run at every login.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use crate::config::Config;
use crate::exit::Exit;
use crate::paths;
use crate::reply::Reply;
use crate::unix::{self, Memberships};

/// Unix group of every bastion account.
pub const BASTION_USERS: &str = "bastion-users";
/// Unix group of admins (they must also be listed in `adminAccounts`).
pub const OSH_ADMIN: &str = "osh-admin";
/// Unix group of superowners (they must also be listed in `superOwnerAccounts`).
pub const OSH_SUPEROWNER: &str = "osh-superowner";
/// Unix group of auditors.
pub const OSH_AUDITOR: &str = "osh-auditor";

/// Names an account can never take: system users of the bastion itself.
const RESERVED: &[&str] = &[
    "root",
    "proxyhttp",
    "keykeeper",
    "passkeeper",
    "logkeeper",
    "realm",
    "realm_realm",
    "allowkeeper",
    "keyreader",
    "oldkeeper",
    "bastionsync",
    "lastoshuser",
];

/// Check an account name against The Bastion's rules. The error is a `KO_*` reply
/// whose message says which rule was broken.
pub fn validate_name(name: &str) -> Result<(), Reply> {
    let ko = |msg: String| Err(Reply::new(crate::Code::KO_INVALID_ACCOUNT, msg));
    if name.len() < 2 || name.len() > 28 {
        return ko(format!(
            "Account name '{}' must be 2 to 28 characters long, not {}",
            crate::ui::clean_bounded(name, 40),
            name.len()
        ));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    {
        return ko(format!(
            "Account name '{}' contains forbidden characters (allowed: a-z A-Z 0-9 . _ -)",
            crate::ui::clean(name)
        ));
    }
    if name.starts_with(['-', '.']) {
        return ko(format!("Account name '{name}' can't start with '-' or '.'"));
    }
    if name.starts_with("key") || name.starts_with("realm_") {
        return ko(format!(
            "Account name '{name}' uses a forbidden prefix (key, realm_)"
        ));
    }
    if ["-tty", "-aclkeeper", "-gatekeeper", "-owner"]
        .iter()
        .any(|s| name.ends_with(s))
    {
        return ko(format!(
            "Account name '{name}' uses a forbidden suffix (-tty, -aclkeeper, -gatekeeper, -owner)"
        ));
    }
    if RESERVED.contains(&name) {
        return ko(format!("Account name '{name}' is reserved"));
    }
    Ok(())
}

/// A Unix user that is (or claims to be) a bastion account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Login name.
    pub name: String,
    /// Unix uid.
    pub uid: u32,
    /// Unix primary gid.
    pub gid: u32,
    /// Home directory.
    pub home: PathBuf,
    /// Login shell.
    pub shell: PathBuf,
}

impl Account {
    fn from_user(u: nix::unistd::User) -> Self {
        Self {
            name: u.name,
            uid: u.uid.as_raw(),
            gid: u.gid.as_raw(),
            home: u.dir,
            shell: u.shell,
        }
    }

    /// Look an account up by name (any Unix user; see [`Account::is_bastion_account`]).
    #[must_use]
    pub fn lookup(name: &str) -> Option<Self> {
        unix::user(name).map(Self::from_user)
    }

    /// Look an account up by uid.
    #[must_use]
    pub fn from_uid(uid: u32) -> Option<Self> {
        unix::user_by_uid(uid).map(Self::from_user)
    }

    /// The caller, from the real uid of this process.
    #[must_use]
    pub fn current() -> Option<Self> {
        Self::from_uid(nix::unistd::getuid().as_raw())
    }

    /// A bastion account has osh as its shell and is in `bastion-users`.
    #[must_use]
    pub fn is_bastion_account(&self, groups: &Memberships) -> bool {
        self.shell == paths::shell() && groups.contains(BASTION_USERS)
    }

    /// Path of a private per-account setting: `/home/ACCOUNT/config.KEY`.
    #[must_use]
    pub fn private_config(&self, key: &str) -> PathBuf {
        self.home.join(format!("config.{key}"))
    }

    /// Path of a public per-account setting: `/home/allowkeeper/ACCOUNT/config.KEY`.
    #[must_use]
    pub fn public_config(&self, key: &str) -> PathBuf {
        paths::allowkeeper_dir(&self.name).join(format!("config.{key}"))
    }

    /// A public yes/no setting (`always_active`, `idle_ignore`, ...) says yes.
    #[must_use]
    pub fn public_flag(&self, key: &str) -> bool {
        read_trimmed(&self.public_config(key)).is_some_and(|v| v == "yes")
    }

    /// A private yes/no setting (`osh_only`, ...) says yes.
    #[must_use]
    pub fn private_flag(&self, key: &str) -> bool {
        read_trimmed(&self.private_config(key)).is_some_and(|v| v == "yes")
    }
}

/// An existing bastion account by name: a valid name, an existing Unix user,
/// and a bastion account (`KO_INVALID_ACCOUNT` otherwise).
pub fn bastion_account(name: &str) -> Result<Account, Reply> {
    validate_name(name)?;
    let acct = Account::lookup(name).ok_or_else(|| {
        Reply::new(
            crate::Code::KO_INVALID_ACCOUNT,
            format!("Account '{name}' doesn't exist"),
        )
    })?;
    if !acct.is_bastion_account(&Memberships::of(name)) {
        return Err(Reply::new(
            crate::Code::KO_INVALID_ACCOUNT,
            format!("'{name}' is not a bastion account"),
        ));
    }
    Ok(acct)
}

/// Admin = listed in `adminAccounts` *and* member of `osh-admin`: both the config
/// and the OS must agree, so neither alone can make an admin.
#[must_use]
pub fn is_admin(name: &str, groups: &Memberships, config: &Config) -> bool {
    config.adminAccounts.iter().any(|a| a == name) && groups.contains(OSH_ADMIN)
}

/// Superowner = listed in `superOwnerAccounts` and member of `osh-superowner`; admins are superowners.
#[must_use]
pub fn is_superowner(name: &str, groups: &Memberships, config: &Config) -> bool {
    is_admin(name, groups, config)
        || (config.superOwnerAccounts.iter().any(|a| a == name) && groups.contains(OSH_SUPEROWNER))
}

/// Whether an account is one that only admins may act on: an admin or a
/// superowner by either half of the definition (listed in the config, or in
/// the Unix group). Either half is enough here, on purpose: a half-made admin
/// is still not a delegate's to modify.
#[must_use]
pub fn is_protected(name: &str, groups: &Memberships, config: &Config) -> bool {
    config.adminAccounts.iter().any(|a| a == name)
        || config.superOwnerAccounts.iter().any(|a| a == name)
        || groups.contains(OSH_ADMIN)
        || groups.contains(OSH_SUPEROWNER)
}

/// Auditor = member of `osh-auditor`.
#[must_use]
pub fn is_auditor(groups: &Memberships) -> bool {
    groups.contains(OSH_AUDITOR)
}

/// Why a login was refused by the state checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Exit code.
    pub exit: Exit,
    /// The comment word; the JSON code is `KO_` + its upper case.
    pub comment: &'static str,
    /// What the user is told.
    pub msg: String,
}

fn refuse(exit: Exit, comment: &'static str, msg: impl Into<String>) -> Refusal {
    Refusal {
        exit,
        comment,
        msg: msg.into(),
    }
}

fn read_trimmed(p: &Path) -> Option<String> {
    std::fs::read_to_string(p).ok().map(|s| s.trim().to_owned())
}

/// `config.always_active` says yes, or the account is in `alwaysActiveAccounts`.
#[must_use]
pub fn is_always_active(account: &Account, config: &Config) -> bool {
    config
        .alwaysActiveAccounts
        .iter()
        .any(|a| a == &account.name)
        || account.public_flag("always_active")
}

/// What `accountExternalValidationProgram` says of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// Active: the program said so, or none is set, or the account is
    /// always active, or the program failed and the policy is to allow.
    Active,
    /// The program said inactive (exit 1).
    Inactive,
    /// The program failed and the policy is to deny.
    Unknown,
}

/// The activation check (The Bastion's `is_account_active`), the one
/// check that always-active accounts skip.
#[must_use]
pub fn activation(account: &Account, config: &Config) -> Activation {
    let program = &config.accountExternalValidationProgram;
    if program.is_empty() || is_always_active(account, config) {
        return Activation::Active;
    }
    let status = Command::new(program)
        .arg(&account.name)
        .status()
        .ok()
        .and_then(|s| s.code());
    match status {
        Some(0) => Activation::Active,
        Some(1) => Activation::Inactive,
        _ if config.accountExternalValidationDenyOnFailure => Activation::Unknown,
        _ => Activation::Active,
    }
}

/// The checks The Bastion runs before anything else, in its order: external
/// validation program (101), frozen (131), maintenance (118, admins pass),
/// TTL (121), inactivity (113).
pub fn check_state(
    account: &Account,
    admin: bool,
    config: &Config,
    now: SystemTime,
) -> Result<(), Refusal> {
    match activation(account, config) {
        Activation::Active => {}
        Activation::Inactive => {
            return Err(refuse(
                Exit::AccountInactive,
                "account_inactive",
                "Sorry, but your account is inactive.",
            ));
        }
        Activation::Unknown => {
            return Err(refuse(
                Exit::AccountInactive,
                "account_inactive",
                "Sorry, the account activeness could not be checked and the policy is to deny. Report this to your sysadmin.",
            ));
        }
    }
    let facts = Facts::read_own(account);
    let st = status(&facts, config, now);
    if let Some(info) = &st.frozen {
        let reason = info
            .get("reason")
            .and_then(|r| r.as_str())
            .filter(|r| !r.is_empty());
        let msg = match reason {
            Some(r) => format!(
                "Sorry {}, your account is frozen ({})",
                account.name,
                crate::ui::clean(r)
            ),
            None => format!("Sorry {}, your account is frozen", account.name),
        };
        return Err(refuse(Exit::AccountFrozen, "account_frozen", msg));
    }
    if !admin && let Ok(text) = std::fs::read_to_string(paths::MAINTENANCE_FILE) {
        let mut msg =
            "Sorry, this bastion is in maintenance mode, only admins can log in.".to_owned();
        if !text.trim().is_empty() {
            msg = format!("{msg} Reason: {}", crate::ui::clean(text.trim()));
        }
        return Err(refuse(Exit::MaintenanceMode, "maintenance_mode", msg));
    }
    if st.ttl_expired {
        let end = facts
            .created
            .unwrap_or(0)
            .saturating_add(facts.ttl.unwrap_or(0));
        let now_s = crate::time::seconds(now);
        return Err(refuse(
            Exit::TtlExpired,
            "ttl_expired",
            format!(
                "Sorry, your account TTL has expired since {} ago.",
                crate::time::human(now_s.saturating_sub(end))
            ),
        ));
    }
    if st.inactivity_expired {
        let template = if config.accountExpiredMessage.is_empty() {
            "Sorry, but your account has expired (#DAYS# days), access denied by policy."
        } else {
            config.accountExpiredMessage.as_str()
        };
        let days = st.idle_days.unwrap_or_default().to_string();
        let msg = template.replace("#DAYS#", &days);
        return Err(refuse(Exit::AccountExpired, "account_expired", msg));
    }
    Ok(())
}

/// What an account's state is computed from. Login reads them as the
/// account itself ([`Facts::read_own`]); `accountInfo` gets the private ones
/// from the keyreader helper ([`Facts::from_private`]); both then go through
/// the one [`status`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// The account's name (`alwaysActiveAccounts` names accounts).
    pub name: String,
    /// `config.frozen` (allowkeeper's, public): the freeze information.
    pub frozen: Option<serde_json::Value>,
    /// `config.always_active` (public).
    pub always_active_local: bool,
    /// `config.max_inactive_days` (public): the account's own limit.
    pub max_inactive_days: Option<i64>,
    /// `config.account_ttl` (private), seconds.
    pub ttl: Option<u64>,
    /// `config.creation_timestamp` (private), epoch.
    pub created: Option<u64>,
    /// The mtime of `lastlog` (private), epoch: the last login.
    pub last_login: Option<u64>,
}

fn frozen_info(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|_| serde_json::json!({"reason": text.trim()}))
}

impl Facts {
    /// Whole days without a login at `now` (epoch), counted from the
    /// creation before the first login, as The Bastion counts them.
    #[must_use]
    pub fn idle_days(&self, now: u64) -> Option<u64> {
        self.last_login
            .or(self.created)
            .map(|l| now.saturating_sub(l) / 86_400)
    }

    fn public(account: &Account) -> Self {
        Self {
            name: account.name.clone(),
            frozen: std::fs::read_to_string(account.public_config("frozen"))
                .ok()
                .map(|t| frozen_info(&t)),
            always_active_local: account.public_flag("always_active"),
            max_inactive_days: read_trimmed(&account.public_config("max_inactive_days"))
                .and_then(|d| d.parse().ok()),
            ..Self::default()
        }
    }

    /// Everything, read as the account (or root) can.
    #[must_use]
    pub fn read_own(account: &Account) -> Self {
        let secs = |p: &Path| read_trimmed(p).and_then(|v| v.parse::<u64>().ok());
        Self {
            ttl: secs(&account.private_config("account_ttl")),
            created: secs(&account.private_config("creation_timestamp")),
            last_login: std::fs::metadata(account.home.join("lastlog"))
                .and_then(|m| m.modified())
                .ok()
                .map(crate::time::seconds),
            ..Self::public(account)
        }
    }

    /// The public facts, read here, and the private ones as `osh-accountRead`
    /// reports them (`account_ttl`, `creation_timestamp` as text,
    /// `lastlog_timestamp` as a number).
    #[must_use]
    pub fn from_private(account: &Account, private: &serde_json::Value) -> Self {
        let num = |v: &serde_json::Value| {
            v.as_u64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        };
        Self {
            ttl: num(&private["account_ttl"]),
            created: num(&private["creation_timestamp"]),
            last_login: num(&private["lastlog_timestamp"]),
            ..Self::public(account)
        }
    }
}

/// An account's state: what login enforces and what `accountInfo` reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    /// Frozen, with the freeze information.
    pub frozen: Option<serde_json::Value>,
    /// Why it is always active, if it is: `account` (its own flag) or
    /// `config` (`alwaysActiveAccounts`).
    pub always_active: Option<&'static str>,
    /// A TTL is set.
    pub ttl_set: bool,
    /// The TTL is over.
    pub ttl_expired: bool,
    /// The inactivity limit in force (0: none).
    pub max_inactive_days: i64,
    /// No login for that many days or more.
    pub inactivity_expired: bool,
    /// Whole days since the last login (or, before the first one, since the
    /// account's creation); `None` if neither is known.
    pub idle_days: Option<u64>,
}

impl Status {
    /// Whether it can log in, as far as these facts tell (maintenance and the
    /// external validation program aside).
    #[must_use]
    pub fn is_active(&self) -> bool {
        self.frozen.is_none() && !self.ttl_expired && !self.inactivity_expired
    }
}

/// The one computation of an account's state from its facts.
#[must_use]
pub fn status(f: &Facts, config: &Config, now: SystemTime) -> Status {
    let now = crate::time::seconds(now);
    let always_active = if f.always_active_local {
        Some("account")
    } else if config.alwaysActiveAccounts.contains(&f.name) {
        Some("config")
    } else {
        None
    };
    let max_inactive_days = f
        .max_inactive_days
        .filter(|d| *d >= 0)
        .unwrap_or(config.accountMaxInactiveDays);
    let limit = u64::try_from(max_inactive_days).unwrap_or(0);
    let idle_days = f.idle_days(now);
    Status {
        frozen: f.frozen.clone(),
        always_active,
        ttl_set: f.ttl.is_some(),
        ttl_expired: matches!((f.ttl, f.created), (Some(t), Some(c)) if now > c.saturating_add(t)),
        max_inactive_days,
        // As in The Bastion, "always active" exempts from the activation
        // program only: an unused always-active account still expires.
        inactivity_expired: max_inactive_days > 0 && idle_days.is_some_and(|d| d >= limit),
        idle_days,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn one_status_for_login_and_listings() {
        let day = 86_400;
        let now = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1000 * day);
        let cfg = Config {
            accountMaxInactiveDays: 30,
            alwaysActiveAccounts: vec!["svc".into()],
            ..Config::default()
        };
        let base = Facts {
            name: "bob".into(),
            last_login: Some(990 * day),
            ..Facts::default()
        };
        let st = status(&base, &cfg, now);
        assert!(st.is_active() && !st.inactivity_expired && st.always_active.is_none());
        // 40 days without a login: expired, always active (own flag or config) or not.
        let idle = Facts {
            last_login: Some(960 * day),
            ..base.clone()
        };
        assert!(status(&idle, &cfg, now).inactivity_expired);
        assert!(!status(&idle, &cfg, now).is_active());
        let own = Facts {
            always_active_local: true,
            ..idle.clone()
        };
        assert_eq!(status(&own, &cfg, now).always_active, Some("account"));
        assert!(status(&own, &cfg, now).inactivity_expired);
        let svc = Facts {
            name: "svc".into(),
            ..idle.clone()
        };
        assert_eq!(status(&svc, &cfg, now).always_active, Some("config"));
        assert!(!status(&svc, &cfg, now).is_active());
        // The account's own limit wins; a huge one does not overflow.
        let own_limit = Facts {
            max_inactive_days: Some(50),
            ..idle.clone()
        };
        assert!(!status(&own_limit, &cfg, now).inactivity_expired);
        let huge = Facts {
            max_inactive_days: Some(i64::MAX),
            ..idle.clone()
        };
        assert!(!status(&huge, &cfg, now).inactivity_expired);
        // TTL over; frozen.
        let ttl = Facts {
            ttl: Some(10),
            created: Some(999 * day),
            ..base.clone()
        };
        let st = status(&ttl, &cfg, now);
        assert!(st.ttl_set && st.ttl_expired && !st.is_active());
        let frozen = Facts {
            frozen: Some(serde_json::json!({"reason": "x"})),
            ..base
        };
        assert!(!status(&frozen, &cfg, now).is_active());
    }

    #[test]
    fn names() {
        for ok in [
            "ab",
            "te3456789012345678stu_Ser.1-",
            "Te0123456789012345678StUsEr4",
            "john.doe",
            "a_b-c",
        ] {
            assert!(validate_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "a",
            "",
            "-x",
            ".x",
            "keyfoo",
            "realm_x",
            "foo-tty",
            "foo-owner",
            "foo-gatekeeper",
            "foo-aclkeeper",
            "root",
            "allowkeeper",
            "a b",
            "a\"b",
            "a/b",
            "a\nb",
            "x2345678901234567890123456789",
            "é-é",
        ] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn valid_names_are_safe_everywhere(name in ".{0,40}") {
            if validate_name(&name).is_ok() {
                // A valid name is a safe path component, shell word and log value.
                prop_assert!(name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)));
                prop_assert!(!name.starts_with('-') && name != "." && name != "..");
            }
        }
    }

    fn account_in(dir: &Path) -> Account {
        Account {
            name: "zz-test-nobody".into(),
            uid: 1,
            gid: 1,
            home: dir.to_path_buf(),
            shell: "/bin/false".into(),
        }
    }

    #[test]
    fn ttl_and_inactivity() {
        let dir = tempfile::tempdir().unwrap();
        let a = account_in(dir.path());
        let cfg = Config::default();
        let now = SystemTime::now();
        assert!(check_state(&a, false, &cfg, now).is_ok());
        let created = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            - 100;
        std::fs::write(a.private_config("creation_timestamp"), created.to_string()).unwrap();
        std::fs::write(a.private_config("account_ttl"), "50").unwrap();
        assert_eq!(
            check_state(&a, false, &cfg, now).unwrap_err().exit,
            Exit::TtlExpired
        );
        std::fs::write(a.private_config("account_ttl"), "500").unwrap();
        assert!(check_state(&a, false, &cfg, now).is_ok());

        std::fs::remove_file(a.private_config("account_ttl")).unwrap();
        std::fs::write(dir.path().join("lastlog"), "").unwrap();
        let cfg = Config {
            accountMaxInactiveDays: 2,
            ..Config::default()
        };
        assert!(check_state(&a, false, &cfg, now).is_ok());
        let later = now + std::time::Duration::from_secs(3 * 86400);
        let r = check_state(&a, false, &cfg, later).unwrap_err();
        assert_eq!(
            (r.exit, r.comment),
            (Exit::AccountExpired, "account_expired")
        );
        assert!(r.msg.contains("has expired (3 days)"), "{}", r.msg);
        // Always active skips the activation program, not inactivity.
        let cfg2 = Config {
            alwaysActiveAccounts: vec![a.name.clone()],
            ..cfg.clone()
        };
        assert!(check_state(&a, false, &cfg2, later).is_err());
        // Never logged in: counted from the creation.
        std::fs::remove_file(dir.path().join("lastlog")).unwrap();
        assert!(check_state(&a, false, &cfg, now).is_ok());
        assert!(check_state(&a, false, &cfg, later).is_err());
    }

    #[test]
    fn external_program() {
        let dir = tempfile::tempdir().unwrap();
        let a = account_in(dir.path());
        for (prog, deny, ok) in [
            ("/bin/true", true, true),
            ("/bin/false", true, false),
            ("/nonexistent", true, false),
            ("/nonexistent", false, true),
        ] {
            let cfg = Config {
                accountExternalValidationProgram: prog.into(),
                accountExternalValidationDenyOnFailure: deny,
                ..Config::default()
            };
            let r = check_state(&a, false, &cfg, SystemTime::now());
            assert_eq!(r.is_ok(), ok, "{prog} deny={deny}");
            if let Err(r) = r {
                assert_eq!(r.exit, Exit::AccountInactive);
            }
        }
    }
}
