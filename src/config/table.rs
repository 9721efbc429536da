//! Every setting `status` reads, in one table: its name, section, default, an example value,
//! what it means, and whether it is a secret or also a flag.
//!
//! This table is the source of `.env.example`, of the settings tables in
//! docs/configuration.md (`tests/settings.rs` regenerates both and fails on any difference) and
//! of `status config`. [`EnvSource`](super::EnvSource) reads only names that are in it, and a
//! getter given a default checks it against the one here (in debug builds, so every test run).
//!
//! Adding a setting is one row below (see CONTRIBUTING.md, "Adding a setting"). A `meaning`
//! is one line of Markdown: backticks are dropped in `.env.example`.

use self::Default::{Unset, Value};
use self::Section::{Backups, General, Kuma, Publishing, Spaces};

/// The settings, in the order `.env.example` and docs/configuration.md list them.
#[rustfmt::skip]
pub const SETTINGS: &[Setting] = &[
    // --- General ---
    Setting::new("STATUS_TIMEOUT", General, Value("30s"),
        "one deadline for the whole run: cron runs every 10 minutes, so a hung server must never keep a run alive into the next one")
        .flag("--timeout"),
    Setting::new("STATUS_LOG_FORMAT", General, Value("text"),
        "log lines on stderr: `text` (RFC 3339 UTC timestamp, level, target, message) or `json` (one object per line, for log shippers)")
        .flag("--log-format"),
    Setting::new("STATUS_ENV_FILE", General, Unset("`./.env` when present"),
        "env file to read settings from (from the flag or the environment; cron starts jobs in `$HOME`, so give it)")
        .flag("--env-file")
        .example("/etc/status/status.env"),
    // --- Uptime Kuma ---
    Setting::new("KUMA_URL", Kuma, Unset("Kuma is not read, so platform status and uptime are unknown"),
        "base URL of Uptime Kuma, with any path prefix behind a reverse proxy; no `user:password@` (refused: the key goes in `KUMA_API_KEY`); redirects are followed only within its origin")
        .example("https://uptime.example.com"),
    Setting::new("KUMA_STATUS_PAGE", Kuma, Unset("required with `KUMA_URL`"),
        "slug of the published status page whose monitors are reported: only monitors on a published page have public numbers")
        .example("main"),
    Setting::new("KUMA_API_KEY", Kuma, Unset(""),
        "Uptime Kuma API key (1.23 or 2.x): `/metrics` then tells paused monitors at once; on 2.x it gives full-precision 30 d and 1 y uptime, and monitors not on the status page")
        .secret()
        .example("uk1_..."),
    Setting::new("KUMA_MONITOR_IDS", Kuma, Unset("every monitor on the status page"),
        "comma list of monitor ids that count toward the platform status and uptime: leaves internal or noisy monitors out")
        .example("1,2,3"),
    Setting::new("KUMA_CRITICAL_IDS", Kuma, Unset("none"),
        "comma list of monitor ids whose `down` is an `outage` even when the others are up (must be in `KUMA_MONITOR_IDS` when that is set)")
        .example("2"),
    Setting::new("KUMA_CONCURRENCY", Kuma, Value("32"),
        "most badge requests in flight at once (1 to 256): at 50 ms latency 32 reads 1,000 monitors in 3.4 s where 8 takes 13.1 s (docs/benchmarks.md)"),
    Setting::new("KUMA_REQUEST_TIMEOUT", Kuma, Value("10s"),
        "timeout of one request to Kuma (Uptime Kuma 1.23 never answers an unknown slug)"),
    Setting::new("KUMA_STALE_AFTER", Kuma, Value("30m"),
        "a monitor whose newest beat is older than this is `stale` and does not count, so it cannot hold the platform up or down; without `KUMA_API_KEY`, how long a paused monitor still counts"),
    Setting::new("KUMA_CA_CERT", Kuma, Unset("system roots only"),
        "PEM file of a private CA that signed Kuma's certificate (there is deliberately no switch to accept any certificate)")
        .example("/etc/status/kuma-ca.pem"),
    Setting::new("KUMA_UPTIME_AGGREGATE", Kuma, Value("mean"),
        "how the platform uptime is made from the counted monitors: `mean`, or `min` (the worst monitor's uptime)"),
    // --- Spaces / S3 ---
    Setting::new("SPACES_ENDPOINT", Spaces, Unset("AWS S3"),
        "S3 endpoint; for Spaces `https://<region>.digitaloceanspaces.com`")
        .example("https://nyc3.digitaloceanspaces.com"),
    Setting::new("SPACES_REGION", Spaces, Unset("the endpoint's first label for `*.digitaloceanspaces.com`, else `us-east-1`"),
        "signing region (and the region new buckets go to); always explicit, so no run waits on a region probe")
        .example("nyc3"),
    Setting::new("SPACES_KEY", Spaces, Unset("the standard AWS credential chain"),
        "access key, set with `SPACES_SECRET` (both or neither); with both, no `~/.aws` file, `AWS_PROFILE`, or `AWS_*` credential, region or endpoint variable is read")
        .secret()
        .example("DO00EXAMPLEKEY"),
    Setting::new("SPACES_SECRET", Spaces, Unset(""), "secret key of `SPACES_KEY`").secret(),
    Setting::new("SPACES_PATH_STYLE", Spaces, Value("false"),
        "`true` sends `endpoint/bucket/key` instead of `bucket.endpoint/key`: needed for local S3 servers on an IP address, or where bucket subdomains do not resolve"),
    // --- Backups ---
    Setting::new("BACKUP_BUCKET", Backups, Unset("backups are not checked and their health is published as unknown"),
        "bucket holding the database backups (or set `BACKUP_DIR`, not both)")
        .example("acme-backups"),
    Setting::new("BACKUP_PREFIX", Backups, Unset("the whole bucket"),
        "key prefix; may hold strftime fields down to `%H` (`db/%Y/%m/%d/`), so only recent folders are listed")
        .example("db/%Y/%m/%d/"),
    Setting::new("BACKUP_DIR", Backups, Unset(""),
        "local directory holding the backups (files directly in it, by modification time), instead of a bucket")
        .example("/var/backups/postgres"),
    Setting::new("BACKUP_MATCH", Backups, Unset("every object counts"),
        "glob on the key after the prefix (or on the file name), so logs and partial uploads are not taken for backups")
        .example("*.sql.gz"),
    Setting::new("BACKUP_WARN_AFTER", Backups, Value("26h"),
        "newest backup older than this: `warning` (a daily job, with 2 h of slack)"),
    Setting::new("BACKUP_FAIL_AFTER", Backups, Value("50h"),
        "newest backup older than this: `failed` (two missed daily runs); longer than `BACKUP_WARN_AFTER`, at most 366 days"),
    Setting::new("BACKUP_MIN_SIZE", Backups, Value("1"),
        "newest backup smaller than this: `failed` (an empty file is never a backup); bytes or units (`10MiB`, `5MB`, `1.5GiB`)"),
    Setting::new("BACKUP_LIST_CONCURRENCY", Backups, Value("16"),
        "list requests in flight at once over key ranges of one prefix (1 to 256; 1 lists page after page): a million keys at 100 ms a page take about 10 s, not 100 s (docs/benchmarks.md)"),
    Setting::new("BACKUP_CLOCK_SKEW", Backups, Value("5m"),
        "a backup dated further ahead than this is not trusted: never the newest, and the health is at least `warning` (a wrong clock must not hide stopped backups)"),
    // --- Publishing ---
    Setting::new("STATUS_OUTPUT", Publishing, Value("status.json"),
        "where `generate` writes the document and `upload` reads it, relative to the working directory (cron: use an absolute path)")
        .example("/var/lib/status/status.json"),
    Setting::new("STATUS_PUBLISH_COMPONENTS", Publishing, Value("false"),
        "publish the status page's monitors (name, state, 24 h uptime) as `components`; off because names can be internal"),
    Setting::new("STATUS_OVERRIDE_FILE", Publishing, Unset("no override"),
        "operator override file: while it exists and has not expired, its `platform_status` (and `message`) win over Kuma's (README, Manual override)")
        .example("/var/lib/status/override.json"),
    Setting::new("STATUS_OVERRIDE_MAX_TTL", Publishing, Value("7d"),
        "an override expiring further ahead is refused (exit 3, push `down`, the real status published): a forgotten override must not hide the truth for months"),
    Setting::new("STATUS_REQUIRE", Publishing, Unset("an unconfigured source is published as unknown"),
        "comma list of `kuma`, `backups` that must be configured: a missing one is a configuration error (exit 2)")
        .example("kuma,backups"),
    Setting::new("STATUS_BUCKET", Publishing, Unset("nothing can be uploaded"),
        "bucket that serves `status.json` (`upload`, `generate --upload`, `check`, `bucket-setup`)")
        .example("example-status"),
    Setting::new("STATUS_KEY", Publishing, Value("status.json"),
        "object key of the document in `STATUS_BUCKET` (what the site fetches)"),
    Setting::new("STATUS_CACHE_CONTROL", Publishing, Value("public, max-age=300"),
        "Cache-Control stored with the object (the frontend's 5-minute cache)"),
    Setting::new("STATUS_ACL", Publishing, Value("public-read"),
        "canned ACL of the object: `public-read` (browsers fetch it directly) or `private`, the two Spaces knows"),
    Setting::new("STATUS_PUBLIC_URL", Publishing, Unset("derived from `SPACES_ENDPOINT`, the bucket and the key"),
        "public URL of the document, read back without credentials after each upload: unreadable is exit 3, other bytes past the cache time a warning; `off`: not read back")
        .example("https://example-status.nyc3.cdn.digitaloceanspaces.com/status.json"),
    Setting::new("STATUS_MAX_SIZE", Publishing, Value("1MiB"),
        "the largest document `generate` writes and `upload` sends (at least 1KiB): a runaway document must never be published; 1 MiB holds thousands of components"),
    Setting::new("STATUS_MAX_AGE", Publishing, Value("30m"),
        "`upload` refuses a document older than this unless `--force`: a stale file must never replace a fresh one by accident"),
    Setting::new("STATUS_LOCK_FILE", Publishing, Unset("`STATUS_OUTPUT` + `.lock`"),
        "run lock, so two overlapping runs never interleave")
        .example("/var/lib/status/status.json.lock"),
    Setting::new("KUMA_PUSH_URL", Publishing, Unset("no dead-man's switch"),
        "Uptime Kuma push monitor URL (its token is in the path): a run that published pings `up`, a failed one `down`, so Kuma alerts when runs fail or stop")
        .secret()
        .example("https://kuma.example.com/api/push/<token>"),
    Setting::new("STATUS_METRICS_FILE", Publishing, Unset("no metrics file"),
        "`*.prom` file for node_exporter's textfile collector: the job's metrics, written at the end of every run (docs/monitoring.md)")
        .example("/var/lib/node_exporter/textfile_collector/status.prom"),
];

/// One setting: a row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    pub name: &'static str,
    pub section: Section,
    pub default: Default,
    /// One line of Markdown: what the setting controls and why it exists.
    pub meaning: &'static str,
    /// A value shown in `.env.example`; the default when it has one.
    pub example: &'static str,
    /// Never printed: `status config` shows `***`.
    pub secret: bool,
    /// The command-line flag that sets it too (and wins).
    pub flag: Option<&'static str>,
}

/// What a setting is when nothing sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Default {
    /// This value, parsed like any other.
    Value(&'static str),
    /// No value; the text (Markdown, may be empty) says what the program does then.
    Unset(&'static str),
}

/// The sections of `.env.example` and the tables of docs/configuration.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    General,
    Kuma,
    Spaces,
    Backups,
    Publishing,
}

impl Section {
    pub const ALL: [Section; 5] = [General, Kuma, Spaces, Backups, Publishing];

    /// The name in the docs' `<!-- settings:NAME -->` markers.
    pub fn marker(self) -> &'static str {
        match self {
            General => "general",
            Kuma => "kuma",
            Spaces => "spaces",
            Backups => "backups",
            Publishing => "publishing",
        }
    }

    /// The heading of the section in `.env.example` and `status config`.
    pub fn title(self) -> &'static str {
        match self {
            General => "General (every run)",
            Kuma => "Uptime Kuma (status kuma, status generate)",
            Spaces => "Spaces / S3 (shared by the backups and the upload)",
            Backups => "Backups (status backups, status generate)",
            Publishing => "Publishing (status generate, status upload)",
        }
    }
}

impl Setting {
    const fn new(
        name: &'static str,
        section: Section,
        default: Default,
        meaning: &'static str,
    ) -> Setting {
        let example = match default {
            Value(value) => value,
            Unset(_) => "",
        };
        Setting {
            name,
            section,
            default,
            meaning,
            example,
            secret: false,
            flag: None,
        }
    }

    const fn example(self, example: &'static str) -> Setting {
        Setting { example, ..self }
    }

    const fn secret(self) -> Setting {
        Setting {
            secret: true,
            ..self
        }
    }

    const fn flag(self, flag: &'static str) -> Setting {
        Setting {
            flag: Some(flag),
            ..self
        }
    }

    /// The default value, when there is one.
    pub fn default_value(&self) -> Option<&'static str> {
        match self.default {
            Value(value) => Some(value),
            Unset(_) => None,
        }
    }
}

/// The row of `name`, if it is a setting.
pub fn find(name: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|setting| setting.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_shaped_like_settings() {
        for (index, setting) in SETTINGS.iter().enumerate() {
            let name = setting.name;
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'),
                "{name}"
            );
            assert!(
                SETTINGS[..index].iter().all(|other| other.name != name),
                "{name} is in the table twice"
            );
        }
    }

    #[test]
    fn meanings_are_one_line_and_sections_are_contiguous() {
        for setting in SETTINGS {
            assert!(!setting.meaning.contains('\n'), "{}", setting.name);
            assert!(!setting.meaning.ends_with('.'), "{}", setting.name);
        }
        let mut sections: Vec<Section> = SETTINGS.iter().map(|s| s.section).collect();
        sections.dedup();
        assert_eq!(
            sections,
            Section::ALL,
            "rows are grouped by section, in order"
        );
    }
}
