//! Helper `osh-accountDelete`: see [`osh_helpers::account_delete`].

fn main() -> std::process::ExitCode {
    osh_core::helper::serve(osh_helpers::account_delete::run)
}
