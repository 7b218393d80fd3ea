//! Helper `osh-accountCreate`: see [`osh_helpers::account_create`].

fn main() -> std::process::ExitCode {
    osh_core::helper::serve(osh_helpers::account_create::run)
}
