//! Plugin `accountCreate`: see [`osh_plugins_restricted::account_create`].

fn main() -> std::process::ExitCode {
    osh_core::plugin::main(&osh_plugins_restricted::account_create::PLUGIN)
}
