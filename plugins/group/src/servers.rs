//! A group's servers list: `groupAddServer`, `groupDelServer`,
//! `groupSetServers` (aclkeepers) and `groupListServers` (members,
//! aclkeepers, auditors).

use osh_acl::Entry;
use osh_core::getopt::{Kind, Opt, opt};
use osh_core::group::{self, Role};
use osh_core::plugin::{Class, Ctx, Plugin};
use osh_core::render::RowFilter;
use osh_core::requests::{GroupAccess, GroupSetServers, ServerLine};
use osh_core::{Reply, Result, access, json};

/// `groupAddServer`.
pub const ADD: Plugin = Plugin {
    name: "groupAddServer",
    class: Class::GroupAclkeeper,
    summary: "add a server to a group",
    title: "adding a server to a group",
    help: "Usage: --osh groupAddServer --group GROUP --host HOST|NET <--user USER|--user-any> <--port PORT|--port-any> [OPTIONS]\n\
           \x20 --force              don't test the connection with the group's key first\n\
           \x20 --force-key FP       only the group key of this fingerprint is used for this server\n\
           \x20 --ttl DURATION       the access goes away after this long (e.g. 2d, 3h30m)\n\
           \x20 --comment '\"TEXT\"'   a comment kept with the line\n",
    run: add,
};

/// `groupDelServer`.
pub const DEL: Plugin = Plugin {
    name: "groupDelServer",
    class: Class::GroupAclkeeper,
    summary: "remove a server from a group",
    title: "removing a server from a group",
    help: "Usage: --osh groupDelServer --group GROUP --host HOST|NET <--user USER|--user-any> <--port PORT|--port-any>\n",
    run: del,
};

/// `groupSetServers`.
pub const SET: Plugin = Plugin {
    name: "groupSetServers",
    class: Class::GroupAclkeeper,
    summary: "replace a group's servers list with the one on standard input",
    title: "replace a group's servers list",
    help: "Usage: --osh groupSetServers --group GROUP [--dry-run] [--skip-errors] < LIST\n\
           \x20 LIST has one server per line: [USER@]HOST[:PORT][ COMMENT]\n\
           \x20 --dry-run       check and show the new list, change nothing\n\
           \x20 --skip-errors   set the lines that are valid even if some are not\n",
    run: set,
};

/// `groupListServers`.
pub const LIST: Plugin = Plugin {
    name: "groupListServers",
    class: Class::Open,
    summary: "list the servers of a group",
    title: "list of servers pertaining to the group",
    help: "Usage: --osh groupListServers --group GROUP [--include PATTERN] [--exclude PATTERN]\n\
           \x20 PATTERN may use * and ?; without them, a row containing it matches.\n\
           \x20 For members, aclkeepers and auditors.\n",
    run: list,
};

const ACCESS_SPEC: &[Opt] = &[
    opt("group", Kind::Str),
    opt("user-any", Kind::Flag),
    opt("port-any", Kind::Flag),
    opt("force", Kind::Flag),
    opt("force-key", Kind::Str),
    opt("force-password", Kind::Str),
    opt("ttl", Kind::Str),
    opt("comment", Kind::Str),
];

/// Add or remove one line, of a group's list (`guest` None) or of a
/// guest's: the shared body of the server and guest plugins.
pub(crate) fn change(ctx: &mut Ctx, add: bool, guest: bool) -> Result<Reply> {
    let mut spec = ACCESS_SPEC.to_vec();
    spec.push(opt("account", Kind::Str));
    let p = ctx.options(&spec)?;
    let g = crate::group_opt(&p)?;
    let account = if guest {
        Some(osh_core::plugin::account_name(&p, "account")?.to_owned())
    } else {
        None
    };
    crate::require(
        ctx,
        &g,
        if guest {
            Role::Gatekeeper
        } else {
            Role::Aclkeeper
        },
    )?;
    let (host, target) = access::asked_target(ctx, &p)?;
    if p.str("force-password").is_some() {
        if p.str("force-key").is_some() {
            return Err(Reply::new(
                osh_core::Code::ERR_INCOMPATIBLE_PARAMETERS,
                "--force-key and --force-password exclude each other",
            ));
        }
        return Err(Reply::new(
            osh_core::Code::ERR_NOT_SUPPORTED,
            "Egress passwords (--force-password) are not supported by osh yet",
        ));
    }
    let force_key = p.str("force-key").filter(|_| add);
    if let Some(f) = force_key
        && !access::valid_fingerprint(f)
    {
        return Err(Reply::invalid("--force-key takes a SHA256:... fingerprint"));
    }
    let ttl = p
        .str("ttl")
        .filter(|_| add)
        .map(osh_core::time::parse_ttl)
        .transpose()?
        .map(|t| i64::try_from(t).unwrap_or(i64::MAX));
    if add && !guest {
        if p.flag("force") {
            ctx.out.info(
                "Forcing add as asked, we didn't test the SSH connection, maybe it won't work!",
            );
        } else {
            // With the group's keys, which the OS lets only its members read:
            // for an aclkeeper who is not one, the test says it can't be made.
            access::test_connection(ctx, &ctx.account.name, &target, group::keys(&g), force_key)?;
        }
    }
    let comment = p.str("comment").map(str::to_owned).or_else(|| {
        (!access::is_literal(&host)).then(|| format!("hostname={}", osh_core::ui::clean(&host)))
    });
    let r = ctx.helper(&GroupAccess {
        group: g,
        guest: account,
        add,
        target: target.target(),
        force_key: force_key.map(str::to_owned),
        ttl,
        comment: comment.filter(|_| add),
    })?;
    ctx.out.info(&r.msg);
    if r.code == "OK_NO_CHANGE" {
        return Ok(Reply::new(osh_core::Code::OK_NO_CHANGE, r.msg));
    }
    Ok(r)
}

fn add(ctx: &mut Ctx) -> Result<Reply> {
    change(ctx, true, false)
}

fn del(ctx: &mut Ctx) -> Result<Reply> {
    change(ctx, false, false)
}

/// One line of a servers list: `[USER@]HOST[:PORT][ COMMENT]`, the host
/// resolved; a network must be written as its network address.
fn parse_line(line: &str) -> std::result::Result<(Entry, Option<String>), String> {
    let line = line.trim();
    let (spec, comment) = match line.split_once(char::is_whitespace) {
        Some((s, c)) => (s, Some(c.trim().to_owned()).filter(|c| !c.is_empty())),
        None => (line, None),
    };
    let (user, rest) = match spec.rsplit_once('@') {
        Some((u, r)) => (Some(u), r),
        None => (None, spec),
    };
    let (host, port) = match rest.strip_prefix('[') {
        Some(inner) => match inner.split_once(']') {
            Some((h, "")) => (h, None),
            Some((h, p)) => (h, p.strip_prefix(':')),
            None => return Err(format!("'{spec}': unclosed '['")),
        },
        None if rest.matches(':').count() == 1 => {
            let (h, p) = rest.split_once(':').unwrap_or((rest, ""));
            (h, Some(p))
        }
        None => (rest, None),
    };
    let port = port
        .map(|p| {
            p.parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| format!("'{spec}': invalid port"))
        })
        .transpose()?;
    if let Ok(net) = host.parse::<ipnet::IpNet>()
        && net.trunc() != net
    {
        return Err(format!(
            "'{spec}': {net} is not a network address (did you mean {}?)",
            net.trunc()
        ));
    }
    let e = access::target(host, None, port).map_err(|r| r.msg)?;
    let with_user = Entry::new(user, e.net, e.port);
    // The whole line again through the ACL grammar: the user is checked there.
    let e = Entry::parse_target(&with_user.target()).map_err(|e| e.0)?;
    Ok((e, comment))
}

fn set(ctx: &mut Ctx) -> Result<Reply> {
    let p = ctx.options(&[
        opt("group", Kind::Str),
        opt("dry-run", Kind::Flag),
        opt("skip-errors", Kind::Flag),
    ])?;
    let g = crate::group_opt(&p)?;
    crate::require(ctx, &g, Role::Aclkeeper)?;
    let dry_run = p.flag("dry-run");
    // Bounded so that the whole list always reaches the helper: a list cut
    // short would silently drop servers.
    const MAX: u64 = 512 * 1024;
    let text = ctx.stdin(MAX + 1)?;
    if text.len() as u64 > MAX {
        return Err(Reply::invalid(format!(
            "The list is longer than {} KiB: nothing was changed (set a shorter list, or add the rest with groupAddServer)",
            MAX / 1024
        )));
    }
    let mut errors = Vec::new();
    let mut lines = Vec::new();
    let mut parsed = 0;
    for (n, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() || raw.trim_start().starts_with('#') {
            continue;
        }
        parsed += 1;
        match parse_line(raw) {
            Ok(l) => lines.push(l),
            Err(e) => {
                ctx.out
                    .info(&format!("Line {}: {}", n + 1, osh_core::ui::clean(&e)));
                errors.push(json!({"line": n + 1, "error": e}));
            }
        }
    }
    let acl: Vec<_> = lines
        .iter()
        .map(|(e, c)| {
            let mut v = access::entry_value(e);
            v["comment"] = json!(c);
            v
        })
        .collect();
    let value = json!({
        "parsedLines": parsed,
        "errors": errors,
        "dryrun": dry_run,
        "ACL": acl,
    });
    if !errors.is_empty() && !p.flag("skip-errors") {
        return Err(Reply::invalid(format!(
            "{} line(s) of {parsed} are invalid, nothing was changed (--skip-errors sets the valid ones)",
            errors.len()
        ))
        .with_value(value));
    }
    if dry_run {
        ctx.out.info(&format!(
            "Dry run: the servers list of group {g} would have {} entries",
            lines.len()
        ));
        return Ok(Reply::ok(value));
    }
    let r = ctx.helper(&GroupSetServers {
        group: g,
        servers: lines
            .iter()
            .map(|(e, c)| ServerLine {
                target: e.target(),
                comment: c.clone(),
            })
            .collect(),
    })?;
    ctx.out.info(&r.msg);
    Ok(Reply::new(osh_core::Code::OK, r.msg).with_value(value))
}

/// The listing filter of `--include`/`--exclude`.
pub(crate) const FILTER_SPEC: [Opt; 2] =
    [opt("include", Kind::StrList), opt("exclude", Kind::StrList)];

pub(crate) fn filter(p: &osh_core::getopt::Parsed) -> RowFilter {
    RowFilter {
        include: p.list("include").to_vec(),
        exclude: p.list("exclude").to_vec(),
    }
}

fn list(ctx: &mut Ctx) -> Result<Reply> {
    let mut spec = vec![opt("group", Kind::Str), opt("reverse-dns", Kind::Flag)];
    spec.extend(FILTER_SPEC);
    let p = ctx.options(&spec)?;
    let g = crate::group_opt(&p)?;
    if !(group::is_member(&ctx.account.name, &ctx.groups, &g)
        || crate::holds(ctx, &g, Role::Aclkeeper)
        || ctx.is_auditor())
    {
        return Err(Reply::new(
            osh_core::Code::KO_ACCESS_DENIED,
            format!(
                "Sorry, you're neither a member or aclkeeper of group {g}, you can't list the servers of this group.\n\
                 If you think you should be able to, use groupInfo to get contact info."
            ),
        ));
    }
    let servers = group::servers(&g);
    let label = format!("{g}(group)");
    let rows: Vec<(String, &Entry)> = servers.iter().map(|e| (label.clone(), e)).collect();
    let (text, value) = osh_core::render::acl_table(&rows, &filter(&p));
    if value.is_empty() && p.list("include").is_empty() && p.list("exclude").is_empty() {
        ctx.out.info("This group is empty, if you are an aclkeeper of this group, you might want to add servers to it with groupAddServer");
        return Ok(Reply::new(
            osh_core::Code::OK_EMPTY,
            "This group has no servers",
        ));
    }
    ctx.out.info(&text);
    Ok(Reply::ok(json!(value)))
}

#[cfg(test)]
mod tests {
    use super::parse_line;

    #[test]
    fn lines_of_a_servers_list() {
        let (e, c) = parse_line("user@127.0.0.1:1234 comment with spaces").unwrap();
        assert_eq!(e.target(), "user@127.0.0.1:1234");
        assert_eq!(c.as_deref(), Some("comment with spaces"));
        assert_eq!(
            parse_line("0.0.0.0/4:42").unwrap().0.target(),
            "0.0.0.0/4:42"
        );
        assert_eq!(
            parse_line("ar@base@192.0.2.1").unwrap().0.user.as_deref(),
            Some("ar@base")
        );
        for bad in [
            "inva{}lid@127.0.0.1",
            "0.0.0.0:77777",
            "203.0.113.4/4:42",
            "-oProxyCommand=x",
            "badport:99999",
        ] {
            assert!(parse_line(bad).is_err(), "{bad}");
        }
    }
}
