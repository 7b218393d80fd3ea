//! Helper `osh-accountModifyPersonalAccess`: see [`osh_helpers::personal_access`].

fn main() -> std::process::ExitCode {
    osh_core::helper::serve(osh_helpers::personal_access::run)
}
