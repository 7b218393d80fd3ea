//! Helper `osh-groupSetRole`: see [`osh_helpers::group_role`].

fn main() -> std::process::ExitCode {
    osh_core::helper::serve(osh_helpers::group_role::run)
}
