//! Plugin `selfForgetHostKey`: see [`osh_plugins_open::self_tools`].

fn main() -> std::process::ExitCode {
    osh_core::plugin::main(&osh_plugins_open::self_tools::FORGET)
}
