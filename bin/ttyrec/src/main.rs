//! `ttyrec`, osh's session recorder. All logic is in the library.

fn main() -> std::process::ExitCode {
    osh_recorder::main()
}
