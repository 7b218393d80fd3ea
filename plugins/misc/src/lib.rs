//! Plugins about the bastion itself.
//!
//! Each module holds a plugin's [`osh_core::plugin::Plugin`] declaration and
//! its logic; [`PLUGINS`] lists them for the catalogue.
#![forbid(unsafe_code)]

pub mod batch;
pub mod help;
pub mod info;

use osh_core::plugin::Plugin;

/// The plugins of this crate.
pub const PLUGINS: &[Plugin] = &[batch::PLUGIN, help::PLUGIN, info::PLUGIN];
