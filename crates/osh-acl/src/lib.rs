//! ACLs and the access decision.
//!
//! An ACL file holds one access per line, The Bastion's grammar:
//! `[user@]IP[/prefix][:port]` (IPv6 in brackets: `[2001:db8::/48]:22`), then
//! metadata as comment tokens (`# add by ACCOUNT on DATE`, `# EXPIRY=epoch`,
//! `# FORCEKEY=fingerprint`, `# COMMENT=<text>`, ...). Deleting an access
//! comments its line out, so the file keeps its history.
//!
//! [`decide`] is the whole decision as one pure function: network policies
//! first, then every source of grants (personal now; group member and guest
//! grants are more sources of the same shape), best match within each source.

pub mod addr;
mod entry;
mod policy;

pub use entry::{Entry, ParseError, Request, comment_out, parse_file, parse_file_for};
pub use policy::{
    Acl, Decision, Denial, Grant, Policy, RuleAction, Source, best_match, decide, parse_nets,
};
