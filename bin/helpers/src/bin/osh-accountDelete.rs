//! Helper `osh-accountDelete`: see [`osh_helpers::account_delete`].

fn main() -> std::process::ExitCode {
    osh_core::helper::main("accountDelete", osh_helpers::account_delete::run)
}
