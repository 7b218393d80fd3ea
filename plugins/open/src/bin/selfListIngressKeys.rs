//! Plugin `selfListIngressKeys`: see [`osh_plugins_open::self_list_ingress_keys`].

fn main() -> std::process::ExitCode {
    osh_core::plugin::main(&osh_plugins_open::self_list_ingress_keys::PLUGIN)
}
