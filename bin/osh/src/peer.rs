//! Where a connection comes from and arrives.

use std::net::IpAddr;

/// Where the connection comes from and arrives, from `SSH_CONNECTION`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Peer {
    pub(crate) ip_from: String,
    pub(crate) port_from: String,
    pub(crate) host_from: String,
    pub(crate) ip_bastion: String,
    pub(crate) port_bastion: String,
    pub(crate) host_bastion: String,
}

impl Peer {
    pub(crate) fn from_env(dns_level: i64) -> Self {
        let conn = std::env::var("SSH_CONNECTION").unwrap_or_default();
        let mut it = conn.split_whitespace().map(str::to_owned);
        let mut p = Self {
            ip_from: it.next().unwrap_or_default(),
            port_from: it.next().unwrap_or_default(),
            ip_bastion: it.next().unwrap_or_default(),
            port_bastion: it.next().unwrap_or_default(),
            ..Self::default()
        };
        let name = |ip: &str| {
            let parsed: Option<IpAddr> = ip.parse().ok();
            parsed
                .and_then(|a| {
                    if dns_level >= 2 {
                        crate::sys::reverse_dns(a)
                    } else {
                        None
                    }
                })
                .unwrap_or_else(|| ip.to_owned())
        };
        p.host_from = name(&p.ip_from);
        p.host_bastion = name(&p.ip_bastion);
        p
    }
}
