//! Plugins of the `open` class: any bastion account may run them.
//!
//! Each module holds one plugin's [`osh_core::plugin::Plugin`] description and
//! logic; `src/bin/NAME.rs` is its three-line `main`.
#![forbid(unsafe_code)]

pub mod help;
pub mod info;
pub mod self_add_ingress_key;
pub mod self_del_ingress_key;
pub mod self_list_ingress_keys;
pub mod self_lists;
pub mod self_tools;
