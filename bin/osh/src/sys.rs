//! The little unsafe the shell needs: signal handlers that only store a number,
//! and reverse DNS through the C library (so /etc/hosts and nsswitch apply).
#![allow(unsafe_code)]

use std::net::IpAddr;
use std::sync::atomic::{AtomicI32, Ordering};

use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};

static GOT: AtomicI32 = AtomicI32::new(0);

extern "C" fn record(sig: i32) {
    // Async-signal-safe: one atomic store, nothing else.
    GOT.store(sig, Ordering::SeqCst);
}

/// Catch HUP, INT, TERM and PIPE so that a `close` event is still written when
/// the client goes away. No `SA_RESTART`: a blocked `waitpid` must return.
/// Children start with default dispositions, since exec resets caught signals.
pub fn catch_signals() {
    let action = SigAction::new(
        SigHandler::Handler(record),
        SaFlags::empty(),
        SigSet::empty(),
    );
    for s in [
        Signal::SIGHUP,
        Signal::SIGINT,
        Signal::SIGTERM,
        Signal::SIGPIPE,
    ] {
        // SAFETY: the handler only performs an atomic store.
        let _ = unsafe { sigaction(s, &action) };
    }
}

/// The last signal caught, if any.
pub fn caught() -> Option<Signal> {
    Signal::try_from(GOT.load(Ordering::SeqCst)).ok()
}

/// Reverse-resolve an address (names only, `None` if there is none).
pub fn reverse_dns(ip: IpAddr) -> Option<String> {
    use nix::libc;
    let sa = std::net::SocketAddr::new(ip, 0);
    let sock: nix::sys::socket::SockaddrStorage = sa.into();
    let mut host = [0 as libc::c_char; 256];
    // SAFETY: `sock` is a valid sockaddr of the given length and `host` a buffer of the given size.
    let rc = unsafe {
        libc::getnameinfo(
            nix::sys::socket::SockaddrLike::as_ptr(&sock),
            nix::sys::socket::SockaddrLike::len(&sock),
            host.as_mut_ptr(),
            libc::socklen_t::try_from(host.len()).unwrap_or(0),
            std::ptr::null_mut(),
            0,
            libc::NI_NAMEREQD,
        )
    };
    if rc != 0 {
        return None;
    }
    // SAFETY: getnameinfo NUL-terminates `host` on success.
    let name = unsafe { std::ffi::CStr::from_ptr(host.as_ptr()) };
    name.to_str().ok().map(str::to_owned)
}
