//! Plugin `accountGrantCommand`: see [`osh_plugins_restricted::account_grant`].

fn main() -> std::process::ExitCode {
    osh_core::plugin::main(&osh_plugins_restricted::account_grant::GRANT)
}
