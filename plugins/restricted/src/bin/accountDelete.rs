//! Plugin `accountDelete`: see [`osh_plugins_restricted::account_delete`].

fn main() -> std::process::ExitCode {
    osh_core::plugin::main(&osh_plugins_restricted::account_delete::PLUGIN)
}
