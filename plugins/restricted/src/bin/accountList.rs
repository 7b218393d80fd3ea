//! Plugin `accountList`: see [`osh_plugins_restricted::account_list`].

fn main() -> std::process::ExitCode {
    osh_core::plugin::main(&osh_plugins_restricted::account_list::PLUGIN)
}
