//! The settings of a run, assembled from the settings type each module owns.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

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

impl Settings {
    pub fn load(cli: &Cli) -> anyhow::Result<Settings> {
        let (mut env, env_file) = EnvSource::load(cli.global.env_file.as_deref())?;
        env.set_override("STATUS_TIMEOUT", cli.global.timeout.clone());
        let format = match cli.global.log_format {
            Some(format) => format,
            None => match env.choice("STATUS_LOG_FORMAT", &["text", "json"], "text")? {
                "json" => LogFormat::Json,
                _ => LogFormat::Text,
            },
        };
        let verbosity = if cli.global.quiet {
            -1
        } else {
            cli.global.verbose.min(2) as i8
        };
        let mut unconfigured = Vec::new();
        let kuma = KumaSettings::from_env(&env, &mut unconfigured)?;
        let spaces = SpacesSettings::from_env(&env)?;
        let backups = BackupSettings::from_env(&env, &mut unconfigured)?;
        Ok(Settings {
            logging: LoggingSettings { format, verbosity },
            timeout: env
                .duration("STATUS_TIMEOUT", Duration::from_secs(30))
                .context("--timeout")?,
            env_file,
            kuma,
            spaces,
            backups,
            publish: PublishSettings::from_env(&env)?,
            upload: UploadSettings::from_env(&env)?,
            unconfigured,
        })
    }

    /// The HTTP client for the push ping and the public URL check. `KUMA_CA_CERT` is trusted
    /// too: the push URL is usually on the same Kuma.
    pub fn web_client(&self) -> anyhow::Result<reqwest::Client> {
        let ca_cert = self.kuma.as_ref().and_then(|kuma| kuma.ca_cert.as_deref());
        crate::http::client(self.timeout, ca_cert, "KUMA_CA_CERT")
    }

    /// Warns once when the env file (which holds secrets) is readable by group or others.
    pub fn warn_about_env_file_permissions(&self) {
        #[cfg(unix)]
        if let Some(path) = &self.env_file {
            use std::os::unix::fs::PermissionsExt;
            if let Ok(meta) = std::fs::metadata(path) {
                let mode = meta.permissions().mode() & 0o777;
                if mode & 0o077 != 0 {
                    tracing::warn!(
                        "env file {} has mode {mode:03o} (readable by group or others) and may hold secrets; run: chmod 600 {}",
                        path.display(),
                        path.display()
                    );
                }
            }
        }
    }
}

/// Settings of the publishing path (`generate`, `upload`, `check`), other than the bucket's.
#[derive(Debug, Clone)]
pub struct PublishSettings {
    /// `STATUS_OUTPUT`: where generate writes and upload reads.
    pub output: PathBuf,
    /// `STATUS_LOCK_FILE`: default `STATUS_OUTPUT` + `.lock`.
    pub lock_file: PathBuf,
    pub override_file: Option<PathBuf>,
    pub publish_components: bool,
    /// `STATUS_REQUIRE`: sources that must be configured (a missing one is a ConfigError).
    pub require_kuma: bool,
    pub require_backups: bool,
    pub push_url: Option<PushUrl>,
    /// `STATUS_METRICS_FILE`: the job's metrics, for node_exporter's textfile collector.
    pub metrics_file: Option<PathBuf>,
}

impl PublishSettings {
    pub fn from_env(env: &EnvSource) -> Result<PublishSettings, ConfigError> {
        let output = env
            .path("STATUS_OUTPUT")
            .unwrap_or_else(|| PathBuf::from("status.json"));
        if output.file_name().is_none() || output.is_dir() {
            return Err(ConfigError::new(format!(
                "STATUS_OUTPUT: {:?} is a directory, not a file; expected a file path such as /var/lib/status/status.json",
                output.display().to_string()
            )));
        }
        let lock_file = env.path("STATUS_LOCK_FILE").unwrap_or_else(|| {
            let mut name = output.clone().into_os_string();
            name.push(".lock");
            PathBuf::from(name)
        });
        let require = env.word_list("STATUS_REQUIRE", &["kuma", "backups"])?;
        let metrics_file = env.path("STATUS_METRICS_FILE");
        if let Some(path) = &metrics_file
            && (path.is_dir() || path.extension().is_none_or(|ext| ext != "prom"))
        {
            return Err(ConfigError::new(format!(
                "STATUS_METRICS_FILE: {:?} is not a *.prom file, the only files node_exporter's textfile collector reads; expected e.g. /var/lib/node_exporter/textfile_collector/status.prom",
                path.display().to_string()
            )));
        }
        Ok(PublishSettings {
            output,
            lock_file,
            override_file: env.path("STATUS_OVERRIDE_FILE"),
            publish_components: env.bool("STATUS_PUBLISH_COMPONENTS", false)?,
            require_kuma: require.iter().any(|source| source == "kuma"),
            require_backups: require.iter().any(|source| source == "backups"),
            push_url: PushUrl::from_env(env)?,
            metrics_file,
        })
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
