//! Helper `osh-assetForgetHostKey`: see [`osh_helpers::asset_forget_host_key::run`].

fn main() -> std::process::ExitCode {
    osh_core::helper::serve(osh_helpers::asset_forget_host_key::run)
}
