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
    /// What a sink needs that is not part of the line (the recording's path
    /// for the SQLite row): never rendered.
    notes: Vec<(String, String)>,
}

impl Event {
    /// A new event of type `kind`, with no fields.
    #[must_use]
    pub fn new(kind: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            fields: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Attach a note (see [`Event::noted`]), replacing one of the same key.
    pub fn note(&mut self, key: &str, value: impl AsRef<str>) {
        self.notes.retain(|(k, _)| k != key);
        self.notes.push((key.to_owned(), value.as_ref().to_owned()));
    }

    /// A note: data for a sink that never appears in the line.
    #[must_use]
    pub fn noted(&self, key: &str) -> Option<&str> {
        self.notes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every note, in order.
    #[must_use]
    pub fn notes(&self) -> &[(String, String)] {
        &self.notes
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
            notes: self.notes.clone(),
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

/// How a value cut by [`Event::render_bounded`] ends: how much was cut and
/// the SHA-256 of the whole value, so the full text kept elsewhere (the
/// local access logs) can be matched to it.
fn cut_marker(cut: usize, full: &str) -> String {
    use sha2::{Digest as _, Sha256};
    let hash: String = Sha256::digest(full.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("...[cut {cut} bytes, sha256:{hash}]")
}

/// The longest prefix of an escaped value of at most `max` bytes that does
/// not end inside an escape sequence (`\\`, `\"`, `\xNN`) or a character.
fn escaped_prefix(escaped: &str, max: usize) -> &str {
    let b = escaped.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let step = match b[i] {
            b'\\' if b.get(i + 1) == Some(&b'x') => 4,
            b'\\' => 2,
            c if c < 0x80 => 1,
            c if c >= 0xf0 => 4,
            c if c >= 0xe0 => 3,
            _ => 2,
        };
        if i + step > max {
            break;
        }
        i += step;
    }
    &escaped[..i]
}

impl Event {
    /// The line, at most `max` bytes long when that can be done, for sinks
    /// that truncate (syslog daemons keep 8 KiB by default). Every field is
    /// kept and stays parseable; the longest values are cut to a common
    /// length and end with a visible marker giving the size cut and the
    /// SHA-256 of the whole value. Short lines are [`Event::render`]'s.
    #[must_use]
    pub fn render_bounded(&self, max: usize) -> String {
        let line = self.render();
        if line.len() <= max {
            return line;
        }
        let escaped: Vec<String> = self.fields.iter().map(|(_, v)| escape_value(v)).collect();
        let fixed = self.kind.len() + self.fields.iter().map(|(k, _)| k.len() + 4).sum::<usize>();
        // A marker is at most this long (the byte count has at most 20 digits).
        const MARKER: usize = 96;
        let cost = |cap: usize| -> usize {
            escaped
                .iter()
                .map(|e| {
                    if e.len() <= cap {
                        e.len()
                    } else {
                        cap + MARKER
                    }
                })
                .sum()
        };
        // The largest common cap that fits, by bisection (cost grows with cap).
        let budget = max.saturating_sub(fixed);
        let (mut lo, mut hi) = (0, escaped.iter().map(String::len).max().unwrap_or(0));
        while lo < hi {
            let mid = lo + (hi - lo).div_ceil(2);
            if cost(mid) <= budget {
                lo = mid
            } else {
                hi = mid - 1
            }
        }
        let mut out = String::with_capacity(max);
        out.push_str(&self.kind);
        for ((k, v), e) in self.fields.iter().zip(&escaped) {
            out.push(' ');
            out.push_str(k);
            out.push_str("=\"");
            if e.len() <= lo {
                out.push_str(e);
            } else {
                let kept = escaped_prefix(e, lo);
                out.push_str(kept);
                let cut = unescape_value(kept).map_or(0, |k| v.len() - k.len());
                out.push_str(&cut_marker(cut, v));
            }
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

    #[test]
    fn bounded_lines_keep_every_field_and_say_what_was_cut() {
        let big = format!("{}echo HIDDEN", " ".repeat(100_000));
        let e = Event::new("close")
            .field("uniqid", "0123456789ab")
            .field("params", &big)
            .field("comment", "a\"b\nc".repeat(5000))
            .field("sysret", "0")
            .field("comment_close", "")
            .field("duration", "1.234");
        let line = e.render_bounded(4000);
        assert!(line.len() <= 4000, "{}", line.len());
        let (kind, fields) = parse_line(&line).expect("still well formed");
        assert_eq!(kind, "close");
        let keys: Vec<_> = fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "uniqid",
                "params",
                "comment",
                "sysret",
                "comment_close",
                "duration"
            ]
        );
        assert_eq!(fields[3].1, "0");
        assert_eq!(fields[5].1, "1.234");
        use sha2::{Digest as _, Sha256};
        let hash: String = Sha256::digest(big.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(
            fields[1].1.ends_with(&format!("sha256:{hash}]")),
            "{}",
            fields[1].1
        );
        assert!(fields[1].1.contains("...[cut "));
        // Short lines are unchanged.
        let small = Event::new("open").field("a", "b");
        assert_eq!(small.render_bounded(4000), small.render());
    }

    proptest! {
        #[test]
        fn bounded_render_parses_and_fits(
            fields in proptest::collection::vec(("[a-z_]{1,8}", any::<String>()), 0..6),
            max in 300usize..2000,
        ) {
            let mut e = Event::new("open");
            for (k, v) in &fields { e.push(k, v); }
            let line = e.render_bounded(max);
            let fixed = 4 + fields.iter().map(|(k, _)| k.len() + 4 + 96).sum::<usize>();
            if fixed <= max {
                prop_assert!(line.len() <= max, "{} > {}", line.len(), max);
            }
            let (_, parsed) = parse_line(&line).unwrap();
            prop_assert_eq!(parsed.len(), fields.len());
            for ((k, v), (pk, pv)) in fields.iter().zip(&parsed) {
                prop_assert_eq!(k, pk);
                if line.len() == e.render().len() { prop_assert_eq!(v, pv); }
            }
        }

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
