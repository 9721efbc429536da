//! The env file, in the one syntax that `status --env-file`, systemd's `EnvironmentFile=` and
//! `kubectl create secret --from-env-file` all read the same way (README, "The env file"):
//!
//! - one `KEY=value` per line; `KEY` is ASCII letters, digits and `_`, not starting with a digit;
//! - blank lines, and lines whose first non-blank character is `#`, are ignored;
//! - the value is everything after the first `=`, literally: no quotes are removed, no `$` is
//!   expanded, no escape is read, and `#` inside it is part of it.
//!
//! A value that the other two would read differently (systemd removes quotes, reads
//! backslashes and strips surrounding blanks; kubectl keeps all of them) is warned about, as
//! is ` #`, which shells and dotenv read as a comment. Messages never show a value: it may be
//! a secret.

/// One `KEY=value` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// 1-based.
    pub line: usize,
    pub key: String,
    pub value: String,
}

/// What a file holds: its entries, the lines that are not `KEY=value` (each an error), and
/// warnings about values that systemd or kubectl would read differently.
#[derive(Debug, Default)]
pub struct EnvFile {
    pub entries: Vec<Entry>,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

/// Parses `text`; messages start with `shown` (e.g. `env file /etc/status/status.env`).
pub fn parse(text: &str, shown: &str) -> EnvFile {
    let mut file = EnvFile::default();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let Some((key, value)) = trimmed.split_once('=') else {
            file.errors.push(format!(
                "{shown}, line {number}: not KEY=value (the line has no `=`; comments start with #)"
            ));
            continue;
        };
        if let Some(name) = key.strip_prefix("export ") {
            file.errors.push(format!(
                "{shown}, line {number}: `export {}` is shell syntax; write {}=... (systemd and kubectl do not read `export` either)",
                name.trim(),
                name.trim()
            ));
            continue;
        }
        if !is_name(key) {
            file.errors.push(format!(
                "{shown}, line {number}: {key:?} is not a setting name (ASCII letters, digits and _, no blanks around =)"
            ));
            continue;
        }
        if let Some(earlier) = file.entries.iter().find(|entry| entry.key == key) {
            file.warnings.push(format!(
                "{shown}, line {number}: {key} is set again (first on line {}); the last one counts here and in systemd, kubectl refuses the file",
                earlier.line
            ));
        }
        if let Some(difference) = read_differently(value) {
            file.warnings.push(format!(
                "{shown}, line {number}: the value of {key} {difference}; values are literal here and in kubectl, so write the value bare"
            ));
        }
        file.entries.push(Entry {
            line: number,
            key: key.to_string(),
            value: value.to_string(),
        });
    }
    file
}

/// `[A-Za-z_][A-Za-z0-9_]*`: what systemd and kubectl accept as a variable name.
fn is_name(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Why systemd, kubectl or a shell would read `value` differently from its literal text.
fn read_differently(value: &str) -> Option<&'static str> {
    if value.contains(['"', '\'']) {
        Some("holds a quote, which systemd removes and kubectl keeps")
    } else if value.contains('\\') {
        Some("holds a backslash, which systemd reads as an escape and kubectl keeps")
    } else if value != value.trim() {
        Some("starts or ends with blanks, which systemd (and status) strip and kubectl keeps")
    } else if value.contains(" #") || value.contains("\t#") {
        Some("holds ` #`, which a shell or dotenv reads as a comment; here it is part of the value")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(file: &EnvFile) -> Vec<(&str, &str)> {
        file.entries
            .iter()
            .map(|entry| (entry.key.as_str(), entry.value.as_str()))
            .collect()
    }

    #[test]
    fn values_are_literal() {
        let file = parse(
            "# comment\n\n  # indented comment\nSTATUS_KEY=st$atus.json\nSPACES_SECRET=a$b${C}=d\nSTATUS_CACHE_CONTROL=public, max-age=300\r\nEMPTY=\n",
            "env file x",
        );
        assert_eq!(
            entries(&file),
            [
                ("STATUS_KEY", "st$atus.json"),
                ("SPACES_SECRET", "a$b${C}=d"),
                ("STATUS_CACHE_CONTROL", "public, max-age=300"),
                ("EMPTY", ""),
            ]
        );
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        assert!(file.warnings.is_empty(), "{:?}", file.warnings);
    }

    #[test]
    fn values_read_differently_elsewhere_are_warned_about_without_showing_them() {
        let file = parse(
            "A=\"qu0ted\"\nB=it's\nC=back\\s1ash\nD= p4dded\nE=value # c0mment\nA=again\n",
            "env file x",
        );
        assert_eq!(entries(&file)[0], ("A", "\"qu0ted\""));
        assert_eq!(entries(&file)[4], ("E", "value # c0mment"));
        let expected = [
            "env file x, line 1: the value of A holds a quote",
            "env file x, line 2: the value of B holds a quote",
            "env file x, line 3: the value of C holds a backslash",
            "env file x, line 4: the value of D starts or ends with blanks",
            "env file x, line 5: the value of E holds ` #`",
            "env file x, line 6: A is set again (first on line 1)",
        ];
        assert_eq!(file.warnings.len(), expected.len(), "{:?}", file.warnings);
        for (warning, start) in file.warnings.iter().zip(expected) {
            assert!(warning.starts_with(start), "{warning}");
        }
        for secret in ["qu0ted", "s1ash", "p4dded", "c0mment"] {
            assert!(
                file.warnings.iter().all(|w| !w.contains(secret)),
                "{secret} shown"
            );
        }
    }

    #[test]
    fn lines_that_are_not_key_value_are_errors_naming_the_line() {
        let file = parse(
            "export STATUS_KEY=a\nSTATUS_KEY = b\nsecret-on-its-own\n1ABC=x\n; semicolon=comment\nOK=1\n",
            "env file x",
        );
        assert_eq!(entries(&file), [("OK", "1")]);
        let expected = [
            "env file x, line 1: `export STATUS_KEY` is shell syntax; write STATUS_KEY=...",
            "env file x, line 2: \"STATUS_KEY \" is not a setting name",
            "env file x, line 3: not KEY=value",
            "env file x, line 4: \"1ABC\" is not a setting name",
            "env file x, line 5: \"; semicolon\" is not a setting name",
        ];
        assert_eq!(file.errors.len(), expected.len(), "{:?}", file.errors);
        for (error, start) in file.errors.iter().zip(expected) {
            assert!(error.starts_with(start), "{error}");
        }
        assert!(!file.errors.iter().any(|e| e.contains("secret-on-its-own")));
    }
}
