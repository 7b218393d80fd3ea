//! Helper `osh-groupModify`: see [`osh_helpers::group_key`].

fn main() -> std::process::ExitCode {
    osh_core::helper::serve(osh_helpers::group_key::modify)
}
