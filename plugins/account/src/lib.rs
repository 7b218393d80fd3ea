//! Plugins that manage accounts. They are restricted: each is granted on its
//! own (membership of `osh-NAME`), and what they change is done by a helper
//! that checks the grant, and the target, again.
//!
//! Each module holds plugins' [`osh_core::plugin::Plugin`] declarations and
//! their logic; [`PLUGINS`] lists them for the catalogue.
#![forbid(unsafe_code)]

pub mod account_create;
pub mod account_delete;
pub mod account_freeze;
pub mod account_grant;
pub mod account_info;
pub mod account_list;
pub mod account_list_ingress_keys;
pub mod account_lists;
pub mod account_modify;
pub mod account_passwords;
pub mod account_sessions;
pub mod account_unexpire;
pub mod asset_forget_host_key;
pub mod personal_access;
pub mod root_keys;

use osh_core::plugin::Plugin;

/// The plugins of this crate.
pub const PLUGINS: &[Plugin] = &[
    account_create::PLUGIN,
    account_delete::PLUGIN,
    account_freeze::FREEZE,
    account_freeze::UNFREEZE,
    account_grant::GRANT,
    account_grant::REVOKE,
    account_info::PLUGIN,
    account_list::PLUGIN,
    account_list_ingress_keys::PLUGIN,
    account_lists::ACCESSES,
    account_lists::EGRESS_KEYS,
    account_modify::PLUGIN,
    account_passwords::GENERATE,
    account_passwords::LIST,
    account_sessions::LIST,
    account_sessions::PLAY,
    account_sessions::EXPORT,
    account_unexpire::UNEXPIRE,
    account_unexpire::UNLOCK,
    asset_forget_host_key::PLUGIN,
    root_keys::PLUGIN,
    personal_access::ACCOUNT_ADD,
    personal_access::ACCOUNT_DEL,
];
