//! Plugin `accountListIngressKeys`: see [`osh_plugins_restricted::account_list_ingress_keys`].

fn main() -> std::process::ExitCode {
    osh_core::plugin::main(&osh_plugins_restricted::account_list_ingress_keys::PLUGIN)
}
