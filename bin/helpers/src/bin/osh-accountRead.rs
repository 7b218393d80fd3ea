//! Helper `osh-accountRead`: see [`osh_helpers::account_read`].

fn main() -> std::process::ExitCode {
    osh_core::helper::serve(osh_helpers::account_read::run)
}
