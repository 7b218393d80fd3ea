//! Plugin `accountListEgressKeys`: see [`osh_plugins_restricted::account_lists`].

fn main() -> std::process::ExitCode {
    osh_core::plugin::main(&osh_plugins_restricted::account_lists::EGRESS_KEYS)
}
