//! Helper `osh-groupDelete`: see [`osh_helpers::group_create`].

fn main() -> std::process::ExitCode {
    osh_core::helper::serve(osh_helpers::group_create::delete)
}
