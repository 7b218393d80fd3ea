//! Plugins of the `restricted` class: an account runs them only when granted
//! (member of the Unix group `osh-NAME`). They do their privileged steps through
//! helpers, which check the grant again.
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
pub mod personal_access;
