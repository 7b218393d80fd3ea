//! Helper `osh-accountGetPasswordInfo`: see [`osh_helpers::account_read::password`].

fn main() -> std::process::ExitCode {
    osh_core::helper::serve(osh_helpers::account_read::password)
}
