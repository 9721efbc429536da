//! The settings of a run, assembled from the settings type each module owns.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::ValueEnum;

use crate::cli::Cli;
use crate::config::{ConfigError, EnvSource};
use crate::logging::{LogFormat, LoggingSettings};
use crate::publish::upload::UploadSettings;
use crate::run::metrics::MetricsFile;
use crate::run::push::PushUrl;
use crate::s3::SpacesSettings;
use crate::sources::backups::BackupSettings;
use crate::sources::kuma::KumaSettings;

/// Every setting of the run, validated.
#[derive(Debug)]
pub struct Settings {
    pub logging: LoggingSettings,
    /// One deadline for the whole run.
    pub timeout: Duration,
    pub env_file: Option<PathBuf>,
    pub kuma: Option<KumaSettings>,
    pub spaces: SpacesSettings,
    pub backups: Option<BackupSettings>,
    pub publish: PublishSettings,
    pub upload: UploadSettings,
    /// One line per source that is not configured, said once by the commands that need it.
    pub unconfigured: Vec<String>,
}

/// What reading the settings gave: how to log (always known, falling back to the defaults),
/// what to warn about, and the settings or every error found in them.
pub struct Loaded {
    pub logging: LoggingSettings,
    pub warnings: Vec<String>,
    pub settings: Result<Settings, Vec<ConfigError>>,
}

impl Settings {
    /// Reads every setting. A bad value does not stop the reading, so all of them are
    /// reported together.
    pub fn load(cli: &Cli) -> Loaded {
        Settings::from_env(&env_source(cli), cli)
    }

    /// Every module's settings from `env`; `cli` gives the options that are not settings.
    pub fn from_env(env: &EnvSource, cli: &Cli) -> Loaded {
        let format = match env.choice("STATUS_LOG_FORMAT", &["text", "json"], "text") {
            "json" => LogFormat::Json,
            _ => LogFormat::Text,
        };
        let verbosity = if cli.global.quiet {
            -1
        } else {
            cli.global.verbose.min(2) as i8
        };
        let mut warnings = env.warnings().to_vec();
        warnings.extend(env.file_path().and_then(permissions_warning));
        let mut unconfigured = Vec::new();
        let kuma = KumaSettings::from_env(env, &mut unconfigured);
        let spaces = SpacesSettings::from_env(env);
        let backups = BackupSettings::from_env(env, &mut unconfigured);
        let timeout = env.duration("STATUS_TIMEOUT", Duration::from_secs(30));
        let publish = PublishSettings::from_env(env);
        let upload = UploadSettings::from_env(env);
        let logging = LoggingSettings { format, verbosity };
        let settings = env.finish().map(|()| Settings {
            logging,
            timeout,
            env_file: env.file_path().map(Path::to_path_buf),
            kuma,
            spaces,
            backups,
            publish,
            upload,
            unconfigured,
        });
        Loaded {
            logging,
            warnings,
            settings,
        }
    }

    /// The HTTP client for the push ping and the public URL check. `KUMA_CA_CERT` is trusted
    /// too: the push URL is usually on the same Kuma.
    pub fn web_client(&self) -> anyhow::Result<reqwest::Client> {
        let ca_cert = self.kuma.as_ref().and_then(|kuma| kuma.ca_cert.as_deref());
        crate::http::client(
            self.timeout,
            ca_cert,
            "KUMA_CA_CERT",
            crate::http::Redirects::Anywhere,
        )
    }
}

/// Where the settings come from: the environment, the env file and the command line's flags
/// (which win).
pub fn env_source(cli: &Cli) -> EnvSource {
    let mut env = EnvSource::load(cli.global.env_file.as_deref());
    env.set_flag("STATUS_TIMEOUT", "--timeout", cli.global.timeout.clone());
    // clap's name of the value, so the flag and the setting take the same words.
    let format = cli
        .global
        .log_format
        .and_then(|format| format.to_possible_value());
    env.set_flag(
        "STATUS_LOG_FORMAT",
        "--log-format",
        format.map(|value| value.get_name().to_string()),
    );
    env
}

/// A warning when the env file (which holds secrets) is readable by group or others.
fn permissions_warning(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then(|| {
        format!(
            "env file {} has mode {mode:03o} (readable by group or others) and may hold secrets; run: chmod 600 {}",
            path.display(),
            path.display()
        )
    })
}

/// `STATUS_MAX_SIZE` by default: room for thousands of components (README, "What it
/// publishes"), and a bound on what `upload` reads into memory.
pub const DEFAULT_MAX_SIZE: u64 = 1 << 20;

/// The smallest `STATUS_MAX_SIZE`: a document with every field unknown takes about 180 bytes.
const MIN_MAX_SIZE: u64 = 1024;

/// Settings of the publishing path (`generate`, `upload`, `check`), other than the bucket's.
#[derive(Debug, Clone)]
pub struct PublishSettings {
    /// `STATUS_OUTPUT`: where generate writes and upload reads.
    pub output: PathBuf,
    /// `STATUS_LOCK_FILE`: default `STATUS_OUTPUT` + `.lock`.
    pub lock_file: PathBuf,
    pub override_file: Option<PathBuf>,
    /// `STATUS_OVERRIDE_MAX_TTL`: an override expiring further ahead is refused.
    pub override_max_ttl: Duration,
    pub publish_components: bool,
    /// `STATUS_MAX_SIZE`: the largest document `generate` writes and `upload` sends, in bytes.
    pub max_size: u64,
    /// `STATUS_REQUIRE`: sources that must be configured (a missing one is a ConfigError).
    pub require_kuma: bool,
    pub require_backups: bool,
    pub push_url: Option<PushUrl>,
    /// `STATUS_METRICS_FILE`: the job's metrics, for node_exporter's textfile collector.
    pub metrics_file: Option<PathBuf>,
}

impl PublishSettings {
    /// The publishing settings; an invalid one is recorded in `env`.
    pub fn from_env(env: &EnvSource) -> PublishSettings {
        let output = env.path_or("STATUS_OUTPUT", "status.json");
        if output.file_name().is_none() || output.is_dir() {
            env.refuse_setting(
                "STATUS_OUTPUT",
                format!(
                    "STATUS_OUTPUT: {:?} is a directory, not a file; expected a file path such as /var/lib/status/status.json",
                    output.display().to_string()
                ),
            );
        }
        let lock_file = env.path("STATUS_LOCK_FILE").unwrap_or_else(|| {
            let mut name = output.clone().into_os_string();
            name.push(".lock");
            PathBuf::from(name)
        });
        let require = env.word_list("STATUS_REQUIRE", &["kuma", "backups"]);
        let metrics_file = env.path("STATUS_METRICS_FILE");
        if let Some(path) = &metrics_file
            && (path.is_dir() || path.extension().is_none_or(|ext| ext != "prom"))
        {
            env.refuse_setting(
                "STATUS_METRICS_FILE",
                format!(
                    "STATUS_METRICS_FILE: {:?} is not a *.prom file, the only files node_exporter's textfile collector reads; expected e.g. /var/lib/node_exporter/textfile_collector/status.prom",
                    path.display().to_string()
                ),
            );
        }
        PublishSettings {
            output,
            lock_file,
            override_file: env.path("STATUS_OVERRIDE_FILE"),
            override_max_ttl: env.duration(
                "STATUS_OVERRIDE_MAX_TTL",
                Duration::from_secs(7 * 24 * 3600),
            ),
            publish_components: env.bool("STATUS_PUBLISH_COMPONENTS", false),
            max_size: env.size("STATUS_MAX_SIZE", DEFAULT_MAX_SIZE, MIN_MAX_SIZE),
            require_kuma: require.iter().any(|source| source == "kuma"),
            require_backups: require.iter().any(|source| source == "backups"),
            push_url: PushUrl::from_env(env),
            metrics_file,
        }
    }

    /// Where the run writes its metrics, when `STATUS_METRICS_FILE` is set.
    pub fn metrics_file(&self) -> Option<MetricsFile> {
        self.metrics_file
            .clone()
            .map(|path| MetricsFile::new(path, self.lock_file.clone()))
    }
}

/// Refuses to run when `STATUS_REQUIRE` names a source that is not configured.
pub fn check_required(settings: &Settings) -> Result<(), ConfigError> {
    let publish = &settings.publish;
    if publish.require_kuma && settings.kuma.is_none() {
        return Err(ConfigError::new(
            "STATUS_REQUIRE: kuma is required but KUMA_URL is not set; set KUMA_URL and KUMA_STATUS_PAGE",
        ));
    }
    if publish.require_backups && settings.backups.is_none() {
        return Err(ConfigError::new(
            "STATUS_REQUIRE: backups is required but neither BACKUP_BUCKET nor BACKUP_DIR is set; set one of them",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    /// Every module reads its settings with a source configured, so each default written in
    /// the code meets the table's check (`config::check_default`, a debug assertion).
    #[test]
    fn every_default_in_the_code_is_the_tables() {
        let cli = Cli::parse_from(["status", "check"]);
        for source in [("BACKUP_BUCKET", "backups"), ("BACKUP_DIR", "/var/backups")] {
            let env = EnvSource::from_pairs(&[
                ("KUMA_URL", "https://kuma.example.com"),
                ("KUMA_STATUS_PAGE", "main"),
                source,
            ]);
            let settings = Settings::from_env(&env, &cli).settings.unwrap();
            assert_eq!(settings.timeout, Duration::from_secs(30));
            assert_eq!(settings.publish.output, PathBuf::from("status.json"));
        }
    }
}
