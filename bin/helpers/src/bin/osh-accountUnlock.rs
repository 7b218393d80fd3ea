//! Helper `osh-accountUnlock`: see [`osh_helpers::account_unexpire::unlock`].

fn main() -> std::process::ExitCode {
    osh_core::helper::serve(osh_helpers::account_unexpire::unlock)
}
