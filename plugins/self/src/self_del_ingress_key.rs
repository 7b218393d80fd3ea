//! `selfDelIngressKey`: remove one of the caller's ingress keys, by id or fingerprint.

use osh_core::getopt::{Kind, Opt, opt};
use osh_core::plugin::{Class, Ctx, Plugin};
use osh_core::sshkey::PublicKey;
use std::os::unix::fs::PermissionsExt as _;

use osh_core::fsx::{self, At as _};
use osh_core::{Reply, Result, json, paths};

/// The plugin.
pub const PLUGIN: Plugin = Plugin {
    name: "selfDelIngressKey",
    class: Class::Open,
    summary: "remove one of your ingress keys",
    title: "delete an ingress public key from your account",
    help: "Usage: --osh selfDelIngressKey [--id-to-delete ID] [--fingerprint-to-delete FINGERPRINT]\n  \
           Remove one of your ingress keys (see selfListIngressKeys for ids). The last key can't be removed.\n  \
           (-l is osh's own option, the remote user, as in The Bastion: write --id-to-delete.)\n",
    run,
};

const SPEC: &[Opt] = &[
    opt("id-to-delete|l", Kind::Int),
    opt("fingerprint-to-delete|f", Kind::Str),
];

fn run(ctx: &mut Ctx) -> Result<Reply> {
    let p = ctx.options(SPEC)?;
    if p.int("id-to-delete").is_none() && p.str("fingerprint-to-delete").is_none() {
        // `-l 2` was taken by osh as the remote user, as The Bastion does.
        let hint = if ctx
            .user
            .as_deref()
            .is_some_and(|u| u.bytes().all(|b| b.is_ascii_digit()))
        {
            " (-l is osh's remote-user option: write --id-to-delete)"
        } else {
            ""
        };
        return Err(Reply::missing(format!(
            "Specify the key with --id-to-delete or --fingerprint-to-delete{hint}"
        )));
    }
    let path = ctx.account.home.join(paths::AUTHORIZED_KEYS);
    let _lock = osh_core::keys::lock_authorized(&ctx.account.home)?;
    let text = std::fs::read_to_string(&path).at(&path)?;
    // Key lines with their position in the file, so comments and unknown lines survive.
    let parsed: Vec<(usize, PublicKey)> = text
        .lines()
        .enumerate()
        .filter_map(|(i, l)| PublicKey::parse(l).ok().map(|k| (i, k)))
        .collect();
    if parsed.is_empty() {
        return Err(Reply::new(
            osh_core::Code::ERR_NO_KEY,
            "You have no key to delete (wait, how did you connect in the first place?!)",
        ));
    }
    if parsed.len() == 1 {
        return Err(Reply::new(
            osh_core::Code::ERR_ONLY_ONE_KEY,
            "You can't delete the only valid key you have!",
        ));
    }
    let index = match (p.int("id-to-delete"), p.str("fingerprint-to-delete")) {
        (Some(_), Some(_)) => {
            return Err(Reply::new(
                osh_core::Code::ERR_INCOMPATIBLE_PARAMETERS,
                "Use either --id-to-delete or --fingerprint-to-delete",
            ));
        }
        // Refused above, with the hint.
        (None, None) => return Err(Reply::missing("Specify the key to delete")),
        (Some(id), None) => {
            let i = usize::try_from(id)
                .ok()
                .filter(|i| (1..=parsed.len()).contains(i));
            i.ok_or_else(|| Reply::new(osh_core::Code::ERR_INVALID_ID, "Bad key ID"))? - 1
        }
        (None, Some(fp)) => parsed
            .iter()
            .position(|(_, k)| k.fingerprint == fp)
            .ok_or_else(|| {
                Reply::new(
                    osh_core::Code::ERR_NO_MATCH,
                    "Couldn't find any key matching this fingerprint",
                )
            })?,
    };
    let (line_no, deleted) = &parsed[index];
    let mut kept: String = text
        .lines()
        .enumerate()
        .filter(|(i, _)| i != line_no)
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    if kept.is_empty() {
        kept.push('\n');
    }
    // Replaced whole, synced, with its mode: the file that decides who logs in.
    let mode = std::fs::metadata(&path).at(&path)?.permissions().mode() & 0o7777;
    fsx::write_atomic(&path, kept.as_bytes(), None, mode)?;
    let mut v = json!(deleted);
    v["err"] = json!("OK");
    ctx.out.info(&format!(
        "Key ID {} ({}) successfully deleted",
        index + 1,
        deleted.fingerprint
    ));
    Ok(Reply::new(
        osh_core::Code::OK,
        format!("Key ID {} successfully deleted", index + 1),
    )
    .with_value(json!({"deleted_key": v})))
}
