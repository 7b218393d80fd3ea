//! The login shell of every bastion account. All logic is in the library.

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(osh::main(std::env::args_os().collect()))
}
