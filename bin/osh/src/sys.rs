//! The little unsafe the shell needs: reverse DNS through the C library (so
//! /etc/hosts and nsswitch apply).
#![allow(unsafe_code)]

use std::net::IpAddr;

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
