//! Plugin `info`: see [`osh_plugins_open::info`].

fn main() -> std::process::ExitCode {
    osh_core::plugin::main(&osh_plugins_open::info::PLUGIN)
}
