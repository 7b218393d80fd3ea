//! Helper `osh-accountSessions`: see [`osh_helpers::account_sessions`].

fn main() -> std::process::ExitCode {
    osh_core::helper::serve_stream(osh_helpers::account_sessions::run)
}
