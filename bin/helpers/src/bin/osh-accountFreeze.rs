//! Helper `osh-accountFreeze`: see [`osh_helpers::account_freeze`].

fn main() -> std::process::ExitCode {
    osh_core::helper::serve(osh_helpers::account_freeze::run)
}
