//! Where the `audit` commands look when an option is not given: the configuration
//! (`--config`, or `./isagate.toml` when it exists), else the built-in default.
//!
//! The config is read (without looking for its certificate files) only when a default is
//! needed, so an explicit `--store` works beside a broken `isagate.toml`. This module
//! never opens the store or reads a key: it only names files.

use std::path::PathBuf;

use anyhow::Context as _;

use super::{StoreArg, DEFAULT_STORE};
use crate::cli::GlobalArgs;
use crate::config::Config;

/// The configuration, read at most once and only when a default is needed.
#[derive(Debug)]
pub struct Defaults<'a> {
    global: &'a GlobalArgs,
    loaded: Option<Option<Config>>,
}

impl<'a> Defaults<'a> {
    pub fn new(global: &'a GlobalArgs) -> Self {
        Self { global, loaded: None }
    }

    /// The config, when there is one; an error when it is named but cannot be used.
    fn config(&mut self) -> anyhow::Result<Option<&Config>> {
        if self.loaded.is_none() {
            let cfg = match self.global.config_path() {
                Some(path) => Some(Config::load_without_files(&path).with_context(|| {
                    format!("cannot take the audit defaults from `{}`", path.display())
                })?),
                None => None,
            };
            self.loaded = Some(cfg);
        }
        Ok(self.loaded.as_ref().and_then(Option::as_ref))
    }

    /// `--store`, else the config's `[store] url`, else [`DEFAULT_STORE`].
    pub fn store_url(&mut self, arg: &StoreArg) -> anyhow::Result<String> {
        if let Some(url) = &arg.store {
            return Ok(url.clone());
        }
        Ok(self.config()?.map_or_else(|| DEFAULT_STORE.to_owned(), |c| c.store.url.clone()))
    }

    /// `--subject-key`, else the config's `[keys] subject`.
    pub fn subject_key(&mut self, arg: Option<PathBuf>) -> anyhow::Result<Option<PathBuf>> {
        if arg.is_some() {
            return Ok(arg);
        }
        Ok(self.config()?.map(|c| c.keys.subject.clone()))
    }

    /// `--checkpoints`/`--public-key`, else the config's `[checkpoints] file` and the `.pub`
    /// beside `[checkpoints] key`, when both files exist and the store is the config's
    /// (another store's chain is not this gateway's: it would fail every checkpoint).
    pub fn checkpoints(
        &mut self,
        store: &StoreArg,
        file: Option<PathBuf>,
        public_key: Option<PathBuf>,
    ) -> anyhow::Result<Option<(PathBuf, PathBuf)>> {
        if let (Some(f), Some(k)) = (&file, &public_key) {
            return Ok(Some((f.clone(), k.clone())));
        }
        if file.is_some() || public_key.is_some() {
            anyhow::bail!("give `--checkpoints` and `--public-key` together");
        }
        let Some(cfg) = self.config()? else { return Ok(None) };
        if store.store.as_ref().is_some_and(|url| *url != cfg.store.url) {
            return Ok(None);
        }
        let file = cfg.checkpoints.file.clone();
        let public_key = cfg.checkpoints.key.with_extension("pub");
        Ok((file.is_file() && public_key.is_file()).then_some((file, public_key)))
    }

    /// The config's `[checkpoints] file` when `store` is the config's store: the file a
    /// verify is expected to have checked.
    pub fn expected_checkpoints(&mut self, store: &StoreArg) -> anyhow::Result<Option<PathBuf>> {
        let Some(cfg) = self.config()? else { return Ok(None) };
        if store.store.as_ref().is_some_and(|url| *url != cfg.store.url) {
            return Ok(None);
        }
        Ok(Some(cfg.checkpoints.file.clone()))
    }

    /// The config's `[paths]` (agreement and schema folders), when there is a config.
    pub fn paths(&mut self) -> anyhow::Result<Option<crate::config::Paths>> {
        Ok(self.config()?.map(|c| c.paths.clone()))
    }

    /// `--archive`, else the config's `[paths] archive`, else `./archive`.
    pub fn archive_folder(&mut self, arg: Option<PathBuf>) -> anyhow::Result<PathBuf> {
        if let Some(a) = arg {
            return Ok(a);
        }
        Ok(self.config()?.map_or_else(|| PathBuf::from("archive"), |c| c.paths.archive.clone()))
    }

    /// Agency id -> display name from the config (empty without one: ids are shown).
    pub fn agency_names(&mut self) -> anyhow::Result<std::collections::BTreeMap<String, String>> {
        Ok(self
            .config()?
            .map(|c| c.agencies.iter().map(|a| (a.id.clone(), a.name.clone())).collect())
            .unwrap_or_default())
    }

    /// `--key` of `archive`, else the config's `[checkpoints] key`.
    pub fn signing_key(&mut self, arg: Option<PathBuf>) -> anyhow::Result<PathBuf> {
        if let Some(k) = arg {
            return Ok(k);
        }
        self.config()?.map(|c| c.checkpoints.key.clone()).context(
            "`--key FILE` is needed: the checkpoint signing key (or a config with `[checkpoints] key`)",
        )
    }
}
