//! Plugins about an account's own things: its ingress keys, its accesses and
//! egress keys, its known hosts, its sessions.
//!
//! Each module holds plugins' [`osh_core::plugin::Plugin`] declarations and
//! their logic; [`PLUGINS`] lists them for the catalogue.
#![forbid(unsafe_code)]

pub mod export;
pub mod personal_access;
pub mod self_add_ingress_key;
pub mod self_del_ingress_key;
pub mod self_list_ingress_keys;
pub mod self_lists;
pub mod self_passwords;
pub mod self_tools;
pub mod sessions;

use osh_core::plugin::Plugin;

/// The plugins of this crate.
pub const PLUGINS: &[Plugin] = &[
    self_add_ingress_key::PLUGIN,
    self_del_ingress_key::PLUGIN,
    self_list_ingress_keys::PLUGIN,
    self_lists::ACCESSES,
    self_lists::EGRESS_KEYS,
    self_tools::GENERATE,
    self_tools::FORGET,
    self_tools::LOCK,
    self_tools::UNLOCK,
    personal_access::SELF_ADD,
    personal_access::SELF_DEL,
    sessions::LIST,
    sessions::PLAY,
    export::EXPORT,
    self_passwords::GENERATE,
    self_passwords::LIST,
];
