//! Helper `osh-accountFreeze`: see [`osh_helpers::account_freeze`].

fn main() -> std::process::ExitCode {
    osh_core::helper::main("accountFreeze", osh_helpers::account_freeze::run)
}
