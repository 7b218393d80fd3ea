//! What osh hands to osh-connect across the `exec`: the `open` event that
//! `close` repeats, where to log, and how to report a failure. It travels in
//! an anonymous file (`--plan-fd`), never on the command line, which every
//! user on the host can read.

use std::path::PathBuf;

use osh_core::logging::AccessLogs;
use osh_log::Event;
use serde_json::{Value, json};

/// Where the `close` event goes, from the configuration osh loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Syslog {
    /// `syslogFacility`.
    pub facility: String,
    /// `syslogDescription`, the tag.
    pub tag: String,
}

/// Everything osh-connect needs to finish a session osh started.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The session's `open` event, which `close` repeats.
    pub open: Event,
    /// `None` when `enableSyslog` is off.
    pub syslog: Option<Syslog>,
    /// The flat access logs `open` went to, where `close` goes too.
    pub access_logs: AccessLogs,
    /// The JSON mode (`PLUGIN_JSON`'s value), if any: JSON callers get an
    /// envelope even when the session could not give one.
    pub json: Option<String>,
    /// How long osh ran before the `exec`, for `duration`.
    pub elapsed_ms: u64,
    /// An egress session: classify ssh's failures and print guidance.
    pub egress: bool,
    /// `--quiet`: no guidance.
    pub quiet: bool,
    /// The start of the message if the recorder cannot be started (the OS
    /// error follows it).
    pub spawn_failed: String,
    /// What osh would print on stdout for that error (the JSON envelope, in
    /// JSON mode).
    pub spawn_failed_stdout: String,
}

impl Plan {
    /// The plan as JSON.
    #[must_use]
    pub fn to_json(&self) -> String {
        let fields: Vec<Value> = self
            .open
            .fields()
            .iter()
            .map(|(k, v)| json!([k, v]))
            .collect();
        json!({
            "open": fields,
            "syslog": self.syslog.as_ref().map(|s| json!({
                "facility": s.facility, "tag": s.tag,
            })),
            "global_log": self.access_logs.global,
            "account_log": self.access_logs.account.as_ref().map(|(h, n)| json!([h, n])),
            "global_sql": self.access_logs.global_sql,
            "account_sql": self.access_logs.account_sql.as_ref().map(|(h, n)| json!([h, n])),
            "json": self.json,
            "elapsed_ms": self.elapsed_ms,
            "egress": self.egress,
            "quiet": self.quiet,
            "spawn_failed": self.spawn_failed,
            "spawn_failed_stdout": self.spawn_failed_stdout,
        })
        .to_string()
    }

    /// A plan from [`Plan::to_json`]'s text.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| format!("bad plan: {e}"))?;
        let s = |key: &str| v[key].as_str().unwrap_or_default().to_owned();
        let mut open = Event::new("open");
        for pair in v["open"].as_array().ok_or("bad plan: no open event")? {
            match (pair[0].as_str(), pair[1].as_str()) {
                (Some(k), Some(val)) => open.push(k, val),
                _ => return Err("bad plan: an open field is not a pair of strings".into()),
            }
        }
        let syslog = v["syslog"].as_object().map(|o| {
            let f = |key: &str| {
                o.get(key)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            Syslog {
                facility: f("facility"),
                tag: f("tag"),
            }
        });
        let pair = |key: &str| -> Result<Option<(PathBuf, String)>, String> {
            match &v[key] {
                Value::Null => Ok(None),
                a => Ok(Some((
                    PathBuf::from(a[0].as_str().ok_or(format!("bad plan: {key}"))?),
                    a[1].as_str().ok_or(format!("bad plan: {key}"))?.to_owned(),
                ))),
            }
        };
        Ok(Self {
            open,
            syslog,
            access_logs: AccessLogs {
                global: v["global_log"].as_bool().unwrap_or(false),
                account: pair("account_log")?,
                global_sql: v["global_sql"].as_bool().unwrap_or(false),
                account_sql: pair("account_sql")?,
            },
            json: v["json"].as_str().map(str::to_owned),
            elapsed_ms: v["elapsed_ms"].as_u64().unwrap_or(0),
            egress: v["egress"].as_bool().unwrap_or(false),
            quiet: v["quiet"].as_bool().unwrap_or(false),
            spawn_failed: s("spawn_failed"),
            spawn_failed_stdout: s("spawn_failed_stdout"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_every_byte_and_the_order() {
        let open = Event::new("open")
            .field("uniqid", "0123456789ab")
            .field("params", "a \"quoted\"\nline\\ and é \u{7f}")
            .field("comment", "");
        let plan = Plan {
            open,
            syslog: Some(Syslog {
                facility: "local7".into(),
                tag: "bastion".into(),
            }),
            access_logs: AccessLogs {
                global: true,
                account: Some(("/home/bob".into(), "bob".into())),
                global_sql: true,
                account_sql: Some(("/home/bob".into(), "bob".into())),
            },
            json: Some("GREP".into()),
            elapsed_ms: 42,
            egress: true,
            quiet: false,
            spawn_failed: "Couldn't start the session recorder: ".into(),
            spawn_failed_stdout: "JSON_START\n{}\nJSON_END\n".into(),
        };
        assert_eq!(Plan::from_json(&plan.to_json()), Ok(plan));
    }

    #[test]
    fn refuses_a_damaged_plan() {
        assert!(Plan::from_json("").is_err());
        assert!(Plan::from_json(r#"{"open":[["a"]]}"#).is_err());
        assert!(Plan::from_json(r#"{"syslog":null}"#).is_err());
    }
}
