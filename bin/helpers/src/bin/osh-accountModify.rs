//! Helper `osh-accountModify`: see [`osh_helpers::account_modify`].

fn main() -> std::process::ExitCode {
    osh_core::helper::serve(osh_helpers::account_modify::run)
}
