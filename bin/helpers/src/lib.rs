//! osh's privileged helpers.
//!
//! Each helper is a binary `osh-NAME` whose `main` is one call to
//! [`osh_core::helper::main`] with a function of this crate. They run through
//! sudo, as root or as a keeper user (`allowkeeper`, `keyreader`), and never
//! trust the plugin that called them: the caller comes from `SUDO_USER`, and
//! every right and argument is checked again here.

#![forbid(unsafe_code)]

pub mod account_create;
pub mod account_delete;
pub mod account_freeze;
pub mod account_grant;
pub mod account_modify;
pub mod account_password;
pub mod account_read;
pub mod account_sessions;
pub mod account_unexpire;
pub mod asset_forget_host_key;
pub mod group_access;
pub mod group_create;
pub mod group_key;
pub mod group_role;
pub mod personal_access;
pub mod root_keys;
mod sys;

use osh_core::account::{self, Account};
use osh_core::helper::Caller;
use osh_core::log::Event;
use osh_core::{Result, logging};

/// The account a helper is about to change: an existing bastion account,
/// and one the caller may act on ([`osh_core::helper::Caller::may_act_on`]).
/// Every helper that changes an account takes its target through here.
pub(crate) fn target_account(caller: &Caller, name: &str, verb: &str) -> Result<Account> {
    let acct = account::bastion_account(name)?;
    caller.may_act_on(&acct, verb)?;
    Ok(acct)
}

/// An event a helper logs: one of [`osh_core::events`]'s builders.
pub(crate) trait HelperEvent {
    /// The event, with the uniqid of the plugin call that ran the helper.
    fn build(&self, uniqid: &str) -> Event;
}

macro_rules! helper_events {
    ($($t:ident),*) => {$(
        impl HelperEvent for osh_core::events::$t<'_> {
            fn build(&self, uniqid: &str) -> Event {
                self.event(uniqid)
            }
        }
    )*};
}
helper_events!(Acl, Account, Security, Membership, Group);

/// Log an event of a helper (account, acl, security) with the common prefix.
pub(crate) fn log(config: &osh_core::config::Config, event: impl HelperEvent) {
    let mut logger = logging::logger(config);
    logger.log(&event.build(&logging::uniqid()));
}
