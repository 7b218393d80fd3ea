//! Plugin `help`: see [`osh_plugins_open::help`].

fn main() -> std::process::ExitCode {
    osh_core::plugin::main(&osh_plugins_open::help::PLUGIN)
}
