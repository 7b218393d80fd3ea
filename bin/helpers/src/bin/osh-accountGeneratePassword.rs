//! Helper `osh-accountGeneratePassword`: see [`osh_helpers::account_password`].

fn main() -> std::process::ExitCode {
    osh_core::helper::serve(osh_helpers::account_password::run)
}
