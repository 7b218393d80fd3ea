//! Plugin `accountModify`: see [`osh_plugins_restricted::account_modify`].

fn main() -> std::process::ExitCode {
    osh_core::plugin::main(&osh_plugins_restricted::account_modify::PLUGIN)
}
