//! Plugin `selfAddIngressKey`: see [`osh_plugins_open::self_add_ingress_key`].

fn main() -> std::process::ExitCode {
    osh_core::plugin::main(&osh_plugins_open::self_add_ingress_key::PLUGIN)
}
