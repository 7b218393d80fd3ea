//! `/etc/bastion/bastion.conf`, read as The Bastion reads it.
//!
//! The file is JSON with `#` and `//` comments and optional outer braces. It is
//! re-read at every invocation (there is no daemon to restart), refused unless
//! root-owned and not writable by group or others, and every key is validated:
//! a bad value falls back to its default with a warning, never a crash, because a
//! typo in a config file must not lock every account out of the bastion.
//! Warnings are returned to the caller, who logs them as `code-warning` events;
//! they never reach stdout, which belongs to the JSON API.

use std::collections::BTreeSet;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// The main configuration file.
pub const DEFAULT_PATH: &str = "/etc/bastion/bastion.conf";

/// Why the configuration could not be used at all (exit 110).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Every key of The Bastion's `bastion.conf`, validated, with its defaults.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs, non_snake_case)]
pub struct Config {
    // Main
    pub bastionName: String,
    pub bastionCommand: String,
    pub readOnlySlaveMode: bool,
    pub adminAccounts: Vec<String>,
    pub superOwnerAccounts: Vec<String>,
    // SSH policies
    pub allowedIngressSshAlgorithms: Vec<String>,
    pub allowedEgressSshAlgorithms: Vec<String>,
    pub minimumIngressRsaKeySize: i64,
    pub maximumIngressRsaKeySize: i64,
    pub minimumEgressRsaKeySize: i64,
    pub maximumEgressRsaKeySize: i64,
    pub defaultAccountEgressKeyAlgorithm: String,
    pub defaultAccountEgressKeySize: i64,
    pub moshAllowed: bool,
    pub moshTimeoutNetwork: i64,
    pub moshTimeoutSignal: i64,
    pub moshCommandLine: String,
    pub egressProxyJumpAllowed: bool,
    // Network
    pub dnsSupportLevel: i64,
    pub allowedNetworks: Vec<String>,
    pub forbiddenNetworks: Vec<String>,
    pub ingressToEgressRules: Value,
    pub IPv4Allowed: bool,
    pub IPv6Allowed: bool,
    /// osh's own: where the bastion's own addresses may still be egress targets.
    pub egressToBastionAllowedNetworks: Vec<String>,
    // Logging
    pub enableSyslog: bool,
    pub syslogFacility: String,
    pub syslogDescription: String,
    pub enableGlobalAccessLog: bool,
    pub enableAccountAccessLog: bool,
    pub enableGlobalSqlLog: bool,
    pub enableAccountSqlLog: bool,
    pub ttyrecFilenameFormat: String,
    pub ttyrecDirectPathFormat: String,
    pub ttyrecViaPathFormat: String,
    pub ttyrecAdditionalParameters: Vec<String>,
    pub ttyrecStealthStdoutPattern: String,
    /// osh's own: seal every recording (signed checkpoints, the ledger).
    pub sealRecordings: bool,
    /// osh's own: a checkpoint seal at least this often while output flows (0: never).
    pub sealCheckpointSeconds: i64,
    /// osh's own: a checkpoint seal past this many recorded bytes (0: never).
    pub sealCheckpointBytes: i64,
    // Ingress
    pub ingressKeysFrom: Vec<String>,
    pub ingressKeysFromAllowOverride: bool,
    pub ingressRequirePIV: bool,
    // Egress
    pub defaultLogin: String,
    pub egressKeysFrom: Vec<String>,
    pub keyboardInteractiveAllowed: bool,
    pub passwordAllowed: bool,
    pub telnetAllowed: bool,
    pub sshAddKeysToAgentAllowed: bool,
    pub sshClientHasOptionE: bool,
    pub sshClientDebugLevel: i64,
    pub remoteCommandEscapeByDefault: bool,
    // Session
    pub displayLastLogin: bool,
    pub fanciness: String,
    pub interactiveModeAllowed: bool,
    pub interactiveModeTimeout: i64,
    pub interactiveModeByDefault: bool,
    pub interactiveModeProactiveMFAenabled: bool,
    pub interactiveModeProactiveMFAexpiration: i64,
    pub idleLockTimeout: i64,
    pub idleKillTimeout: i64,
    pub warnBeforeLockSeconds: i64,
    pub warnBeforeKillSeconds: i64,
    pub accountExternalValidationProgram: String,
    pub accountExternalValidationDenyOnFailure: bool,
    pub alwaysActiveAccounts: Vec<String>,
    // Accounts and MFA
    pub accountMaxInactiveDays: i64,
    pub accountExpiredMessage: String,
    pub accountCreateSupplementaryGroups: Vec<String>,
    pub accountCreateDefaultPersonalAccesses: Vec<String>,
    pub accountMFAPolicy: String,
    pub MFAPasswordMinDays: i64,
    pub MFAPasswordMaxDays: i64,
    pub MFAPasswordWarnDays: i64,
    pub MFAPasswordInactiveDays: i64,
    pub MFAPostCommand: Vec<String>,
    pub TOTPProvider: String,
    // Other
    pub accountUidMin: i64,
    pub accountUidMax: i64,
    pub groupGidMin: i64,
    pub ttyrecGroupIdOffset: i64,
    pub documentationURL: String,
    pub debug: bool,
}

/// A loaded configuration and what was wrong with it.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The validated configuration.
    pub config: Config,
    /// One line per problem found (value reset, unknown key, ...).
    pub warnings: Vec<String>,
}

/// Strip `#` and `//` comments that are outside JSON strings, and trailing commas.
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut in_str = false;
        let mut escaped = false;
        let mut cut = line.len();
        let b = line.as_bytes();
        for (i, &c) in b.iter().enumerate() {
            if in_str {
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => in_str = false,
                    _ => {}
                }
            } else if c == b'"' {
                in_str = true;
            } else if c == b'#' || (c == b'/' && b.get(i + 1) == Some(&b'/')) {
                cut = i;
                break;
            }
        }
        out.push_str(&line[..cut]);
        out.push('\n');
    }
    out
}

/// Remove commas directly followed (ignoring whitespace) by `}` or `]`, outside strings.
fn strip_trailing_commas(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let (mut in_str, mut escaped) = (false, false);
    for (i, &c) in chars.iter().enumerate() {
        if in_str {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_str = false,
                _ => {}
            }
        } else if c == '"' {
            in_str = true;
        } else if c == ',' {
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if matches!(next, Some('}' | ']') | None) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// Parse the JSON-with-comments text of a bastion config file into an object.
pub fn parse_text(text: &str) -> Result<Map<String, Value>, ConfigError> {
    let body = strip_comments(text);
    let trimmed = body.trim();
    let wrapped = if trimmed.starts_with('{') {
        trimmed.to_owned()
    } else {
        format!("{{{trimmed}}}")
    };
    match serde_json::from_str::<Value>(&strip_trailing_commas(&wrapped)) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ConfigError("configuration is not a JSON object".into())),
        Err(e) => Err(ConfigError(format!("configuration is not valid JSON: {e}"))),
    }
}

/// Refuse a file that a non-root user could have written.
pub fn check_secure(path: &Path) -> Result<(), ConfigError> {
    let md = std::fs::symlink_metadata(path).map_err(|e| {
        ConfigError(format!(
            "Configuration file {} can't be read: {e}",
            path.display()
        ))
    })?;
    let who = path.display();
    if md.uid() != 0 {
        return Err(ConfigError(format!(
            "Configuration file ({who}) is not owned by root, report to your sysadmin."
        )));
    }
    if !md.file_type().is_file() {
        return Err(ConfigError(format!(
            "Configuration file ({who}) is not a regular file, report to your sysadmin."
        )));
    }
    if md.mode() & 0o020 != 0 {
        return Err(ConfigError(format!(
            "Configuration file ({who}) is group-writable, report to your sysadmin."
        )));
    }
    if md.mode() & 0o002 != 0 {
        return Err(ConfigError(format!(
            "Configuration file ({who}) is world-writable, report to your sysadmin."
        )));
    }
    Ok(())
}

/// Load and validate a configuration file.
pub fn load(path: &Path) -> Result<Loaded, ConfigError> {
    check_secure(path)?;
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigError(format!(
            "Configuration file {} can't be read: {e}",
            path.display()
        ))
    })?;
    Ok(from_map(parse_text(&text)?))
}

/// Load the main configuration (`/etc/bastion/bastion.conf`).
pub fn load_default() -> Result<Loaded, ConfigError> {
    load(&PathBuf::from(DEFAULT_PATH))
}

/// Reads keys out of the raw map, recording what it had to fix.
struct Reader {
    raw: Map<String, Value>,
    seen: BTreeSet<&'static str>,
    warnings: Vec<String>,
}

impl Reader {
    fn take(&mut self, key: &'static str) -> Option<Value> {
        self.seen.insert(key);
        self.raw.get(key).filter(|v| !v.is_null()).cloned()
    }

    fn boolean(&mut self, key: &'static str, default: bool) -> bool {
        let Some(v) = self.take(key) else {
            return default;
        };
        match &v {
            Value::Bool(b) => *b,
            Value::Number(n) if n.as_i64() == Some(0) => false,
            Value::Number(n) if n.as_i64() == Some(1) => true,
            Value::String(s)
                if matches!(s.to_ascii_lowercase().as_str(), "no" | "false" | "disabled") =>
            {
                self.warnings.push(format!(
                    "Configuration error: found value '{s}' for option '{key}', but it's supposed to be a boolean, assuming false"
                ));
                false
            }
            Value::String(s) if s == "0" || s == "1" => s == "1",
            other => {
                let truthy = !matches!(other, Value::String(s) if s.is_empty());
                self.warnings.push(format!(
                    "Configuration error: found value '{other}' for option '{key}', but it's supposed to be a boolean, assuming {truthy}"
                ));
                truthy
            }
        }
    }

    fn int(&mut self, key: &'static str, min: i64, max: i64, default: i64) -> i64 {
        let Some(v) = self.take(key) else {
            return default;
        };
        let n = match &v {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        };
        match n {
            None => {
                self.warnings.push(format!(
                    "Configuration error: value of option '{key}' ('{v}') is not a number, defaulting to {default}"
                ));
                default
            }
            Some(n) if n > max => {
                self.warnings.push(format!(
                    "Configuration error: value of option '{key}' ({n}) is higher than allowed value ({max}), defaulting to {default}"
                ));
                default
            }
            Some(n) if n < min => {
                self.warnings.push(format!(
                    "Configuration error: value of option '{key}' ({n}) is lower than allowed value ({min}), defaulting to {default}"
                ));
                default
            }
            Some(n) => n,
        }
    }

    /// A string that must fully match `valid`; `empty_ok` lets `""` stand.
    fn string(
        &mut self,
        key: &'static str,
        default: &str,
        empty_ok: bool,
        valid: impl Fn(&str) -> bool,
    ) -> String {
        let Some(v) = self.take(key) else {
            return default.to_owned();
        };
        let s = match &v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => String::new(),
        };
        if s.is_empty() && empty_ok {
            return s;
        }
        if !s.is_empty() && valid(&s) {
            return s;
        }
        self.warnings.push(format!(
            "Configuration error: value of option '{key}' ('{s}') didn't match allowed regex, defaulting to '{default}'"
        ));
        default.to_owned()
    }

    fn one_of(&mut self, key: &'static str, default: &str, valid: &[&str]) -> String {
        let Some(v) = self.take(key) else {
            return default.to_owned();
        };
        match v.as_str() {
            Some(s) if valid.contains(&s) => s.to_owned(),
            _ => {
                self.warnings.push(format!(
                    "Configuration error: option '{key}' should be one of [{}] instead of '{v}'",
                    valid.join(",")
                ));
                default.to_owned()
            }
        }
    }

    fn list(
        &mut self,
        key: &'static str,
        default: &[&str],
        valid: impl Fn(&str) -> bool,
    ) -> Vec<String> {
        let default: Vec<String> = default.iter().map(|s| (*s).to_owned()).collect();
        let Some(v) = self.take(key) else {
            return default;
        };
        let Value::Array(items) = v else {
            self.warnings.push(format!(
                "Configuration error: option '{key}' should be an array, defaulting to [{}]",
                default.join(" ")
            ));
            return default;
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match item.as_str() {
                Some(s) if valid(s) => out.push(s.to_owned()),
                _ => {
                    self.warnings.push(format!(
                        "Configuration error: at least one of the values of the array defined by option '{key}' is invalid, defaulting to [{}]",
                        default.join(" ")
                    ));
                    return default;
                }
            }
        }
        out
    }
}

fn charset(extra: &'static str) -> impl Fn(&str) -> bool {
    move |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_alphanumeric() || extra.contains(c))
    }
}

fn any(_: &str) -> bool {
    true
}

fn network(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_hexdigit() || ".:%/".contains(c))
}

const DAYS_5Y: i64 = 365 * 5;
const YEAR_S: i64 = 86400 * 365;

/// Validate a raw key map into a [`Config`].
#[must_use]
#[allow(clippy::too_many_lines)]
pub fn from_map(raw: Map<String, Value>) -> Loaded {
    let mut r = Reader {
        raw,
        seen: BTreeSet::new(),
        warnings: Vec::new(),
    };
    // Deprecated names The Bastion still accepts.
    for (old, new) in [
        ("cacheName", "bastionName"),
        ("adminLogins", "adminAccounts"),
        ("ipWhiteList", "ingressKeysFrom"),
        ("minimumRsaKeySize", "minimumIngressRsaKeySize"),
    ] {
        if let Some(v) = r.raw.get(old).cloned() {
            r.raw.entry(new.to_owned()).or_insert(v);
            r.seen.insert(old);
        }
    }
    if let Some(v) = r.raw.get("minimumRsaKeySize").cloned() {
        r.raw
            .entry("minimumEgressRsaKeySize".to_owned())
            .or_insert(v);
    }
    let name_chars = charset("_.-");
    let mut c = Config {
        bastionName: r.string(
            "bastionName",
            "fix-my-config-please-missing-bastion-name",
            false,
            &name_chars,
        ),
        bastionCommand: r.string(
            "bastionCommand",
            "ssh ACCOUNT@HOSTNAME -t -- ",
            false,
            |s| !s.contains('\n'),
        ),
        readOnlySlaveMode: r.boolean("readOnlySlaveMode", false),
        adminAccounts: r.list("adminAccounts", &[], any),
        superOwnerAccounts: r.list("superOwnerAccounts", &[], any),
        allowedIngressSshAlgorithms: r.list(
            "allowedIngressSshAlgorithms",
            &["rsa", "ecdsa", "ed25519", "ecdsa-sk", "ed25519-sk"],
            |s| ["rsa", "ecdsa", "ed25519", "ecdsa-sk", "ed25519-sk"].contains(&s),
        ),
        allowedEgressSshAlgorithms: r.list(
            "allowedEgressSshAlgorithms",
            &["rsa", "ecdsa", "ed25519"],
            |s| ["rsa", "ecdsa", "ed25519"].contains(&s),
        ),
        minimumIngressRsaKeySize: r.int("minimumIngressRsaKeySize", 1024, 16384, 2048),
        maximumIngressRsaKeySize: r.int("maximumIngressRsaKeySize", 1024, 32768, 8192),
        minimumEgressRsaKeySize: r.int("minimumEgressRsaKeySize", 1024, 16384, 2048),
        maximumEgressRsaKeySize: r.int("maximumEgressRsaKeySize", 1024, 32768, 8192),
        defaultAccountEgressKeyAlgorithm: r.one_of(
            "defaultAccountEgressKeyAlgorithm",
            "ecdsa",
            &["rsa", "ecdsa", "ed25519"],
        ),
        defaultAccountEgressKeySize: r.int("defaultAccountEgressKeySize", 0, 32768, 0),
        moshAllowed: r.boolean("moshAllowed", false),
        moshTimeoutNetwork: r.int("moshTimeoutNetwork", 0, YEAR_S, 86400),
        moshTimeoutSignal: r.int("moshTimeoutSignal", 0, YEAR_S, 30),
        moshCommandLine: r.string("moshCommandLine", "", true, |s| !s.contains('\n')),
        egressProxyJumpAllowed: r.boolean("egressProxyJumpAllowed", false),
        dnsSupportLevel: r.int("dnsSupportLevel", 0, 2, 2),
        allowedNetworks: r.list("allowedNetworks", &[], network),
        forbiddenNetworks: r.list("forbiddenNetworks", &[], network),
        ingressToEgressRules: r
            .take("ingressToEgressRules")
            .unwrap_or_else(|| Value::Array(vec![])),
        IPv4Allowed: r.boolean("IPv4Allowed", true),
        IPv6Allowed: r.boolean("IPv6Allowed", false),
        egressToBastionAllowedNetworks: r.list("egressToBastionAllowedNetworks", &[], network),
        enableSyslog: r.boolean("enableSyslog", true),
        syslogFacility: r.string("syslogFacility", "local7", false, charset("_")),
        syslogDescription: r.string("syslogDescription", "bastion", false, &name_chars),
        enableGlobalAccessLog: r.boolean("enableGlobalAccessLog", true),
        enableAccountAccessLog: r.boolean("enableAccountAccessLog", true),
        enableGlobalSqlLog: r.boolean("enableGlobalSqlLog", true),
        enableAccountSqlLog: r.boolean("enableAccountSqlLog", true),
        ttyrecFilenameFormat: r.string(
            "ttyrecFilenameFormat",
            "%Y-%m-%d.%H-%M-%S.#usec#.&uniqid.&account.&user.&ip.&port.ttyrec",
            false,
            charset("%&#_.-"),
        ),
        ttyrecDirectPathFormat: r.string("ttyrecDirectPathFormat", "", true, charset("%&#_./-")),
        ttyrecViaPathFormat: r.string("ttyrecViaPathFormat", "", true, charset("%&#_./-")),
        ttyrecAdditionalParameters: r.list("ttyrecAdditionalParameters", &[], any),
        ttyrecStealthStdoutPattern: r
            .string("ttyrecStealthStdoutPattern", "", true, |s| s.len() <= 4096),
        sealRecordings: r.boolean("sealRecordings", true),
        sealCheckpointSeconds: r.int("sealCheckpointSeconds", 0, YEAR_S, 60),
        sealCheckpointBytes: r.int("sealCheckpointBytes", 0, 1 << 40, 64 * 1024 * 1024),
        ingressKeysFrom: r.list("ingressKeysFrom", &[], network),
        ingressKeysFromAllowOverride: r.boolean("ingressKeysFromAllowOverride", false),
        ingressRequirePIV: r.boolean("ingressRequirePIV", false),
        defaultLogin: r.string("defaultLogin", "", true, &name_chars),
        egressKeysFrom: r.list("egressKeysFrom", &[], network),
        keyboardInteractiveAllowed: r.boolean("keyboardInteractiveAllowed", true),
        passwordAllowed: r.boolean("passwordAllowed", false),
        telnetAllowed: r.boolean("telnetAllowed", false),
        sshAddKeysToAgentAllowed: r.boolean("sshAddKeysToAgentAllowed", false),
        sshClientHasOptionE: r.boolean("sshClientHasOptionE", false),
        sshClientDebugLevel: r.int("sshClientDebugLevel", 0, 3, 0),
        remoteCommandEscapeByDefault: r.boolean("remoteCommandEscapeByDefault", false),
        displayLastLogin: r.boolean("displayLastLogin", true),
        fanciness: r.one_of(
            "fanciness",
            "full",
            &["none", "boomer", "basic", "millenial", "full", "genz"],
        ),
        interactiveModeAllowed: r.boolean("interactiveModeAllowed", true),
        interactiveModeTimeout: r.int("interactiveModeTimeout", 0, YEAR_S, 15),
        interactiveModeByDefault: r.boolean("interactiveModeByDefault", true),
        interactiveModeProactiveMFAenabled: r.boolean("interactiveModeProactiveMFAenabled", true),
        interactiveModeProactiveMFAexpiration: r.int(
            "interactiveModeProactiveMFAexpiration",
            0,
            86400,
            900,
        ),
        idleLockTimeout: r.int("idleLockTimeout", 0, YEAR_S, 0),
        idleKillTimeout: r.int("idleKillTimeout", 0, YEAR_S, 0),
        warnBeforeLockSeconds: r.int("warnBeforeLockSeconds", 0, YEAR_S, 0),
        warnBeforeKillSeconds: r.int("warnBeforeKillSeconds", 0, YEAR_S, 0),
        accountExternalValidationProgram: r.string(
            "accountExternalValidationProgram",
            "",
            true,
            charset("/$_.-"),
        ),
        accountExternalValidationDenyOnFailure: r
            .boolean("accountExternalValidationDenyOnFailure", true),
        alwaysActiveAccounts: r.list("alwaysActiveAccounts", &[], any),
        accountMaxInactiveDays: r.int("accountMaxInactiveDays", 0, DAYS_5Y, 0),
        accountExpiredMessage: r.string("accountExpiredMessage", "", true, any),
        accountCreateSupplementaryGroups: r.list("accountCreateSupplementaryGroups", &[], any),
        accountCreateDefaultPersonalAccesses: r.list(
            "accountCreateDefaultPersonalAccesses",
            &[],
            any,
        ),
        accountMFAPolicy: r.one_of(
            "accountMFAPolicy",
            "enabled",
            &[
                "disabled",
                "enabled",
                "password-required",
                "totp-required",
                "any-required",
            ],
        ),
        MFAPasswordMinDays: r.int("MFAPasswordMinDays", 0, DAYS_5Y, 0),
        MFAPasswordMaxDays: r.int("MFAPasswordMaxDays", 0, DAYS_5Y, 90),
        MFAPasswordWarnDays: r.int("MFAPasswordWarnDays", 0, DAYS_5Y, 15),
        MFAPasswordInactiveDays: r.int("MFAPasswordInactiveDays", -1, DAYS_5Y, -1),
        MFAPostCommand: r.list("MFAPostCommand", &[], any),
        TOTPProvider: r.one_of(
            "TOTPProvider",
            "google-authenticator",
            &["none", "google-authenticator", "duo"],
        ),
        accountUidMin: r.int("accountUidMin", 100, 999_999_999, 2000),
        accountUidMax: r.int("accountUidMax", 100, 999_999_999, 99999),
        groupGidMin: r.int("groupGidMin", 10000, 999_999_999, 500_000),
        ttyrecGroupIdOffset: r.int("ttyrecGroupIdOffset", 1, 999_999_999, 100_000),
        documentationURL: r.string(
            "documentationURL",
            "https://ovh.github.io/the-bastion/",
            false,
            charset(":/@&=\",;_.# -"),
        ),
        debug: r.boolean("debug", false),
    };
    cross_check(&mut c, &mut r.warnings);
    not_honoured_yet(&c, &mut r.warnings);
    if !r
        .raw
        .get("ingressToEgressRules")
        .is_none_or(Value::is_array)
    {
        r.warnings.push("Configuration error: option 'ingressToEgressRules' should be an array, defaulting to []".into());
        c.ingressToEgressRules = Value::Array(vec![]);
    }
    let mut unknown: Vec<&String> = r
        .raw
        .keys()
        .filter(|k| !r.seen.contains(k.as_str()))
        .collect();
    unknown.sort();
    for k in unknown {
        r.warnings.push(format!(
            "Configuration error: unknown option '{k}' found, it'll be ignored"
        ));
    }
    Loaded {
        config: c,
        warnings: r.warnings,
    }
}

/// Keys of The Bastion's whose feature osh does not have yet, set to a value
/// that asks for it: said (a `code-warning` at every run), never silently
/// ignored. Each pair is the key and what osh does instead. Keys that only
/// tune a missing feature (mosh timeouts, MFA password ages, interactive
/// mode timeouts, group gids) or only look (fanciness, documentationURL,
/// debug) are not listed: they ask for nothing osh fails to do.
fn not_honoured_yet(c: &Config, w: &mut Vec<String>) {
    let flags = [
        ("moshAllowed", c.moshAllowed, "no mosh"),
        (
            "egressProxyJumpAllowed",
            c.egressProxyJumpAllowed,
            "-J is refused",
        ),
        ("ingressRequirePIV", c.ingressRequirePIV, "no PIV check"),
        ("passwordAllowed", c.passwordAllowed, "no egress passwords"),
        ("telnetAllowed", c.telnetAllowed, "no telnet"),
        (
            "sshAddKeysToAgentAllowed",
            c.sshAddKeysToAgentAllowed,
            "--forward-agent is refused",
        ),
        (
            "sshClientHasOptionE",
            c.sshClientHasOptionE,
            "ssh's -E is not used",
        ),
        (
            "displayLastLogin",
            c.displayLastLogin,
            "the last login is not shown",
        ),
        (
            "interactiveModeAllowed",
            c.interactiveModeAllowed,
            "no interactive mode: 114",
        ),
        (
            "interactiveModeByDefault",
            c.interactiveModeByDefault,
            "no interactive mode: 104",
        ),
    ];
    for (key, set, instead) in flags {
        if set {
            w.push(format!(
                "Configuration warning: '{key}' is enabled, which osh does not honour yet ({instead})"
            ));
        }
    }
    let others = [
        (
            "ttyrecViaPathFormat",
            !c.ttyrecViaPathFormat.is_empty(),
            "no via sessions",
        ),
        (
            "sshClientDebugLevel",
            c.sshClientDebugLevel != 0,
            "the egress ssh is not verbose",
        ),
        (
            "accountCreateDefaultPersonalAccesses",
            !c.accountCreateDefaultPersonalAccesses.is_empty(),
            "new accounts get no default access",
        ),
        (
            "accountMFAPolicy",
            c.accountMFAPolicy != "disabled",
            "no MFA",
        ),
    ];
    for (key, set, instead) in others {
        if set {
            w.push(format!(
                "Configuration warning: '{key}' is set, which osh does not honour yet ({instead})"
            ));
        }
    }
}

/// The checks between keys that The Bastion makes after the per-key ones.
fn cross_check(c: &mut Config, w: &mut Vec<String>) {
    if c.accountUidMin + 1000 > c.accountUidMax {
        w.push(format!(
            "Configuration error: 'accountUidMax' ({}) is too close from 'accountUidMin' ({}), setting it to {}",
            c.accountUidMax,
            c.accountUidMin,
            c.accountUidMin + 1000
        ));
        c.accountUidMax = c.accountUidMin + 1000;
    }
    if c.ttyrecGroupIdOffset < c.accountUidMax - c.accountUidMin {
        let fixed = c.accountUidMax - c.accountUidMin + 1;
        w.push(format!(
            "Configuration error: 'ttyrecGroupIdOffset' ({}) is too small, setting it to {fixed}",
            c.ttyrecGroupIdOffset
        ));
        c.ttyrecGroupIdOffset = fixed;
    }
    let min_gid = c.accountUidMax + c.ttyrecGroupIdOffset + 1;
    if c.groupGidMin < min_gid {
        w.push(format!(
            "Configuration error: 'groupGidMin' ({}) would overlap with account UIDs and/or ttyrec GIDs, setting it to {min_gid}",
            c.groupGidMin
        ));
        c.groupGidMin = min_gid;
    }
    for (min, max, label) in [
        (
            &mut c.minimumIngressRsaKeySize,
            c.maximumIngressRsaKeySize,
            "Ingress",
        ),
        (
            &mut c.minimumEgressRsaKeySize,
            c.maximumEgressRsaKeySize,
            "Egress",
        ),
    ] {
        if *min > max {
            w.push(format!("Configuration error: 'minimum{label}RsaKeySize' ({min}) must be <= 'maximum{label}RsaKeySize' ({max}), setting it to {max}"));
            *min = max;
        }
    }
    // The egress key size follows the algorithm: ed25519 has one size, and an
    // unset or out-of-range size takes the algorithm's default.
    c.defaultAccountEgressKeySize = match c.defaultAccountEgressKeyAlgorithm.as_str() {
        "ed25519" => 256,
        "ecdsa" if [256, 384, 521].contains(&c.defaultAccountEgressKeySize) => {
            c.defaultAccountEgressKeySize
        }
        "ecdsa" => 521,
        _ if (c.minimumEgressRsaKeySize..=c.maximumEgressRsaKeySize)
            .contains(&c.defaultAccountEgressKeySize) =>
        {
            c.defaultAccountEgressKeySize
        }
        _ => 4096.clamp(c.minimumEgressRsaKeySize, c.maximumEgressRsaKeySize),
    };
    if c.idleKillTimeout != 0 && c.idleLockTimeout != 0 && c.idleKillTimeout <= c.idleLockTimeout {
        w.push("Configuration error: 'idleKillTimeout' is lower or equal to 'idleLockTimeout', disabling idle lock".into());
        c.idleLockTimeout = 0;
    }
    if c.idleLockTimeout == 0 {
        c.warnBeforeLockSeconds = 0;
    }
    if c.idleKillTimeout == 0 {
        c.warnBeforeKillSeconds = 0;
    }
}

impl Default for Config {
    fn default() -> Self {
        from_map(Map::new()).config
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn defaults() {
        let l = from_map(Map::new());
        // The Bastion's defaults ask for features osh does not have yet: said.
        assert_eq!(l.warnings.len(), 4, "{:?}", l.warnings);
        assert!(
            l.warnings.iter().all(|w| w.contains("does not honour yet")),
            "{:?}",
            l.warnings
        );
        let c = l.config;
        assert_eq!(c.bastionName, "fix-my-config-please-missing-bastion-name");
        assert_eq!(c.defaultAccountEgressKeyAlgorithm, "ecdsa");
        assert_eq!(c.defaultAccountEgressKeySize, 521);
        assert_eq!(c.syslogFacility, "local7");
        assert_eq!(c.dnsSupportLevel, 2);
        assert!(c.IPv4Allowed && !c.IPv6Allowed && c.enableSyslog);
        assert_eq!(c.allowedIngressSshAlgorithms.len(), 5);
    }

    #[test]
    fn comments_braces_and_trailing_commas() {
        let text = r#"
# a comment
// another
"bastionName": "my-bastion", # trailing comment
"documentationURL": "https://x.example/#anchor",
"adminAccounts": ["admin"],
"#;
        let m = parse_text(text).unwrap();
        let c = from_map(m).config;
        assert_eq!(c.bastionName, "my-bastion");
        assert_eq!(c.documentationURL, "https://x.example/#anchor");
        assert_eq!(c.adminAccounts, ["admin"]);
        assert!(parse_text("{\"a\": 1,}").is_ok());
        assert!(parse_text("\"a\": ").is_err());
    }

    #[test]
    fn lenient_values_and_warnings() {
        let m = parse_text(
            r#""enableSyslog": "no", "IPv6Allowed": 1, "dnsSupportLevel": 7, "bastionName": "bad name",
               "readOnlySlaveMode": "yes", "fanciness": "ultra", "noSuchKey": 1, "adminAccounts": "x",
               "minimumIngressRsaKeySize": "4096", "defaultAccountEgressKeyAlgorithm": "rsa""#,
        )
        .unwrap();
        let l = from_map(m);
        let c = &l.config;
        assert!(!c.enableSyslog && c.IPv6Allowed && c.readOnlySlaveMode);
        assert_eq!(c.dnsSupportLevel, 2);
        assert_eq!(c.bastionName, "fix-my-config-please-missing-bastion-name");
        assert_eq!(c.fanciness, "full");
        assert!(c.adminAccounts.is_empty());
        assert_eq!(c.minimumIngressRsaKeySize, 4096);
        assert_eq!(c.defaultAccountEgressKeySize, 4096);
        let all = l.warnings.join("\n");
        for needle in [
            "'enableSyslog'",
            "'dnsSupportLevel' (7)",
            "'bastionName'",
            "'readOnlySlaveMode'",
            "'fanciness'",
            "unknown option 'noSuchKey'",
            "'adminAccounts'",
        ] {
            assert!(all.contains(needle), "missing {needle} in {all}");
        }
    }

    #[test]
    fn cross_checks() {
        let m = parse_text(r#""accountUidMin": 5000, "accountUidMax": 5500, "idleLockTimeout": 60, "idleKillTimeout": 30, "warnBeforeLockSeconds": 5"#).unwrap();
        let c = from_map(m).config;
        assert_eq!(c.accountUidMax, 6000);
        assert_eq!(c.idleLockTimeout, 0);
        assert_eq!(c.warnBeforeLockSeconds, 0);
    }

    #[test]
    fn insecure_files_are_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("bastion.conf");
        std::fs::write(&f, "\"bastionName\": \"x\"").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o664)).unwrap();
        let owned_by_root = nix::unistd::geteuid().is_root();
        let err = load(&f).unwrap_err().0;
        if owned_by_root {
            assert!(err.contains("group-writable"), "{err}");
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o646)).unwrap();
            assert!(load(&f).unwrap_err().0.contains("world-writable"));
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert_eq!(load(&f).unwrap().config.bastionName, "x");
        } else {
            assert!(err.contains("not owned by root"), "{err}");
        }
    }

    #[test]
    fn shipped_dist_file_is_clean_and_one_key_per_line() {
        let dist = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../etc/bastion/bastion.conf.dist"
        );
        let text = std::fs::read_to_string(dist).unwrap();
        let l = from_map(parse_text(&text).unwrap());
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
        // Admins and The Bastion's test harness edit it with line-based regexes.
        let keys = parse_text(&text).unwrap();
        for k in keys.keys() {
            let lines: Vec<_> = text
                .lines()
                .filter(|l| l.trim_start().starts_with(&format!("\"{k}\":")))
                .collect();
            assert_eq!(lines.len(), 1, "{k} must be on exactly one line");
        }
        // The 79 of reference §7, and osh's own egressToBastionAllowedNetworks
        // and three seal keys.
        assert_eq!(keys.len(), 83, "every key of reference §7 is in the .dist");
        for own in [
            "egressToBastionAllowedNetworks",
            "sealRecordings",
            "sealCheckpointSeconds",
            "sealCheckpointBytes",
        ] {
            assert!(keys.contains_key(own), "{own}");
        }
    }

    proptest! {
        #[test]
        fn loader_never_panics(text in ".{0,300}") {
            if let Ok(m) = parse_text(&text) { let _ = from_map(m); }
        }
    }
}
