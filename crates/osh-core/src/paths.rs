//! Where things live. Fixed at build time, never taken from the environment:
//! helpers run as root through sudo, and a path an attacker could steer would
//! be a way in.

use std::path::PathBuf;

/// Installation prefix of osh's binaries (`OSH_PREFIX` at build time, default `/opt/osh`).
pub const PREFIX: &str = match option_env!("OSH_PREFIX") {
    Some(p) => p,
    None => "/opt/osh",
};

/// The login shell of every bastion account.
#[must_use]
pub fn shell() -> PathBuf {
    PathBuf::from(PREFIX).join("bin/osh")
}

/// The small parent of every recorded session (`osh-connect`).
#[must_use]
pub fn connector() -> PathBuf {
    PathBuf::from(PREFIX).join("bin/osh-connect")
}

/// The writer of the global access logs (setuid `logkeeper`).
#[must_use]
pub fn globallog() -> PathBuf {
    PathBuf::from(PREFIX).join("bin/osh-globallog")
}

/// Directory of plugin binaries, one sub-directory per permission class.
#[must_use]
pub fn plugin_dir() -> PathBuf {
    PathBuf::from(PREFIX).join("bin/plugin")
}

/// Path of a helper binary (`osh-NAME`).
#[must_use]
pub fn helper(name: &str) -> PathBuf {
    PathBuf::from(PREFIX)
        .join("bin/helper")
        .join(format!("osh-{name}"))
}

/// The configuration directory.
pub const ETC: &str = "/etc/bastion";
/// Group egress keys, one directory per group, owned by `keykeeper`.
pub const KEYKEEPER_HOME: &str = "/home/keykeeper";
/// Archives of deleted groups (root only).
pub const OLDKEEPER_GROUPS: &str = "/home/oldkeeper/groups";
/// Per-account public flags and ACLs, owned by `allowkeeper`.
pub const ALLOWKEEPER_HOME: &str = "/home/allowkeeper";
/// Maintenance-mode flag file: while it exists only admins may log in.
pub const MAINTENANCE_FILE: &str = "/home/allowkeeper/maintenance";
/// Where deleted accounts' homes are archived.
pub const OLDKEEPER_ACCOUNTS: &str = "/home/oldkeeper/accounts";
/// The journal of live sessions, one file per session written by its
/// osh-connect (mode 1733: anyone may add, nobody may list or touch
/// another's), read by `osh-close-orphaned` to close sessions whose parent died.
pub const SESSIONS_DIR: &str = "/var/lib/osh/sessions";
/// Where deleted things are kept (root only).
pub const OLDKEEPER_HOME: &str = "/home/oldkeeper";
/// Global logs.
pub const LOGKEEPER_HOME: &str = "/home/logkeeper";
/// The public key sealing recordings now (see `osh_seal`).
pub const SEAL_PUBLIC_KEY: &str = osh_seal::PUBLIC_KEY;
/// Every key that ever sealed here, for `ssh-keygen -Y verify -f`.
pub const SEAL_ALLOWED_SIGNERS: &str = osh_seal::ALLOWED_SIGNERS;
/// Ingress keys file inside an account's home.
pub const AUTHORIZED_KEYS: &str = ".ssh/authorized_keys2";

/// `/home/allowkeeper/ACCOUNT`.
#[must_use]
pub fn allowkeeper_dir(account: &str) -> PathBuf {
    PathBuf::from(ALLOWKEEPER_HOME).join(account)
}

/// `/home/ACCOUNT`.
#[must_use]
pub fn home(account: &str) -> PathBuf {
    PathBuf::from("/home").join(account)
}

/// The system tools osh runs, by absolute path (Debian's): helpers run as
/// root, and a `PATH` is the caller's to choose.
pub mod tool {
    /// `ssh-keygen`.
    pub const SSH_KEYGEN: &str = "/usr/bin/ssh-keygen";
    /// pam_faillock's tool (libpam-modules-bin).
    pub const FAILLOCK: &str = "/usr/sbin/faillock";
    /// `sudo`.
    pub const SUDO: &str = "/usr/bin/sudo";
    /// `hostname`.
    pub const HOSTNAME: &str = "/usr/bin/hostname";
    /// `useradd`.
    pub const USERADD: &str = "/usr/sbin/useradd";
    /// `userdel`.
    pub const USERDEL: &str = "/usr/sbin/userdel";
    /// `groupadd`.
    pub const GROUPADD: &str = "/usr/sbin/groupadd";
    /// `groupdel`.
    pub const GROUPDEL: &str = "/usr/sbin/groupdel";
    /// `setfacl` (acl).
    pub const SETFACL: &str = "/usr/bin/setfacl";
    /// `usermod`.
    pub const USERMOD: &str = "/usr/sbin/usermod";
    /// `gpasswd`.
    pub const GPASSWD: &str = "/usr/bin/gpasswd";
}
