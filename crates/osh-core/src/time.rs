//! Time as osh counts it.

/// Seconds since the epoch (0 if the clock is before it).
#[must_use]
pub fn epoch() -> u64 {
    seconds(std::time::SystemTime::now())
}

/// `t` in seconds since the epoch (0 before it).
#[must_use]
pub fn seconds(t: std::time::SystemTime) -> u64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Milliseconds since the epoch.
#[must_use]
pub fn epoch_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// A TTL as The Bastion takes one: seconds (`3600`), or amounts with units
/// `s m h d w y` (`16s`, `2d8h15m`, `0d0h0m3s`); an amount without a unit
/// counts as seconds.
pub fn parse_ttl(text: &str) -> crate::Result<u64> {
    let bad = || {
        crate::Reply::new(
            crate::Code::KO_INVALID_PARAMETER,
            format!(
                "Invalid TTL ({}), expected an amount of seconds, or a duration string such as '2d8h15m'",
                crate::ui::clean_bounded(text, 40)
            ),
        )
    };
    if text.is_empty() || !text.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(bad());
    }
    let mut total: u64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(bad());
        }
        let n: u64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let units = rest
            .bytes()
            .take_while(|b| b"smhdwySMHDWY".contains(b))
            .count();
        // Only the first letter counts, and only in lower case, as upstream.
        let unit = match rest.as_bytes().first().filter(|_| units > 0) {
            Some(b'y') => 86_400 * 365,
            Some(b'w') => 86_400 * 7,
            Some(b'd') => 86_400,
            Some(b'h') => 3_600,
            Some(b'm') => 60,
            _ => 1,
        };
        rest = &rest[units..];
        total = total
            .checked_add(n.checked_mul(unit).ok_or_else(bad)?)
            .ok_or_else(bad)?;
    }
    Ok(total)
}

/// `3d4h5m6s`, the largest units first, zero parts left out.
#[must_use]
pub fn human(secs: u64) -> String {
    let parts = [
        (secs / 86_400, "d"),
        (secs % 86_400 / 3_600, "h"),
        (secs % 3_600 / 60, "m"),
        (secs % 60, "s"),
    ];
    let text: String = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, u)| format!("{n}{u}"))
        .collect();
    if text.is_empty() { "0s".into() } else { text }
}

/// Days, hours, minutes and seconds of a duration in seconds.
#[must_use]
pub const fn dhms(secs: u64) -> (u64, u64, u64, u64) {
    (
        secs / 86_400,
        secs % 86_400 / 3_600,
        secs % 3_600 / 60,
        secs % 60,
    )
}

/// A duration as The Bastion shows one: `HH:MM:SS`, with `Nd+` before it
/// past a day.
#[must_use]
pub fn duration_human(secs: u64) -> String {
    let (d, h, m, s) = dhms(secs);
    if d > 0 {
        format!("{d}d+{h:02}:{m:02}:{s:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

/// An epoch in the bastion's local time, by a `strftime` format; the raw
/// number if it can't be shown.
#[must_use]
pub fn local(epoch: u64, format: &str) -> String {
    i64::try_from(epoch)
        .ok()
        .and_then(|e| jiff::Timestamp::from_second(e).ok())
        .map(|t| t.to_zoned(osh_log::zone()))
        .and_then(|z| jiff::fmt::strtime::format(format, &z).ok())
        .unwrap_or_else(|| epoch.to_string())
}

#[cfg(test)]
mod tests {
    use super::{human, parse_ttl};

    #[test]
    fn durations_for_people() {
        assert_eq!(human(0), "0s");
        assert_eq!(human(59), "59s");
        assert_eq!(human(3_600), "1h");
        assert_eq!(human(90_061), "1d1h1m1s");
    }

    #[test]
    fn ttls_as_the_bastion_takes_them() {
        for (text, secs) in [
            ("3600", 3600),
            ("16s", 16),
            ("0d0h0m3s", 3),
            ("2d8h15m", 2 * 86_400 + 8 * 3_600 + 15 * 60),
            ("1w", 604_800),
            ("1y", 31_536_000),
            ("5", 5),
            ("1m30", 90),
        ] {
            assert_eq!(parse_ttl(text).ok(), Some(secs), "{text}");
        }
        for bad in ["", "d", "-5", "1x", "1.5h", "1 h", "99999999999999999999y"] {
            assert!(parse_ttl(bad).is_err(), "{bad:?}");
        }
    }
}
