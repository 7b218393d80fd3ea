//! Helper `osh-groupPassword`: see [`osh_helpers::group_key`].

fn main() -> std::process::ExitCode {
    osh_core::helper::serve(osh_helpers::group_key::password)
}
