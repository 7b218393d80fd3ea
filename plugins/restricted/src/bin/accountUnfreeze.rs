//! Plugin `accountUnfreeze`: see [`osh_plugins_restricted::account_freeze`].

fn main() -> std::process::ExitCode {
    osh_core::plugin::main(&osh_plugins_restricted::account_freeze::UNFREEZE)
}
