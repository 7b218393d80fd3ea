//! Plugin `selfDelPersonalAccess`: see [`osh_plugins_restricted::personal_access`].

fn main() -> std::process::ExitCode {
    osh_core::plugin::main(&osh_plugins_restricted::personal_access::SELF_DEL)
}
