//! `osh-connect`, the waiting parent of a recorded session. All logic is in the library.

fn main() -> std::process::ExitCode {
    osh_connect::main()
}
