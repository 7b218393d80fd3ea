//! Helper `osh-accountGrantCommand`: see [`osh_helpers::account_grant`].

fn main() -> std::process::ExitCode {
    osh_core::helper::main("accountGrantCommand", osh_helpers::account_grant::run)
}
