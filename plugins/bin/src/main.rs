//! `osh-plugin`: every plugin in one binary. The installer puts it at
//! `bin/plugin/CLASS/NAME` once per plugin (hard links), and it runs the
//! plugin it is started as; `osh-plugin --list` prints the catalogue
//! (`NAME CLASS` lines) for the installer.

use osh_core::plugin::Plugin;

/// Every plugin, from the domain crates' lists.
fn catalogue() -> Vec<Plugin> {
    [
        osh_plugins_misc::PLUGINS,
        osh_plugins_self::PLUGINS,
        osh_plugins_account::PLUGINS,
        osh_plugins_group::PLUGINS,
    ]
    .concat()
}

fn main() -> std::process::ExitCode {
    osh_core::plugin::dispatch(&catalogue())
}

#[cfg(test)]
mod tests {
    use super::catalogue;
    use osh_core::plugin::Class;
    use osh_core::requests::{
        AccountCreate, AccountDelete, AccountFreeze, AccountGrant, AccountModify, AccountRead,
        PersonalAccess, Read, Request,
    };

    #[test]
    fn names_are_unique_and_every_entry_is_complete() {
        let all = catalogue();
        let mut names: Vec<_> = all.iter().map(|p| p.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all.len(), "a name is declared twice");
        for p in &all {
            assert!(
                p.name.bytes().all(|b| b.is_ascii_alphanumeric()),
                "{}",
                p.name
            );
            assert!(!p.summary.is_empty() && !p.title.is_empty(), "{}", p.name);
            assert!(p.help.starts_with("Usage: --osh "), "{}", p.name);
        }
    }

    /// Every right a helper request needs is a restricted plugin of the
    /// catalogue: a grant that can be given, for a command that exists.
    #[test]
    fn helper_rights_are_restricted_plugins() {
        let all = catalogue();
        let restricted = |name: &str| {
            all.iter()
                .any(|p| p.name == name && p.class == Class::Restricted)
        };
        let a = || "a".to_owned();
        let rights = [
            AccountCreate::default().right(),
            AccountDelete { account: a() }.right(),
            AccountModify {
                account: a(),
                option: a(),
                value: a(),
            }
            .right(),
            AccountGrant {
                account: a(),
                command: a(),
                grant: true,
            }
            .right(),
            AccountGrant {
                account: a(),
                command: a(),
                grant: false,
            }
            .right(),
            AccountFreeze {
                account: a(),
                freeze: true,
                reason: None,
            }
            .right(),
            AccountFreeze {
                account: a(),
                freeze: false,
                reason: None,
            }
            .right(),
        ];
        let reads = [
            Read::Ingress,
            Read::Egress,
            Read::Info,
            Read::List,
            Read::InfoAll,
        ]
        .map(|what| {
            AccountRead {
                account: None,
                what,
            }
            .right()
        });
        let personal = osh_core::access::PLUGINS.map(|plugin| {
            PersonalAccess {
                account: a(),
                plugin: plugin.into(),
                add: true,
                target: a(),
                force_key: None,
                ttl: None,
                comment: None,
            }
            .right()
        });
        for r in rights.iter().chain(&reads).chain(&personal) {
            assert!(restricted(r), "{r} is not a restricted plugin");
        }
    }
}
