//! What a plugin asks a helper: one type per helper, shared by both sides.
//!
//! A request travels as JSON on the helper's standard input, never on sudo's
//! command line (which `ps` shows to every user of the host: comments,
//! reasons, keys). Each type declares once which helper serves it, as whom
//! it runs, and which grant it needs; [`crate::helper::call`] and
//! [`crate::helper::serve`] do the rest, and the helper checks the right
//! before its own code runs.

use serde::{Deserialize, Serialize, de::DeserializeOwned};

pub use crate::group::Role;

/// A request to a privileged helper.
pub trait Request: Serialize + DeserializeOwned {
    /// The helper, `bin/helper/osh-HELPER`.
    const HELPER: &'static str;
    /// The user it runs as (`sudo -u`), and the only one it agrees to run as.
    const RUNAS: &'static str;
    /// The restricted command whose grant the caller needs for this request
    /// (unused when [`Request::role`] names a role instead).
    fn right(&self) -> &'static str;
    /// The role in a group the caller needs instead of a grant: the helper
    /// checks it from the OS (superowners pass, logged), so that no sudoers
    /// rule is ever written per group.
    fn role(&self) -> Option<(&str, Role)> {
        None
    }
}

/// `osh-accountCreate`: create an account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AccountCreate {
    /// The new account's name.
    pub account: String,
    /// Its uid, or `None` for the first free one.
    pub uid: Option<u32>,
    /// Its ingress key line, if any.
    pub public_key: Option<String>,
    /// `--always-active`.
    pub always_active: bool,
    /// `--osh-only`.
    pub osh_only: bool,
    /// `--comment`.
    pub comment: Option<String>,
    /// `--ttl`, in seconds.
    pub ttl: Option<i64>,
    /// `--max-inactive-days` (0: never expires for inactivity).
    pub max_inactive_days: Option<i64>,
    /// The `from=` its key gets whatever the policy says (root only: the
    /// installer's `healthcheck` account, reachable from the bastion only).
    pub force_from: Option<Vec<String>>,
}

impl Request for AccountCreate {
    const HELPER: &'static str = "accountCreate";
    const RUNAS: &'static str = "root";
    fn right(&self) -> &'static str {
        "accountCreate"
    }
}

/// `osh-accountDelete`: delete (and archive) an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountDelete {
    /// The account.
    pub account: String,
}

impl Request for AccountDelete {
    const HELPER: &'static str = "accountDelete";
    const RUNAS: &'static str = "root";
    fn right(&self) -> &'static str {
        "accountDelete"
    }
}

/// `osh-accountModify`: change one setting of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountModify {
    /// The account.
    pub account: String,
    /// The plugin option, without dashes (`always-active`, ...).
    pub option: String,
    /// Its value, as given.
    pub value: String,
}

impl Request for AccountModify {
    const HELPER: &'static str = "accountModify";
    const RUNAS: &'static str = "root";
    fn right(&self) -> &'static str {
        "accountModify"
    }
}

/// `osh-accountGrantCommand`: grant or revoke a restricted command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountGrant {
    /// The account.
    pub account: String,
    /// The command, or `auditor`.
    pub command: String,
    /// Grant (`true`) or revoke.
    pub grant: bool,
}

impl Request for AccountGrant {
    const HELPER: &'static str = "accountGrantCommand";
    const RUNAS: &'static str = "root";
    fn right(&self) -> &'static str {
        if self.grant {
            "accountGrantCommand"
        } else {
            "accountRevokeCommand"
        }
    }
}

/// `osh-accountFreeze`: freeze or unfreeze an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountFreeze {
    /// The account.
    pub account: String,
    /// Freeze (`true`) or unfreeze.
    pub freeze: bool,
    /// Why, for the freeze.
    pub reason: Option<String>,
}

impl Request for AccountFreeze {
    const HELPER: &'static str = "accountFreeze";
    const RUNAS: &'static str = "allowkeeper";
    fn right(&self) -> &'static str {
        if self.freeze {
            "accountFreeze"
        } else {
            "accountUnfreeze"
        }
    }
}

/// `osh-accountUnexpire`: bring back an account expired for inactivity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountUnexpire {
    /// The account.
    pub account: String,
}

impl Request for AccountUnexpire {
    const HELPER: &'static str = "accountUnexpire";
    const RUNAS: &'static str = "root";
    fn right(&self) -> &'static str {
        "accountUnexpire"
    }
}

/// `osh-assetForgetHostKey`: comment a server's host key out of every
/// account's `known_hosts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetForgetHostKey {
    /// The server's address (an IP, never a network).
    pub ip: String,
    /// Its ssh port.
    pub port: u16,
}

impl Request for AssetForgetHostKey {
    const HELPER: &'static str = "assetForgetHostKey";
    const RUNAS: &'static str = "root";
    fn right(&self) -> &'static str {
        "assetForgetHostKey"
    }
}

/// `osh-rootListIngressKeys`: who can log in as root on the bastion's host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RootListIngressKeys {}

impl Request for RootListIngressKeys {
    const HELPER: &'static str = "rootListIngressKeys";
    const RUNAS: &'static str = "root";
    fn right(&self) -> &'static str {
        "rootListIngressKeys"
    }
}

/// `osh-accountUnlock`: clear an account's failed-authentication lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountUnlock {
    /// The account.
    pub account: String,
}

impl Request for AccountUnlock {
    const HELPER: &'static str = "accountUnlock";
    const RUNAS: &'static str = "root";
    fn right(&self) -> &'static str {
        "accountUnlock"
    }
}

/// `osh-accountGetPasswordInfo`: the state of an account's Unix password
/// (set, locked, ageing), never the hash; for auditors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountPasswordInfo {
    /// The account.
    pub account: String,
}

impl Request for AccountPasswordInfo {
    const HELPER: &'static str = "accountGetPasswordInfo";
    const RUNAS: &'static str = "root";
    fn right(&self) -> &'static str {
        "accountInfo"
    }
}

/// `osh-accountSessions`: an account's sessions, listed or replayed, for
/// auditors (`accountListSessions`, `accountPlaySession`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountSessions {
    /// The account.
    pub account: String,
    /// Replay (`true`) or list.
    pub play: bool,
    /// Export (`accountExportSession`) rather than replay or list.
    #[serde(default)]
    pub export: bool,
    /// The plugin's options, as given (checked again by the helper).
    pub args: Vec<String>,
    /// osh's own `--host`, for the listing.
    pub host: Option<String>,
    /// osh's own `--user`, for the listing.
    pub user: Option<String>,
}

impl Request for AccountSessions {
    const HELPER: &'static str = "accountSessions";
    const RUNAS: &'static str = "root";
    fn right(&self) -> &'static str {
        if self.export {
            "accountExportSession"
        } else if self.play {
            "accountPlaySession"
        } else {
            "accountListSessions"
        }
    }
}

/// What `osh-accountRead` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Read {
    /// An account's ingress keys.
    Ingress,
    /// An account's egress public keys.
    Egress,
    /// An account's private settings (auditors and admins only).
    Info,
    /// Every account's private settings.
    List,
    /// The same, for `accountInfo --all` (its own grant).
    InfoAll,
    /// The hashes of an account's egress passwords.
    Passwords,
}

/// `osh-accountRead`: read what an account keeps for itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountRead {
    /// The account (not for [`Read::List`]).
    pub account: Option<String>,
    /// What to read.
    pub what: Read,
}

impl Request for AccountRead {
    const HELPER: &'static str = "accountRead";
    const RUNAS: &'static str = "keyreader";
    fn right(&self) -> &'static str {
        match self.what {
            Read::Ingress => "accountListIngressKeys",
            Read::Egress => "accountListEgressKeys",
            Read::Info | Read::InfoAll => "accountInfo",
            Read::List => "accountList",
            Read::Passwords => "accountListPasswords",
        }
    }
}

/// `osh-accountModifyPersonalAccess`: add or remove a personal access.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonalAccess {
    /// The account whose accesses change.
    pub account: String,
    /// The plugin asking (one of [`crate::access::PLUGINS`]): its grant is needed.
    pub plugin: String,
    /// Add (`true`) or remove.
    pub add: bool,
    /// `[user@]host[/prefix][:port]`.
    pub target: String,
    /// A `SHA256:` fingerprint the access is restricted to.
    pub force_key: Option<String>,
    /// Seconds until it expires.
    pub ttl: Option<i64>,
    /// A comment.
    pub comment: Option<String>,
}

impl Request for PersonalAccess {
    const HELPER: &'static str = "accountModifyPersonalAccess";
    const RUNAS: &'static str = "allowkeeper";
    fn right(&self) -> &'static str {
        crate::access::PLUGINS
            .iter()
            .copied()
            .find(|p| *p == self.plugin)
            // An unknown plugin name is a right nobody holds.
            .unwrap_or("-")
    }
}

/// `osh-accountGeneratePassword`: a new egress password for an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountPassword {
    /// The account.
    pub account: String,
    /// Its length.
    pub size: usize,
}

impl Request for AccountPassword {
    const HELPER: &'static str = "accountGeneratePassword";
    const RUNAS: &'static str = "root";
    fn right(&self) -> &'static str {
        "accountGeneratePassword"
    }
}

/// `osh-groupCreate`: create a group and make `owner` its owner.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GroupCreate {
    /// The group.
    pub group: String,
    /// Its first owner.
    pub owner: String,
    /// The egress key's algorithm (none with `no_key`).
    pub algo: Option<String>,
    /// Its size.
    pub size: Option<i64>,
    /// `--no-key`.
    pub no_key: bool,
}

impl Request for GroupCreate {
    const HELPER: &'static str = "groupCreate";
    const RUNAS: &'static str = "root";
    fn right(&self) -> &'static str {
        "groupCreate"
    }
}

/// `osh-groupDelete`: delete a group (`groupDelete`, a grant) or destroy
/// it (`groupDestroy`, by its owners), archiving its data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupDelete {
    /// The group.
    pub group: String,
    /// As `groupDestroy` (an owner's right) rather than `groupDelete`.
    pub destroy: bool,
}

impl Request for GroupDelete {
    const HELPER: &'static str = "groupDelete";
    const RUNAS: &'static str = "root";
    fn right(&self) -> &'static str {
        "groupDelete"
    }
    fn role(&self) -> Option<(&str, Role)> {
        self.destroy.then_some((self.group.as_str(), Role::Owner))
    }
}

/// `osh-groupSetRole`: give or take a role (owner, gatekeeper, aclkeeper,
/// member) in a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupRole {
    /// The group.
    pub group: String,
    /// The account.
    pub account: String,
    /// The role (a guest is made by [`GroupAccess`]).
    pub role: Role,
    /// Give (`true`) or take.
    pub add: bool,
}

impl Request for GroupRole {
    const HELPER: &'static str = "groupSetRole";
    const RUNAS: &'static str = "root";
    fn right(&self) -> &'static str {
        "-"
    }
    fn role(&self) -> Option<(&str, Role)> {
        Some((self.group.as_str(), self.role.managed_by()))
    }
}

/// `osh-groupAccess`: add or remove a server of a group (for aclkeepers),
/// or a guest's access to one of them (for gatekeepers).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GroupAccess {
    /// The group.
    pub group: String,
    /// The guest, or `None` for the group's own servers list.
    pub guest: Option<String>,
    /// Add (`true`) or remove.
    pub add: bool,
    /// `[user@]host[/prefix][:port]`.
    pub target: String,
    /// A fingerprint of one of the group's keys.
    pub force_key: Option<String>,
    /// Seconds until it expires.
    pub ttl: Option<i64>,
    /// A comment.
    pub comment: Option<String>,
}

impl Request for GroupAccess {
    const HELPER: &'static str = "groupAccess";
    const RUNAS: &'static str = "root";
    fn right(&self) -> &'static str {
        "-"
    }
    fn role(&self) -> Option<(&str, Role)> {
        let role = if self.guest.is_some() {
            Role::Gatekeeper
        } else {
            Role::Aclkeeper
        };
        Some((self.group.as_str(), role))
    }
}

/// One line of a servers list given whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerLine {
    /// `[user@]IP[/prefix][:port]`, resolved.
    pub target: String,
    /// Its comment.
    pub comment: Option<String>,
}

/// `osh-groupSetServers`: replace a group's servers list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupSetServers {
    /// The group.
    pub group: String,
    /// The new list.
    pub servers: Vec<ServerLine>,
}

impl Request for GroupSetServers {
    const HELPER: &'static str = "groupSetServers";
    const RUNAS: &'static str = "root";
    fn right(&self) -> &'static str {
        "-"
    }
    fn role(&self) -> Option<(&str, Role)> {
        Some((self.group.as_str(), Role::Aclkeeper))
    }
}

/// `osh-groupKey`: generate or delete an egress key of a group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GroupKey {
    /// The group.
    pub group: String,
    /// Generate (`algo`, `size`) or delete (`id`).
    pub generate: bool,
    /// The algorithm of a new key.
    pub algo: Option<String>,
    /// Its size.
    pub size: Option<i64>,
    /// The id of the key to delete (as `groupInfo` shows it).
    pub id: Option<String>,
}

impl Request for GroupKey {
    const HELPER: &'static str = "groupKey";
    const RUNAS: &'static str = "root";
    fn right(&self) -> &'static str {
        "-"
    }
    fn role(&self) -> Option<(&str, Role)> {
        Some((self.group.as_str(), Role::Owner))
    }
}

/// `osh-groupPassword`: a new egress password for a group (the previous
/// ones are kept, numbered, for the servers not yet changed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupPassword {
    /// The group.
    pub group: String,
    /// Its length.
    pub size: usize,
}

impl Request for GroupPassword {
    const HELPER: &'static str = "groupPassword";
    const RUNAS: &'static str = "root";
    fn right(&self) -> &'static str {
        "-"
    }
    fn role(&self) -> Option<(&str, Role)> {
        Some((self.group.as_str(), Role::Owner))
    }
}

/// `osh-groupModify`: change one setting of a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupModify {
    /// The group.
    pub group: String,
    /// `mfa_required`, `idle_lock_timeout`, `idle_kill_timeout`, `guest_ttl_limit`.
    pub key: String,
    /// The value, checked by the helper (`None`: back to the default).
    pub value: Option<String>,
}

impl Request for GroupModify {
    const HELPER: &'static str = "groupModify";
    const RUNAS: &'static str = "root";
    fn right(&self) -> &'static str {
        "-"
    }
    fn role(&self) -> Option<(&str, Role)> {
        Some((self.group.as_str(), Role::Owner))
    }
}

/// Every helper and the user it runs as, from the types above: the sudoers
/// template is checked against this list.
pub const HELPERS: &[(&str, &str)] = &[
    (AccountCreate::HELPER, AccountCreate::RUNAS),
    (AccountDelete::HELPER, AccountDelete::RUNAS),
    (AccountModify::HELPER, AccountModify::RUNAS),
    (AccountGrant::HELPER, AccountGrant::RUNAS),
    (AccountFreeze::HELPER, AccountFreeze::RUNAS),
    (AccountUnexpire::HELPER, AccountUnexpire::RUNAS),
    (AccountUnlock::HELPER, AccountUnlock::RUNAS),
    (AssetForgetHostKey::HELPER, AssetForgetHostKey::RUNAS),
    (RootListIngressKeys::HELPER, RootListIngressKeys::RUNAS),
    (AccountPasswordInfo::HELPER, AccountPasswordInfo::RUNAS),
    (AccountSessions::HELPER, AccountSessions::RUNAS),
    (AccountRead::HELPER, AccountRead::RUNAS),
    (PersonalAccess::HELPER, PersonalAccess::RUNAS),
    (AccountPassword::HELPER, AccountPassword::RUNAS),
    (GroupCreate::HELPER, GroupCreate::RUNAS),
    (GroupDelete::HELPER, GroupDelete::RUNAS),
    (GroupRole::HELPER, GroupRole::RUNAS),
    (GroupAccess::HELPER, GroupAccess::RUNAS),
    (GroupSetServers::HELPER, GroupSetServers::RUNAS),
    (GroupKey::HELPER, GroupKey::RUNAS),
    (GroupModify::HELPER, GroupModify::RUNAS),
    (GroupPassword::HELPER, GroupPassword::RUNAS),
];

/// Parse a request; unknown fields are refused, so a plugin and a helper
/// of different versions fail loudly rather than drop a setting.
pub fn decode<R: DeserializeOwned>(text: &str) -> Result<R, String> {
    serde_json::from_str(text).map_err(|e| format!("bad request: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rights_follow_the_action() {
        let f = |freeze| AccountFreeze {
            account: "a".into(),
            freeze,
            reason: None,
        };
        assert_eq!(f(true).right(), "accountFreeze");
        assert_eq!(f(false).right(), "accountUnfreeze");
        let g = |grant| AccountGrant {
            account: "a".into(),
            command: "c".into(),
            grant,
        };
        assert_eq!(g(true).right(), "accountGrantCommand");
        assert_eq!(g(false).right(), "accountRevokeCommand");
        let p = |plugin: &str| PersonalAccess {
            account: "a".into(),
            plugin: plugin.into(),
            add: true,
            target: "1.2.3.4".into(),
            force_key: None,
            ttl: None,
            comment: None,
        };
        assert_eq!(p("selfAddPersonalAccess").right(), "selfAddPersonalAccess");
        assert_eq!(p("accountCreate").right(), "-");
        for (what, right) in [
            (Read::Ingress, "accountListIngressKeys"),
            (Read::Egress, "accountListEgressKeys"),
            (Read::Info, "accountInfo"),
            (Read::List, "accountList"),
            (Read::InfoAll, "accountInfo"),
        ] {
            assert_eq!(
                AccountRead {
                    account: None,
                    what
                }
                .right(),
                right
            );
        }
    }

    #[test]
    fn unknown_fields_are_refused() {
        let ok: Result<AccountDelete, _> = decode(r#"{"account":"bob"}"#);
        assert_eq!(ok.unwrap().account, "bob");
        let bad: Result<AccountDelete, _> = decode(r#"{"account":"bob","force":true}"#);
        assert!(bad.is_err());
    }
}
