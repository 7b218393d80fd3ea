//! `osh-session-logs`: see the library.
fn main() -> std::process::ExitCode {
    osh_session_logs::main()
}
