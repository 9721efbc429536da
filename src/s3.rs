//! The one S3 client (DigitalOcean Spaces or any S3-compatible server), shared by the backup
//! check and the upload.

use crate::exit::ConfigError;
use crate::settings::{EnvSource, Secret};

#[derive(Debug, Clone)]
pub struct SpacesSettings {
    pub endpoint: Option<reqwest::Url>,
    pub region: Option<String>,
    pub key: Option<Secret>,
    pub secret: Option<Secret>,
    pub path_style: bool,
}

impl SpacesSettings {
    pub fn from_env(env: &EnvSource) -> Result<SpacesSettings, ConfigError> {
        Ok(SpacesSettings {
            endpoint: env.http_url("SPACES_ENDPOINT")?,
            region: env.string("SPACES_REGION"),
            key: env.secret("SPACES_KEY"),
            secret: env.secret("SPACES_SECRET"),
            path_style: env.bool("SPACES_PATH_STYLE", false)?,
        })
    }
}
