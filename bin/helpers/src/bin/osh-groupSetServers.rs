//! Helper `osh-groupSetServers`: see [`osh_helpers::group_access`].

fn main() -> std::process::ExitCode {
    osh_core::helper::serve(osh_helpers::group_access::set_servers)
}
