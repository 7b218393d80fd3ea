//! Typed builders of the events of reference §4.1 that helpers and plugins
//! emit: each type has The Bastion's fields in The Bastion's order, so a
//! caller fills what it knows and can neither forget a field nor misplace
//! one (log parsers read them by position). The common prefix
//! (`uniqid version pid ...`) comes from [`crate::logging::event`].

use osh_log::Event;

use crate::logging;

/// An `acl` event: an access added, removed or cleared.
#[derive(Debug, Clone, Default)]
pub struct Acl<'a> {
    /// `add`, `del`, `clear`.
    pub action: &'a str,
    /// `personal`, `group`, `groupguest`.
    pub way: &'a str,
    /// The group, for group ACLs.
    pub group: &'a str,
    /// The account whose access it is.
    pub account: &'a str,
    /// Remote user (empty: any).
    pub user: &'a str,
    /// Address or network.
    pub ip: String,
    /// Port (empty: any).
    pub port: String,
    /// Seconds to live (empty: none).
    pub ttl: String,
    /// The forced key's fingerprint.
    pub force_key: &'a str,
    /// The forced password's hash.
    pub force_password: &'a str,
    /// The comment.
    pub comment: &'a str,
}

impl Acl<'_> {
    /// The event.
    #[must_use]
    pub fn event(&self, uniqid: &str) -> Event {
        logging::event("acl", uniqid)
            .field("action", self.action)
            .field("type", self.way)
            .field("group", self.group)
            .field("account", self.account)
            .field("user", self.user)
            .field("ip", &self.ip)
            .field("port", &self.port)
            .field("ttl", &self.ttl)
            .field("force_key", self.force_key)
            .field("force_password", self.force_password)
            .field("comment", self.comment)
            // Proxy jumps do not exist yet: the fields do, empty.
            .field("proxy_ip", "")
            .field("proxy_port", "")
            .field("proxy_user", "")
    }
}

/// An `account` event: created, deleted, changed.
#[derive(Debug, Clone, Default)]
pub struct Account<'a> {
    /// `create`, `delete`, `freeze`, `unfreeze`, `modify`.
    pub action: &'a str,
    /// The account.
    pub account: &'a str,
    /// Its uid (creation, deletion).
    pub account_uid: String,
    /// Its first ingress key (creation).
    pub public_key: &'a str,
    /// `1` if created always active.
    pub always_active: &'a str,
    /// `1` if its uid was chosen automatically.
    pub uid_auto: &'a str,
    /// `1` if osh-only.
    pub osh_only: &'a str,
    /// `1` if its ingress key file is immutable.
    pub immutable_key: &'a str,
    /// A comment (the freeze reason, the creation comment).
    pub comment: &'a str,
    /// What else this action says, after The Bastion's fields (`tty_group`
    /// and `archive` on delete, `option` and `value` on modify).
    pub extra: Vec<(&'a str, String)>,
}

impl Account<'_> {
    /// The event.
    #[must_use]
    pub fn event(&self, uniqid: &str) -> Event {
        let mut e = logging::event("account", uniqid)
            .field("action", self.action)
            .field("account", self.account)
            .field("account_uid", &self.account_uid)
            .field("public_key", self.public_key)
            .field("always_active", self.always_active)
            .field("uid_auto", self.uid_auto)
            .field("osh_only", self.osh_only)
            .field("immutable_key", self.immutable_key)
            .field("comment", self.comment);
        for (k, v) in &self.extra {
            e.push(k, v);
        }
        e
    }
}

/// A `security` event: something that changes who may do what.
#[derive(Debug, Clone, Default)]
pub struct Security<'a> {
    /// `grant-command`, `revoke-command`, `superowner-override`, ...
    pub kind: &'a str,
    /// The account it is about.
    pub account: &'a str,
    /// The account acted as, if any.
    pub sudo_as: &'a str,
    /// The plugin (or command) concerned.
    pub plugin: &'a str,
    /// Its parameters.
    pub params: &'a str,
}

impl Security<'_> {
    /// The event.
    #[must_use]
    pub fn event(&self, uniqid: &str) -> Event {
        logging::event("security", uniqid)
            .field("type", self.kind)
            .field("account", self.account)
            .field("sudo-as", self.sudo_as)
            .field("plugin", self.plugin)
            .field("params", self.params)
    }
}

/// A `membership` event: a role in a group given or taken (for the groups work).
#[derive(Debug, Clone, Default)]
pub struct Membership<'a> {
    /// `add`, `del`.
    pub action: &'a str,
    /// `member`, `guest`, `owner`, `gatekeeper`, `aclkeeper`.
    pub role: &'a str,
    /// The group.
    pub group: &'a str,
    /// The account.
    pub account: &'a str,
    /// Whether the account acted on itself (`1`).
    pub on_self: &'a str,
    /// For a guest access: the remote user, host, port, ttl.
    pub user: &'a str,
    /// The host.
    pub host: &'a str,
    /// The port.
    pub port: &'a str,
    /// The ttl.
    pub ttl: &'a str,
}

impl Membership<'_> {
    /// The event.
    #[must_use]
    pub fn event(&self, uniqid: &str) -> Event {
        logging::event("membership", uniqid)
            .field("action", self.action)
            .field("type", self.role)
            .field("group", self.group)
            .field("account", self.account)
            .field("self", self.on_self)
            .field("user", self.user)
            .field("host", self.host)
            .field("port", self.port)
            .field("ttl", self.ttl)
    }
}

/// A `group` event: a group created or deleted (for the groups work).
#[derive(Debug, Clone, Default)]
pub struct Group<'a> {
    /// `create`, `delete`.
    pub action: &'a str,
    /// The group.
    pub group: &'a str,
    /// Its first owner.
    pub owner: &'a str,
    /// Its egress key's algorithm, size and whether it is encrypted.
    pub egress_ssh_key_algorithm: &'a str,
    /// The key's size.
    pub egress_ssh_key_size: &'a str,
    /// `1` if encrypted.
    pub egress_ssh_key_encrypted: &'a str,
}

impl Group<'_> {
    /// The event.
    #[must_use]
    pub fn event(&self, uniqid: &str) -> Event {
        logging::event("group", uniqid)
            .field("action", self.action)
            .field("group", self.group)
            .field("owner", self.owner)
            .field("egress_ssh_key_algorithm", self.egress_ssh_key_algorithm)
            .field("egress_ssh_key_size", self.egress_ssh_key_size)
            .field("egress_ssh_key_encrypted", self.egress_ssh_key_encrypted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(e: &Event) -> Vec<&str> {
        e.fields().iter().skip(8).map(|(k, _)| k.as_str()).collect()
    }

    /// Reference §4.1, field by field.
    #[test]
    fn field_sets_and_orders_are_the_bastions() {
        assert_eq!(
            keys(&Acl::default().event("-")),
            [
                "action",
                "type",
                "group",
                "account",
                "user",
                "ip",
                "port",
                "ttl",
                "force_key",
                "force_password",
                "comment",
                "proxy_ip",
                "proxy_port",
                "proxy_user"
            ]
        );
        assert_eq!(
            keys(&Account::default().event("-")),
            [
                "action",
                "account",
                "account_uid",
                "public_key",
                "always_active",
                "uid_auto",
                "osh_only",
                "immutable_key",
                "comment"
            ]
        );
        assert_eq!(
            keys(&Security::default().event("-")),
            ["type", "account", "sudo-as", "plugin", "params"]
        );
        assert_eq!(
            keys(&Membership::default().event("-")),
            [
                "action", "type", "group", "account", "self", "user", "host", "port", "ttl"
            ]
        );
        assert_eq!(
            keys(&Group::default().event("-")),
            [
                "action",
                "group",
                "owner",
                "egress_ssh_key_algorithm",
                "egress_ssh_key_size",
                "egress_ssh_key_encrypted"
            ]
        );
    }
}
