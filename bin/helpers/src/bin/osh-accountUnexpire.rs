//! Helper `osh-accountUnexpire`: see [`osh_helpers::account_unexpire::unexpire`].

fn main() -> std::process::ExitCode {
    osh_core::helper::serve(osh_helpers::account_unexpire::unexpire)
}
