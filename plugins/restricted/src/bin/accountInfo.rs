//! Plugin `accountInfo`: see [`osh_plugins_restricted::account_info`].

fn main() -> std::process::ExitCode {
    osh_core::plugin::main(&osh_plugins_restricted::account_info::PLUGIN)
}
