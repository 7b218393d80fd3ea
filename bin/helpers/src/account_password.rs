//! `osh-accountGeneratePassword` (as root): a new egress password for an
//! account, stored in its home as its own (0440, [`osh_core::password`]).

use osh_core::helper::Caller;
use osh_core::requests::AccountPassword;
use osh_core::{Reply, Result, events, json};

/// The helper's logic (the caller's grant is already checked).
pub fn run(caller: &Caller, req: AccountPassword) -> Result<Reply> {
    let acct = crate::target_account(caller, &req.account, "generate a password for")?;
    let hashes = osh_core::password::generate(
        &osh_core::password::base(&acct.home, &acct.name),
        req.size,
        (acct.uid, acct.gid),
        &caller.name,
    )?;
    crate::log(
        &caller.config,
        events::Security {
            kind: "account-password-generate",
            account: &acct.name,
            plugin: "accountGeneratePassword",
            params: &format!("size={}", req.size),
            ..Default::default()
        },
    );
    Ok(Reply::new(
        osh_core::Code::OK,
        format!("A new egress password was generated for {}", acct.name),
    )
    .with_value(json!({"account": acct.name, "hashes": hashes})))
}
