//! The result of a command: The Bastion's `R(code, msg, value)`.
//!
//! One type carries successes and failures alike because both travel in the same
//! envelope; the prefix of the code decides which it is (`OK*` success, `KO*`
//! negative answer, `ERR*` failure). `?` works through [`Reply`] as an error:
//! any I/O or system error becomes an `ERR_*` reply with a message, so a plugin
//! never panics its way out without an envelope.

use serde_json::Value;

/// A command's answer: code, human message, JSON value.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// `OK`, `OK_NO_CHANGE`, `KO_ACCESS_DENIED`, `ERR_INVALID_PARAMETER`, ...
    pub code: String,
    /// Human text; defaults to the code.
    pub msg: String,
    /// The payload, `null` if none.
    pub value: Value,
}

/// The error side of plugin and helper functions.
pub type Result<T, E = Reply> = std::result::Result<T, E>;

impl Reply {
    /// A reply with this code and message (the code, if the message is empty).
    #[must_use]
    pub fn new(code: crate::Code, msg: impl Into<String>) -> Self {
        Self::decoded(code.as_str(), msg)
    }

    /// A reply with a code received from elsewhere (a helper's envelope),
    /// already checked against the code grammar.
    #[must_use]
    pub fn decoded(code: &str, msg: impl Into<String>) -> Self {
        debug_assert!(is_valid_code(code), "bad code {code}");
        let msg = msg.into();
        Self {
            code: code.to_owned(),
            msg: if msg.is_empty() { code.to_owned() } else { msg },
            value: Value::Null,
        }
    }

    /// `OK` with a value.
    #[must_use]
    pub fn ok(value: Value) -> Self {
        Self {
            value,
            ..Self::new(crate::Code::OK, "OK")
        }
    }

    /// Attach a value.
    #[must_use]
    pub fn with_value(mut self, value: Value) -> Self {
        self.value = value;
        self
    }

    /// `ERR_INVALID_PARAMETER` with a message.
    #[must_use]
    pub fn invalid(msg: impl Into<String>) -> Self {
        Self::new(crate::Code::ERR_INVALID_PARAMETER, msg)
    }

    /// `ERR_MISSING_PARAMETER` with a message.
    #[must_use]
    pub fn missing(msg: impl Into<String>) -> Self {
        Self::new(crate::Code::ERR_MISSING_PARAMETER, msg)
    }

    /// `ERR_INTERNAL` with a message: something that should not happen did.
    #[must_use]
    pub fn internal(msg: impl Into<String>) -> Self {
        Self::new(crate::Code::ERR_INTERNAL, msg)
    }

    /// True for `OK*` codes.
    #[must_use]
    pub fn is_ok(&self) -> bool {
        self.code.starts_with("OK")
    }
}

/// `^(OK|KO|ERR)[A-Z0-9_]*$`, the contract's code grammar.
#[must_use]
pub fn is_valid_code(code: &str) -> bool {
    let rest = code
        .strip_prefix("OK")
        .or_else(|| code.strip_prefix("KO"))
        .or_else(|| code.strip_prefix("ERR"));
    rest.is_some_and(|r| {
        r.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    })
}

impl From<std::io::Error> for Reply {
    fn from(e: std::io::Error) -> Self {
        Self::new(crate::Code::ERR_IO, format!("I/O error: {e}"))
    }
}

impl From<nix::Error> for Reply {
    fn from(e: nix::Error) -> Self {
        Self::new(crate::Code::ERR_SYSTEM, format!("system error: {e}"))
    }
}

impl std::fmt::Display for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.msg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        for ok in [
            "OK",
            "OK_NO_CHANGE",
            "KO_ACCESS_DENIED",
            "ERR_OPERATOR_IS_DRUNK",
            "KO",
        ] {
            assert!(is_valid_code(ok), "{ok}");
        }
        for bad in ["", "ok", "OKAY-NO", "FAIL", "KO_bad", "ERR "] {
            assert!(!is_valid_code(bad), "{bad}");
        }
        assert!(Reply::new(crate::Code::OK_EMPTY, "").is_ok());
        assert!(!Reply::new(crate::Code::KO_ACCESS_DENIED, "").is_ok());
        assert_eq!(
            Reply::new(crate::Code::KO_ACCESS_DENIED, "").msg,
            "KO_ACCESS_DENIED"
        );
    }
}
