//! Helper `osh-rootListIngressKeys`: see [`osh_helpers::root_keys::list`].

fn main() -> std::process::ExitCode {
    osh_core::helper::serve(osh_helpers::root_keys::list)
}
