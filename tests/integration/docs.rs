//! The docs say what the code does (issue 12 item 14): every config key the docs name
//! exists, every key the config takes is documented, the webhook's scheme rule, the
//! example file's ports and the differences the README lists. The docs are parsed, not
//! copied into a list here, so a key added to the config schema is checked as it lands.

mod config_keys;
mod differences;
mod example_ports;
mod webhook_scheme;

use std::path::Path;

use isagate::config::{Config, ConfigError, LoadOptions};

/// Config text as the loader reads it: `Err` with the message when the TOML does not fit
/// the config schema (an unknown key or table, or a wrong type); `Ok` otherwise (values
/// that fail validation are fine here).
pub fn schema_check(text: &str) -> Result<(), String> {
    let opts = LoadOptions { check_files: false };
    match Config::parse(text, Path::new("probe.toml"), Path::new("/"), opts) {
        Err(ConfigError::Syntax { message, .. }) => Err(message),
        _ => Ok(()),
    }
}
