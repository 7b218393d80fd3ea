//! The JSON API envelope: `{command, error_code, error_message, value}`.
//!
//! Framing is The Bastion's, chosen by `--json`, `--json-pretty` or
//! `--json-greppable` (exported to plugins as `PLUGIN_JSON`). Two details matter to
//! clients that parse it: markers inside the payload are renamed so that a value
//! can never end the block early, and non-ASCII is escaped as `\uXXXX` as Perl's
//! `JSON->ascii` does, so the block is pure ASCII whatever a comment holds.

use serde_json::{Map, Value, json};

use crate::reply::Reply;

/// How (and whether) to print the envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JsonMode {
    /// No JSON.
    #[default]
    Off,
    /// `--json`: `JSON_START`, one compact line, `JSON_END`.
    Default,
    /// `--json-pretty`: the same markers, indented JSON.
    Pretty,
    /// `--json-greppable`: one `JSON_OUTPUT=` line.
    Grep,
}

impl JsonMode {
    /// The `PLUGIN_JSON` value for this mode.
    #[must_use]
    pub fn env_value(self) -> Option<&'static str> {
        match self {
            Self::Off => None,
            Self::Default => Some("DEFAULT"),
            Self::Pretty => Some("PRETTY"),
            Self::Grep => Some("GREP"),
        }
    }

    /// Parse a `PLUGIN_JSON` value.
    #[must_use]
    pub fn from_env_value(v: Option<&str>) -> Self {
        match v {
            Some("DEFAULT") => Self::Default,
            Some("PRETTY") => Self::Pretty,
            Some("GREP") => Self::Grep,
            _ => Self::Off,
        }
    }

    /// The mode of the current process, from `PLUGIN_JSON`.
    #[must_use]
    pub fn from_env() -> Self {
        Self::from_env_value(std::env::var("PLUGIN_JSON").ok().as_deref())
    }
}

/// The 4-key envelope as a JSON value. `command` is `None` for the shell's own errors.
#[must_use]
pub fn envelope(command: Option<&str>, reply: &Reply) -> Value {
    let mut m = Map::new();
    m.insert("command".into(), command.map_or(Value::Null, |c| json!(c)));
    m.insert("error_code".into(), json!(reply.code));
    m.insert("error_message".into(), json!(reply.msg));
    m.insert("value".into(), reply.value.clone());
    Value::Object(m)
}

/// The framed text to print, or `None` in [`JsonMode::Off`].
#[must_use]
pub fn render(mode: JsonMode, command: Option<&str>, reply: &Reply) -> Option<String> {
    let env = envelope(command, reply);
    let text = match mode {
        JsonMode::Off => return None,
        JsonMode::Pretty => serde_json::to_string_pretty(&env),
        _ => serde_json::to_string(&env),
    }
    .unwrap_or_else(|_| {
        r#"{"command":null,"error_code":"ERR_INTERNAL","error_message":"unencodable","value":null}"#
            .into()
    });
    let text = rename_markers(&ascii_only(&text));
    Some(match mode {
        // serde_json never emits raw CR/LF inside compact output, but keep the
        // greppable line a single line whatever changes upstream.
        JsonMode::Grep => format!("\nJSON_OUTPUT={}\n", text.replace(['\r', '\n'], " ")),
        _ => format!("\nJSON_START\n{text}\nJSON_END\n"),
    })
}

fn rename_markers(s: &str) -> String {
    s.replace("JSON_START", "JSON__START")
        .replace("JSON_OUTPUT", "JSON__OUTPUT")
        .replace("JSON_END", "JSON__END")
}

/// Escape every non-ASCII character as `\uXXXX` (UTF-16 surrogates above U+FFFF).
/// Valid because serialized JSON can hold non-ASCII only inside strings.
fn ascii_only(s: &str) -> String {
    if s.is_ascii() {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u16; 2];
            for unit in c.encode_utf16(&mut buf) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

/// Find and decode the envelope in a command's output (how plugins read helpers,
/// and how tests read plugins). Accepts both framings; the last block wins.
#[must_use]
pub fn extract(output: &str) -> Option<Value> {
    if let Some(line) = output
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("JSON_OUTPUT="))
    {
        return serde_json::from_str(line).ok();
    }
    let start = output
        .rfind("\nJSON_START\n")
        .map(|i| i + 1)
        .or_else(|| output.starts_with("JSON_START\n").then_some(0))?;
    let body = &output[start + "JSON_START\n".len()..];
    let end = body.find("\nJSON_END")?;
    serde_json::from_str(&body[..end]).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn keys(v: &Value) -> Vec<String> {
        v.as_object().unwrap().keys().cloned().collect()
    }

    #[test]
    fn exactly_four_keys_in_every_mode() {
        let r = Reply::new(
            crate::Code::KO_NO_HOST,
            "No osh command specified and no host to connect to",
        );
        for mode in [JsonMode::Default, JsonMode::Pretty, JsonMode::Grep] {
            let out = render(mode, None, &r).unwrap();
            let v = extract(&out).unwrap();
            assert_eq!(
                keys(&v),
                ["command", "error_code", "error_message", "value"]
            );
            assert_eq!(v["command"], Value::Null);
            assert_eq!(v["error_code"], "KO_NO_HOST");
        }
        assert!(render(JsonMode::Off, None, &r).is_none());
    }

    #[test]
    fn framing() {
        let r = Reply::ok(json!({"a": 1}));
        assert_eq!(
            render(JsonMode::Default, Some("info"), &r).unwrap(),
            "\nJSON_START\n{\"command\":\"info\",\"error_code\":\"OK\",\"error_message\":\"OK\",\"value\":{\"a\":1}}\nJSON_END\n"
        );
        let g = render(JsonMode::Grep, Some("info"), &r).unwrap();
        assert!(
            g.starts_with("\nJSON_OUTPUT={") && g.ends_with("}\n") && g.matches('\n').count() == 2
        );
        let p = render(JsonMode::Pretty, Some("info"), &r).unwrap();
        assert!(p.contains("\n  \"command\": \"info\""));
    }

    #[test]
    fn markers_inside_values_are_renamed() {
        let r = Reply::ok(json!("x\nJSON_END\nJSON_START JSON_OUTPUT="));
        let out = render(JsonMode::Default, Some("c"), &r).unwrap();
        assert_eq!(out.matches("JSON_END").count(), 1);
        assert_eq!(
            extract(&out).unwrap()["value"],
            "x\nJSON__END\nJSON__START JSON__OUTPUT="
        );
    }

    #[test]
    fn non_ascii_is_escaped() {
        let r = Reply::ok(json!("café 🦀"));
        let out = render(JsonMode::Grep, Some("c"), &r).unwrap();
        assert!(out.is_ascii());
        assert!(out.contains("caf\\u00e9 \\ud83e\\udd80"));
        assert_eq!(extract(&out).unwrap()["value"], "café 🦀");
    }

    proptest! {
        #[test]
        fn any_value_round_trips(s in any::<String>(), mode in 0..3u8) {
            let mode = [JsonMode::Default, JsonMode::Pretty, JsonMode::Grep][mode as usize];
            let r = Reply::ok(json!({"comment": s}));
            let out = render(mode, Some("x"), &r).unwrap();
            prop_assert!(out.is_ascii());
            let back = extract(&out).unwrap();
            let expect = rename_markers(&s);
            prop_assert_eq!(back["value"]["comment"].as_str().unwrap(), expect.as_str());
        }
    }
}
