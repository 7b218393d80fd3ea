//! Plugin `selfListEgressKeys`: see [`osh_plugins_open::self_lists`].

fn main() -> std::process::ExitCode {
    osh_core::plugin::main(&osh_plugins_open::self_lists::EGRESS_KEYS)
}
