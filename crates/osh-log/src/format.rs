//! The `TYPE key="value"` line format.
//!
//! Escaping order matters and is The Bastion's: backslash first, then the double
//! quote, then every control byte (0x00-0x1f, 0x7f) as `\xNN` in lowercase hex.
//! Doing the backslash first is what makes the transformation reversible: after
//! it, every `\` in the output starts an escape we wrote. Bytes >= 0x80 (UTF-8)
//! are left as they are, as upstream does.

use std::fmt::Write as _;

/// One log event: a type (`open`, `close`, `code-warning`, ...) and ordered fields.
///
/// Field order is part of the contract (log parsers and the upstream tests read
/// lines positionally), so fields are kept in insertion order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    kind: String,
    fields: Vec<(String, String)>,
}

impl Event {
    /// A new event of type `kind`, with no fields.
    #[must_use]
    pub fn new(kind: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            fields: Vec::new(),
        }
    }

    /// Append a field. Keys are fixed identifiers chosen by the code, never user input.
    #[must_use]
    pub fn field(mut self, key: &str, value: impl AsRef<str>) -> Self {
        self.push(key, value);
        self
    }

    /// Append a field in place.
    pub fn push(&mut self, key: &str, value: impl AsRef<str>) {
        debug_assert!(
            key.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'),
            "log keys are identifiers: {key}"
        );
        self.fields
            .push((key.to_owned(), value.as_ref().to_owned()));
    }

    /// Replace the value of an existing field, or append it.
    pub fn set(&mut self, key: &str, value: impl AsRef<str>) {
        if let Some(slot) = self.fields.iter_mut().find(|(k, _)| k == key) {
            value.as_ref().clone_into(&mut slot.1);
        } else {
            self.push(key, value);
        }
    }

    /// The event type.
    #[must_use]
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The event with a different type, same fields (a `close` repeats its `open`).
    #[must_use]
    pub fn with_kind(&self, kind: &str) -> Self {
        Self {
            kind: kind.to_owned(),
            fields: self.fields.clone(),
        }
    }

    /// The value of a field, if present.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The fields, in order.
    #[must_use]
    pub fn fields(&self) -> &[(String, String)] {
        &self.fields
    }

    /// The line: `kind key="value" key="value" ...`.
    #[must_use]
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(64 + self.fields.len() * 24);
        out.push_str(&self.kind);
        for (k, v) in &self.fields {
            out.push(' ');
            out.push_str(k);
            out.push_str("=\"");
            escape_into(&mut out, v);
            out.push('"');
        }
        out
    }
}

fn escape_into(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
}

/// Escape one value as it appears between the quotes of a log field.
#[must_use]
pub fn escape_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    escape_into(&mut out, value);
    out
}

/// Reverse [`escape_value`]. `None` if the text is not something we could have written.
#[must_use]
pub fn unescape_value(escaped: &str) -> Option<String> {
    let mut out = String::with_capacity(escaped.len());
    let mut chars = escaped.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                '\\' => out.push('\\'),
                '"' => out.push('"'),
                'x' => {
                    let hi = chars.next()?.to_digit(16)?;
                    let lo = chars.next()?.to_digit(16)?;
                    out.push(char::from_u32(hi * 16 + lo)?);
                }
                _ => return None,
            },
            '"' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// Parse a rendered line back into its type and fields. Used by tests and by
/// tools that read logs; `None` when the line is not well formed, which is how a
/// forged field would show.
#[must_use]
pub fn parse_line(line: &str) -> Option<(String, Vec<(String, String)>)> {
    let (kind, mut rest) = match line.split_once(' ') {
        Some((k, r)) => (k, r),
        None => (line, ""),
    };
    let mut fields = Vec::new();
    while !rest.is_empty() {
        let (key, after) = rest.split_once("=\"")?;
        if key.is_empty() || key.contains([' ', '"']) {
            return None;
        }
        // Find the closing quote: the first `"` not preceded by an escaping backslash.
        let bytes = after.as_bytes();
        let mut i = 0;
        let end = loop {
            match bytes.get(i)? {
                b'\\' => i += 2,
                b'"' => break i,
                _ => i += 1,
            }
        };
        fields.push((key.to_owned(), unescape_value(&after[..end])?));
        rest = &after[end + 1..];
        if !rest.is_empty() {
            rest = rest.strip_prefix(' ')?;
        }
    }
    Some((kind.to_owned(), fields))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn upstream_vectors() {
        // The vectors of The Bastion's syslogFormatted unit test.
        assert_eq!(escape_value("a\nb"), "a\\x0ab");
        assert_eq!(escape_value("he said \"hi\""), "he said \\\"hi\\\"");
        assert_eq!(escape_value("a\\b"), "a\\\\b");
        assert_eq!(escape_value("x\" allowed=\"1"), "x\\\" allowed=\\\"1");
        assert_eq!(escape_value("\r\t\x1b\x7f"), "\\x0d\\x09\\x1b\\x7f");
        assert_eq!(escape_value("été"), "été");
    }

    #[test]
    fn render_keeps_order() {
        let e = Event::new("open")
            .field("b", "2")
            .field("a", "1")
            .field("empty", "");
        assert_eq!(e.render(), r#"open b="2" a="1" empty="""#);
    }

    #[test]
    fn forged_field_stays_inside_its_value() {
        let evil = "x\" allowed=\"true\" account=\"root\n<13>forged";
        let e = Event::new("open")
            .field("comment", evil)
            .field("allowed", "false");
        let line = e.render();
        assert!(!line.contains('\n'));
        let (_, fields) = parse_line(&line).unwrap();
        assert_eq!(fields.len(), 2);
        assert_eq!(fields[0], ("comment".into(), evil.into()));
        assert_eq!(fields[1], ("allowed".into(), "false".into()));
    }

    proptest! {
        #[test]
        fn escape_then_unescape_is_identity(s in any::<String>()) {
            let esc = escape_value(&s);
            prop_assert!(!esc.bytes().any(|b| b < 0x20 || b == 0x7f));
            prop_assert_eq!(unescape_value(&esc), Some(s));
        }

        #[test]
        fn render_then_parse_is_identity(
            kind in "[a-z][a-z-]{0,10}",
            fields in proptest::collection::vec(("[a-z_]{1,8}", any::<String>()), 0..8)
        ) {
            let mut e = Event::new(kind.clone());
            for (k, v) in &fields { e.push(k, v); }
            let (k2, f2) = parse_line(&e.render()).unwrap();
            prop_assert_eq!(k2, kind);
            prop_assert_eq!(f2, fields);
        }
    }
}
