//! `osh-sessions-gen DIR ACCOUNT ROWS MONTHS`: fill an account's monthly
//! session databases (and, with `--global DIR`, the global ones) with ROWS
//! plausible sessions spread over the last MONTHS months, as osh would have
//! written them: the data of the listing benchmark (doc/benchmarks.md).
//! The files are created with osh's own schema code; run it as the owner.

use osh_sqllog::Kind;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(dir), Some(account), Some(rows), Some(months)) = (
        args.first(),
        args.get(1),
        args.get(2).and_then(|r| r.parse::<u64>().ok()),
        args.get(3).and_then(|m| m.parse::<u64>().ok()),
    ) else {
        eprintln!("usage: osh-sessions-gen DIR ACCOUNT ROWS MONTHS [--global DIR]");
        std::process::exit(2);
    };
    let global = args
        .iter()
        .position(|a| a == "--global")
        .and_then(|i| args.get(i + 1));
    let now = osh_core::log::now();
    let per_month = rows / months.max(1);
    for m in 0..months {
        let month_start = now
            .first_of_month()
            .and_then(|d| d.checked_sub(jiff::Span::new().months(i64::try_from(m).unwrap_or(0))))
            .expect("a month");
        let tag = month_start.strftime("%Y%m").to_string();
        let path = osh_sqllog::path(std::path::Path::new(dir), account, &tag);
        let db = osh_sqllog::open(&path, Kind::Account, true, osh_sqllog::BUSY).expect("open");
        let gdb = global.map(|g| {
            osh_sqllog::open(
                &osh_sqllog::path(std::path::Path::new(g), "global", &tag),
                Kind::Global,
                true,
                osh_sqllog::BUSY,
            )
            .expect("open global")
        });
        let start = month_start.timestamp().as_second();
        let tx = db.unchecked_transaction().expect("tx");
        let gtx = gdb.as_ref().map(|g| g.unchecked_transaction().expect("tx"));
        {
            let mut ins = tx
                .prepare(
                    "INSERT INTO connections (uniqid, timestamp, timestampusec, account, cmdtype, allowed,
                        hostfrom, ipfrom, portfrom, bastionip, bastionport, hostto, ipto, portto, user,
                        plugin, ttyrecfile, params, timestampend, timestampendusec, returnvalue, comment)
                     VALUES (?1, ?2, 0, ?3, ?4, ?5, 'client', '192.0.2.1', 50000, '192.0.2.2', 22,
                        ?6, ?6, 22, ?7, ?8, NULL, ?9, ?10, 0, ?11, NULL)",
                )
                .expect("prepare");
            let mut gins = gtx.as_ref().map(|g| {
                g.prepare(
                    "INSERT INTO connections_summary (uniqid, timestamp, account, cmdtype, allowed, ipfrom, ipto, portto, user, plugin)
                     VALUES (?1, ?2, ?3, ?4, ?5, '192.0.2.1', ?6, 22, ?7, ?8)",
                )
                .expect("prepare")
            });
            for i in 0..per_month {
                let ts = start + i64::try_from(i * 2_500_000 / per_month.max(1)).unwrap_or(0);
                let id = format!("{:012x}", (m << 40) | i);
                let (kind, plugin, user) = match i % 10 {
                    0..=5 => ("ssh", None, Some("root")),
                    6..=8 => ("osh", Some("selfListAccesses"), None),
                    _ => ("abort", None, None),
                };
                let allowed = if i % 17 == 0 { 0 } else { 1 };
                let host = (kind == "ssh").then(|| format!("10.0.{}.{}", i % 200, i % 250));
                ins.execute(rusqlite::params![
                    id,
                    ts,
                    account,
                    kind,
                    allowed,
                    host,
                    user,
                    plugin,
                    (kind == "osh").then_some("--json"),
                    ts + 30,
                    0
                ])
                .expect("insert");
                if let Some(g) = gins.as_mut() {
                    g.execute(rusqlite::params![
                        id, ts, account, kind, allowed, host, user, plugin
                    ])
                    .expect("insert global");
                }
            }
        }
        tx.commit().expect("commit");
        if let Some(g) = gtx {
            g.commit().expect("commit global");
        }
        // As osh's own writers leave them: a small write-ahead log.
        db.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .expect("checkpoint");
        if let Some(g) = &gdb {
            g.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
                .expect("checkpoint");
        }
        eprintln!("{}: {per_month} sessions", path.display());
    }
}
