//! Helper `osh-accountGrantCommand`: see [`osh_helpers::account_grant`].

fn main() -> std::process::ExitCode {
    osh_core::helper::serve(osh_helpers::account_grant::run)
}
