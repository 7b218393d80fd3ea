//! osh's cron tools, as library functions behind thin binaries.
//!
//! Each tool is one module with an options struct and a `run` that returns a
//! summary; the binaries parse the command line (clap), load the tool's
//! config file (The Bastion's names and keys) and print. What they share
//! lives once here: [`tool`] (config files, the single-instance lock, the log
//! lines to stdout / syslog `local6` / a log file, the progress bar, the
//! error type), [`live`] (which recorders run and which files they hold,
//! read from `/proc`, no lsof) and [`layers`] (GPG and age encryption, one
//! layer at a time, with the real binaries).

pub mod backup;
pub mod encrypt;
pub mod layers;
pub mod live;
pub mod reap;
pub mod rotate;
pub mod tool;

pub use tool::{Error, Result};
