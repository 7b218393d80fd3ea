//! Exit codes of the login shell and plugins: The Bastion's `EXIT_*` constants.
//!
//! Scripts around a bastion branch on these numbers, so they are part of the
//! contract and must never be renumbered.

/// An exit code with its The Bastion name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
#[allow(missing_docs)]
pub enum Exit {
    Ok = 0,
    PluginError = 100,
    AccountInactive = 101,
    HostNotFound = 102,
    ReadOnly = 103,
    UnknownCommand = 104,
    ExecFailed = 105,
    RestrictedCommand = 106,
    AccessDenied = 107,
    PassfileNotFound = 108,
    OutOfSpace = 109,
    ConfigurationFailure = 110,
    GetoptsFailed = 111,
    NoHost = 112,
    AccountExpired = 113,
    InteractiveDisabled = 114,
    ConflictingOptions = 115,
    MoshDisabled = 116,
    GotSignal = 117,
    MaintenanceMode = 118,
    RealmInvalid = 119,
    AccountInvalid = 120,
    TtlExpired = 121,
    MfaPasswordSetupRequired = 122,
    MfaTotpSetupRequired = 123,
    MfaAnySetupRequired = 124,
    MfaFailed = 125,
    TtyrecCmdlineFailed = 126,
    InvalidRemoteUser = 127,
    InvalidRemoteHost = 128,
    PivRequired = 129,
    GetHashFailed = 130,
    AccountFrozen = 131,
    DnsDisabled = 132,
    IpVersionDisabled = 133,
    InvalidPort = 134,
    InvalidProxyjump = 135,
}

impl Exit {
    /// The numeric code.
    #[must_use]
    pub fn code(self) -> u8 {
        self as u8
    }
}

#[cfg(test)]
mod tests {
    use super::Exit;

    /// The table of reference §3.3, checked number by number.
    #[test]
    fn numbers_match_the_bastion() {
        let table = [
            (Exit::Ok, 0),
            (Exit::PluginError, 100),
            (Exit::AccountInactive, 101),
            (Exit::HostNotFound, 102),
            (Exit::ReadOnly, 103),
            (Exit::UnknownCommand, 104),
            (Exit::ExecFailed, 105),
            (Exit::RestrictedCommand, 106),
            (Exit::AccessDenied, 107),
            (Exit::PassfileNotFound, 108),
            (Exit::OutOfSpace, 109),
            (Exit::ConfigurationFailure, 110),
            (Exit::GetoptsFailed, 111),
            (Exit::NoHost, 112),
            (Exit::AccountExpired, 113),
            (Exit::InteractiveDisabled, 114),
            (Exit::ConflictingOptions, 115),
            (Exit::MoshDisabled, 116),
            (Exit::GotSignal, 117),
            (Exit::MaintenanceMode, 118),
            (Exit::RealmInvalid, 119),
            (Exit::AccountInvalid, 120),
            (Exit::TtlExpired, 121),
            (Exit::MfaPasswordSetupRequired, 122),
            (Exit::MfaTotpSetupRequired, 123),
            (Exit::MfaAnySetupRequired, 124),
            (Exit::MfaFailed, 125),
            (Exit::TtyrecCmdlineFailed, 126),
            (Exit::InvalidRemoteUser, 127),
            (Exit::InvalidRemoteHost, 128),
            (Exit::PivRequired, 129),
            (Exit::GetHashFailed, 130),
            (Exit::AccountFrozen, 131),
            (Exit::DnsDisabled, 132),
            (Exit::IpVersionDisabled, 133),
            (Exit::InvalidPort, 134),
            (Exit::InvalidProxyjump, 135),
        ];
        for (e, n) in table {
            assert_eq!(e.code(), n, "{e:?}");
        }
    }
}
