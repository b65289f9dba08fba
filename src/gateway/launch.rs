//! Assembling a running gateway from its configuration: keys, the record store, the
//! agreement set, TLS for both listeners, upstream clients, the transfer, admin and ops
//! listeners, CRL watching, `SIGHUP` reloads, and the drain on shutdown.
//!
//! `isagate serve`, `isagate demo` and the end-to-end tests all start the gateway here,
//! so what the tests exercise is what operators run.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::agreements::load::load_set;
use crate::audit::{CheckpointOptions, Store, StoreOptions};
use crate::config::Config;
use crate::gateway::policy::{Policy, PolicyCell};
use crate::gateway::rate::{RateLimit, RateLimitConfig, RateLimits};
use crate::gateway::server::{serve_transfers, ListenerOptions};
use crate::gateway::state::{AgencyInfo, Clock, GatewayState, Settings};
use crate::gateway::upstream::Upstreams;
use crate::keys::{PseudonymisationKey, SecretKey, SubjectKey};
use crate::shutdown::Shutdown;
use crate::tls::server::ServerTls;

/// Where the agreements and schemas are read from (reloads read them again).
#[derive(Debug, Clone)]
pub struct PolicySource {
    pub agreements: PathBuf,
    pub schemas: PathBuf,
}

/// A started gateway: its bound addresses and the tasks serving them.
pub struct Launched {
    pub transfer_addr: SocketAddr,
    pub admin_addr: Option<SocketAddr>,
    pub ops_addr: SocketAddr,
    pub state: Arc<GatewayState>,
    pub shutdown: Shutdown,
    tasks: Vec<JoinHandle<()>>,
}

impl Launched {
    /// Wait until every listener has stopped (after `shutdown.trigger()` or a signal).
    pub async fn wait(self) {
        for t in self.tasks {
            let _ = t.await;
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("{0}")]
    Keys(#[from] crate::keys::KeyError),
    #[error("{0}")]
    Store(#[from] crate::audit::StoreError),
    #[error("{0}")]
    Agreements(#[from] crate::agreements::load::LoadError),
    #[error("{0}")]
    Policy(#[from] crate::gateway::policy::PolicyError),
    #[error("{0}")]
    Tls(#[from] crate::tls::TlsError),
    #[error("{0}")]
    Upstream(#[from] crate::gateway::upstream::UpstreamConfigError),
    #[error("cannot listen on `{addr}`: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
}

/// Load the agreements and compile them into a policy (refusing a set that does not lint clean).
pub fn load_policy(source: &PolicySource) -> Result<Policy, LaunchError> {
    let set = load_set(&source.agreements, &source.schemas)?;
    Ok(Policy::build(set)?)
}

fn rate(r: crate::config::Rate) -> Option<RateLimit> {
    (r.count > 0).then_some(RateLimit { count: r.count, per: r.per })
}

/// Open the store, load everything and start the listeners.
pub async fn launch(
    cfg: &Config,
    source: PolicySource,
    shutdown: Shutdown,
    clock: Clock,
) -> Result<Launched, LaunchError> {
    let pseudonyms = PseudonymisationKey::new(SecretKey::read(&cfg.keys.pseudonymisation)?);
    let subject_key = SubjectKey::new(&SecretKey::read(&cfg.keys.subject)?);
    let checkpoints = cfg.checkpoints.key.exists().then(|| CheckpointOptions {
        key_file: cfg.checkpoints.key.clone(),
        out_file: cfg.checkpoints.file.clone(),
        every_records: cfg.checkpoints.every_records,
        every: cfg.checkpoints.every,
    });
    let store = Store::open(
        &cfg.store.url,
        StoreOptions {
            group_commit_window: cfg.store.group_commit_window,
            append_timeout: cfg.store.append_timeout,
            checkpoints,
        },
    )
    .await?;
    let policy = load_policy(&source)?;
    crate::telemetry::metrics::agreement_reload(true, policy.set.agreements.len());

    let mut upstreams = Upstreams::new(cfg.upstream_client.response_timeout);
    let mut agencies = HashMap::new();
    for a in &cfg.agencies {
        if let Some(url) = &a.upstream {
            let tls = crate::tls::upstream_client_config(cfg, a)?;
            upstreams.add(
                &a.id,
                &url.to_string(),
                tls,
                cfg.upstream_client.connect_timeout,
                cfg.upstream_client.pool_idle,
            )?;
        }
        agencies.insert(a.id.clone(), AgencyInfo::from_config(a));
    }
    let max_body = usize::try_from(cfg.limits.max_body).unwrap_or(usize::MAX);
    let state = Arc::new(GatewayState {
        settings: Settings {
            max_body,
            max_depth: cfg.limits.max_depth,
            read_timeout: cfg.limits.read_timeout,
        },
        agencies,
        policy: PolicyCell::new(policy),
        store: store.clone(),
        pseudonyms,
        subject_key,
        rate: RateLimits::new(RateLimitConfig {
            per_caller: rate(cfg.rate_limits.per_caller),
            per_flow: rate(cfg.rate_limits.per_flow),
            per_requester: rate(cfg.rate_limits.per_requester),
        }),
        upstreams,
        clock,
    });

    let transfer_tls = Arc::new(ServerTls::transfer(cfg)?);
    let mut tasks = Vec::new();
    tasks.push(Arc::clone(&transfer_tls).spawn_crl_watch(cfg.tls.crl_check_interval));

    let bind = |addr: SocketAddr| async move {
        TcpListener::bind(addr).await.map_err(|source| LaunchError::Bind { addr, source })
    };
    let transfer_listener = bind(cfg.listen.transfer).await?;
    let ops_listener = bind(cfg.listen.ops).await?;
    let transfer_addr = transfer_listener.local_addr().map_err(|source| LaunchError::Bind { addr: cfg.listen.transfer, source })?;
    let ops_addr = ops_listener.local_addr().map_err(|source| LaunchError::Bind { addr: cfg.listen.ops, source })?;

    let opts = ListenerOptions {
        handshake_timeout: cfg.limits.read_timeout,
        header_read_timeout: cfg.limits.read_timeout,
        max_header_bytes: cfg.limits.max_header_bytes,
        drain: cfg.shutdown.drain,
    };
    {
        let state = Arc::clone(&state);
        let tls = Arc::clone(&transfer_tls);
        let stop = shutdown.wait();
        tasks.push(tokio::spawn(async move {
            if let Err(e) = serve_transfers(transfer_listener, tls, state, opts, stop).await {
                tracing::error!(error = %e, "transfer listener failed");
            }
        }));
    }
    {
        let metrics = crate::telemetry::install_metrics().ok();
        let readiness_state = Arc::clone(&state);
        let readiness = crate::telemetry::ops::readiness_fn(move || {
            let state = Arc::clone(&readiness_state);
            async move {
                state.store.ready().await.map_err(|e| e.to_string())?;
                if state.policy.current().set.agreements.is_empty() {
                    return Err("no agreements are loaded".to_owned());
                }
                Ok(())
            }
        });
        let stop = shutdown.wait();
        if let Some(metrics) = metrics {
            tasks.push(tokio::spawn(async move {
                if let Err(e) = crate::telemetry::serve_ops(ops_listener, readiness, metrics, stop).await {
                    tracing::error!(error = %e, "ops listener failed");
                }
            }));
        }
    }
    tasks.push(spawn_reload_on_sighup(Arc::clone(&state), source, shutdown.clone()));
    {
        let state = Arc::clone(&state);
        let stop = shutdown.clone();
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
            while !stop.is_triggered() {
                tokio::select! {
                    _ = tick.tick() => state.rate.retain_recent(),
                    () = stop.wait() => break,
                }
            }
        }));
    }
    tracing::info!(%transfer_addr, %ops_addr, "isagate is serving");
    Ok(Launched { transfer_addr, admin_addr: None, ops_addr, state, shutdown, tasks })
}

/// Reload agreements on `SIGHUP`: only a set that loads and lints clean replaces the old one.
fn spawn_reload_on_sighup(state: Arc<GatewayState>, source: PolicySource, stop: Shutdown) -> JoinHandle<()> {
    tokio::spawn(async move {
        let Ok(mut hup) = crate::shutdown::sighup() else {
            return;
        };
        loop {
            tokio::select! {
                got = hup.recv() => if got.is_none() { break },
                () = stop.wait() => break,
            }
            let _ = reload(&state, &source);
        }
    })
}

/// Re-read agreements and schemas; swap them in only when they load clean.
pub fn reload(state: &GatewayState, source: &PolicySource) -> Result<usize, LaunchError> {
    match load_policy(source) {
        Ok(policy) => {
            let n = policy.set.agreements.len();
            state.policy.replace(policy);
            crate::telemetry::metrics::agreement_reload(true, n);
            tracing::info!(agreements = n, "agreements reloaded");
            Ok(n)
        }
        Err(e) => {
            crate::telemetry::metrics::agreement_reload(false, state.policy.current().set.agreements.len());
            tracing::error!(error = %e, "agreements not reloaded; the previous set stays in force");
            Err(e)
        }
    }
}

/// The policy source from a config and the command line's overrides.
pub fn policy_source(cfg: &Config, agreements: Option<&Path>, schemas: Option<&Path>) -> PolicySource {
    PolicySource {
        agreements: agreements.map(Path::to_path_buf).unwrap_or_else(|| cfg.paths.agreements.clone()),
        schemas: schemas.map(Path::to_path_buf).unwrap_or_else(|| cfg.paths.schemas.clone()),
    }
}
