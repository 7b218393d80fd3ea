//! Every `error_code` osh answers with, in one enum: a reply can only carry
//! one of these, and a test checks that `doc/json-api.md` explains each.
//!
//! The names are the codes themselves (`KO_ACCESS_DENIED`), so that a grep
//! for a code a script saw finds where it comes from.

macro_rules! codes {
    ($($name:ident),* $(,)?) => {
        /// An `error_code`: `OK*` success, `KO*` a refusal or negative
        /// answer, `ERR*` a failure.
        #[allow(non_camel_case_types)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $(
                #[doc = stringify!($name)]
                $name,
            )*
        }

        impl Code {
            /// Every code.
            pub const ALL: &'static [Code] = &[$(Code::$name),*];

            /// The code as it appears in the envelope.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$name => stringify!($name),)*
                }
            }
        }
    };
}

codes!(
    // Successes.
    OK,
    OK_NO_CHANGE,
    OK_EMPTY,
    OK_EXPIRATION_NOT_CONFIGURED,
    OK_NOT_EXPIRED,
    // osh's own refusals: KO_ and the close comment, in upper case.
    KO,
    KO_ACCESS_DENIED,
    KO_ACCOUNT_EXPIRED,
    KO_ACCOUNT_FROZEN,
    KO_ACCOUNT_INACTIVE,
    KO_ACCOUNT_INVALID,
    KO_CONFIGURATION_FAILURE,
    KO_DNS_DISABLED,
    KO_GETOPTS_FAILED,
    KO_HOST_NOT_FOUND,
    KO_INTERACTIVE_DISABLED,
    KO_INVALID_ENCODING,
    KO_INVALID_PORT,
    KO_INVALID_REMOTE_HOST,
    KO_INVALID_REMOTE_USER,
    KO_IP_VERSION_DISABLED,
    KO_MAINTENANCE_MODE,
    KO_NO_EGRESS_KEY,
    KO_NO_HOST,
    KO_PLUGIN_DISABLED,
    KO_RESTRICTED_COMMAND,
    KO_TTL_EXPIRED,
    KO_TTY_NOTTY,
    KO_TTYREC_FAILED,
    KO_UNKNOWN_COMMAND,
    KO_UNSUPPORTED_OPTION,
    // The commands' refusals.
    KO_ALREADY_EXISTING,
    KO_CANNOT_DELETE_SELF,
    KO_CANNOT_FREEZE_SELF,
    KO_DUPLICATE_KEY,
    KO_FORBIDDEN_ALGORITHM,
    KO_FORBIDDEN_KEY_OPTION,
    KO_GROUP_NOT_FOUND,
    KO_INVALID_ACCOUNT,
    KO_INVALID_PARAMETER,
    KO_KEY_GENERATION_RUNNING,
    KO_KEY_SIZE_TOO_BIG,
    KO_KEY_SIZE_TOO_SMALL,
    KO_NOT_A_KEY,
    KO_NOT_FOUND,
    KO_NO_MATCHING_KEY,
    KO_PRIVATE_KEY,
    KO_UID_IN_USE,
    // Failures.
    ERR_ACCESS_DENIED,
    ERR_BAD_OPTIONS,
    ERR_CONNECTION_FAILED,
    ERR_CONFIGURATION,
    ERR_GROUP_HAS_NO_ACCESS,
    ERR_HELPER_FAILED,
    ERR_INCOMPATIBLE_PARAMETERS,
    ERR_INTERNAL,
    ERR_INVALID_ID,
    ERR_INVALID_PARAMETER,
    ERR_IO,
    ERR_MEMBER_CANNOT_BE_GUEST,
    ERR_MISSING_PARAMETER,
    ERR_NOT_SUPPORTED,
    ERR_NO_FREE_UID,
    ERR_NO_KEY,
    ERR_NO_MATCH,
    ERR_NOT_FOUND,
    ERR_NOT_GROUP_ACLKEEPER,
    ERR_NOT_GROUP_GATEKEEPER,
    ERR_NOT_GROUP_OWNER,
    ERR_NO_RECORDER,
    ERR_ONLY_ONE_KEY,
    ERR_OPERATOR_IS_DRUNK,
    ERR_PARTIAL_FAILURE,
    ERR_PLUGIN_KILLED,
    ERR_SECURITY_VIOLATION,
    ERR_SSH_KEYGEN_FAILED,
    ERR_SYSTEM,
    ERR_SYSTEM_COMMAND,
    ERR_VERIFICATION_FAILED,
);

impl Code {
    /// The code named `name`, if osh has it.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == name)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Code;

    /// Scripts branch on these: each is explained in the JSON API's page.
    #[test]
    fn every_code_is_documented() {
        let doc = include_str!("../../../doc/json-api.md");
        let missing: Vec<&str> = Code::ALL
            .iter()
            .map(|c| c.as_str())
            .filter(|c| !doc.contains(&format!("`{c}`")))
            .collect();
        assert!(missing.is_empty(), "not in doc/json-api.md: {missing:?}");
    }

    #[test]
    fn names_follow_the_grammar() {
        for c in Code::ALL {
            assert!(crate::reply::is_valid_code(c.as_str()), "{c}");
            assert_eq!(Code::from_name(c.as_str()), Some(*c));
        }
        assert_eq!(Code::from_name("KO_NOPE"), None);
    }
}
