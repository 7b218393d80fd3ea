//! Helper `osh-accountCreate`: see [`osh_helpers::account_create`].

fn main() -> std::process::ExitCode {
    osh_core::helper::main("accountCreate", osh_helpers::account_create::run)
}
