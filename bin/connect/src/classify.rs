//! What an egress ssh's first words say about why it failed, as The Bastion's
//! `comment_close` tokens, and what to tell the user about it.

/// Known failure shapes of an egress ssh, from what it printed first.
#[must_use]
pub fn classify(head: &str) -> &'static str {
    const SHAPES: &[(&str, &str)] = &[
        ("Permission denied (publickey", "permission_denied"),
        ("Too many authentication failures", "too_many_auth_fail"),
        ("REMOTE HOST IDENTIFICATION HAS CHANGED", "hostkey_changed"),
        // Without that warning, the key was not known and there was no
        // terminal to ask on (or the user said no): not a changed key, and
        // not the same advice.
        ("Host key verification failed", "hostkey_unknown"),
        ("Connection timed out", "connection_timeout"),
        ("Connection refused", "connection_refused"),
        ("ssh: connect to host", "connection_error"),
        ("Could not resolve hostname", "connection_error"),
        ("Permanently added", "hostkey_saved"),
    ];
    SHAPES
        .iter()
        .find(|(needle, _)| head.contains(needle))
        .map_or("", |(_, t)| t)
}

/// A line of help for a `comment_close` token, if there is one to give.
#[must_use]
pub fn guidance(comment: &str) -> Option<&'static str> {
    Some(match comment {
        "permission_denied" => {
            "The server refused the key(s) the bastion offered. Is your account's egress public key \
             (--osh selfListEgressKeys) in the remote user's authorized_keys?"
        }
        "too_many_auth_fail" => {
            "The server closed the connection after too many keys were tried (MaxAuthTries)."
        }
        "hostkey_changed" => {
            "The server's host key is not the one the bastion knows. If that change is expected, \
             remove the old key with --osh selfForgetHostKey, then connect again."
        }
        "hostkey_unknown" => {
            "The bastion does not know this server's host key yet and could not ask you to accept \
             it (no terminal). Connect once with -t to check and accept it, or ask an admin to set \
             --osh accountModify --egress-strict-host-key-checking accept-new on your account."
        }
        "connection_refused" => "Nothing listens on that port of the server.",
        "connection_timeout" => "The server did not answer in time.",
        "connection_error" => "The bastion could not reach the server.",
        "ttyrec_empty" => "The session ended before anything was printed.",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_shapes() {
        assert_eq!(
            classify("tuser@127.0.0.2: Permission denied (publickey)."),
            "permission_denied"
        );
        assert_eq!(
            classify("ssh: connect to host 127.0.0.2 port 9: Connection refused"),
            "connection_refused"
        );
        assert_eq!(
            classify("@@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@"),
            "hostkey_changed"
        );
        assert_eq!(
            classify(
                "No ED25519 host key is known for [127.0.0.2]:2223 and you have requested strict checking.\r\nHost key verification failed.\r\n"
            ),
            "hostkey_unknown"
        );
        assert_eq!(classify("Host key verification failed."), "hostkey_unknown");
        assert_eq!(
            classify(
                "@@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@\r\n...\r\nHost key verification failed.\r\n"
            ),
            "hostkey_changed"
        );
        assert_eq!(classify("hello"), "");
        assert!(guidance("permission_denied").is_some() && guidance("").is_none());
    }
}
