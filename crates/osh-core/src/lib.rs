//! osh's shared core.
//!
//! Owns what every osh binary agrees on: the configuration, accounts and their
//! state checks, the JSON envelope and exit codes, the Getopt-compatible option
//! parser, the helper protocol and the plugin runtime. It never exits the process
//! itself except through the `main` functions of [`plugin`] and [`helper`], which
//! are the whole body of those binaries.

#![deny(missing_docs)]

pub mod access;
pub mod account;
mod code;
pub mod config;
pub mod envelope;
pub mod events;
pub mod exit;
pub mod export;
pub mod fsx;
pub mod getopt;
pub mod group;
pub mod helper;
pub mod keys;
pub mod logging;
pub mod password;
pub mod paths;
pub mod plugin;
pub mod reach;
pub mod recording;
pub mod render;
pub mod reply;
pub mod requests;
pub mod sessions;
pub mod sys;
pub mod time;
pub mod ui;
pub mod unix;

pub use code::Code;
pub use osh_log as log;
pub use osh_passwd as passwd;
pub use osh_sshkey as sshkey;
pub use reply::{Reply, Result};
pub use serde_json;
pub use serde_json::{Value, json};
