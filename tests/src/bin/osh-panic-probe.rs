//! A program that panics after installing osh's panic hook, as every osh
//! binary does: the test of that hook runs it in the sandbox, where the real
//! syslog daemon must receive the `die` event. Not installed anywhere.

fn main() {
    osh_core::logging::log_panics();
    let why: Option<&str> = std::env::args().nth(1).as_deref().map(|_| "never");
    panic!("probe panicked on purpose ({why:?}) with a \"quote\"\nand a newline");
}
