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

use crate::admin::{serve_admin, AdminState};
use crate::agreements::load::load_set_with;
use crate::audit::{CheckpointOptions, Store, StoreOptions};
use crate::clock::Clock;
use crate::config::Config;
use crate::emergency::alert::Alerts;
use crate::emergency::restrictions::RestrictionsCell;
use crate::gateway::rate::{RateLimit, RateLimitConfig, RateLimits};
use crate::gateway::server::{serve_transfers, ListenerOptions};
use crate::gateway::state::{AgencyInfo, GatewayState, Settings};
use crate::gateway::upstream::Upstreams;
use crate::keys::{PseudonymisationKey, SecretKey, SubjectKey};
use crate::policy::{Policy, PolicyCell};
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
    /// Listeners and loops that end on shutdown.
    tasks: Vec<JoinHandle<()>>,
    /// Watchers that never end by themselves (aborted once the listeners have stopped).
    background: Vec<JoinHandle<()>>,
}

impl Launched {
    /// Wait until every listener has stopped (after `shutdown.trigger()` or a signal).
    pub async fn wait(self) {
        for t in self.tasks {
            let _ = t.await;
        }
        for t in self.background {
            t.abort();
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    // Transparent: the inner error is the message, said once (not again as its cause).
    #[error(transparent)]
    Keys(#[from] crate::keys::KeyError),
    #[error(transparent)]
    Store(#[from] crate::audit::StoreError),
    #[error(transparent)]
    Agreements(#[from] crate::agreements::load::LoadError),
    #[error(transparent)]
    Policy(#[from] crate::policy::PolicyError),
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
    #[error(transparent)]
    Upstream(#[from] crate::gateway::upstream::UpstreamConfigError),
    #[error("the agreements going live could not be recorded: {0}")]
    Activation(String),
    #[error("alert webhook: {0}")]
    Webhook(String),
    #[error("cannot listen on `{addr}`: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
}

impl LaunchError {
    /// The lint errors of a set that did not load clean (none for any other failure).
    pub fn lint_errors(&self) -> &[crate::agreements::lint::Finding] {
        match self {
            Self::Agreements(crate::agreements::load::LoadError::NotClean { errors, .. }) => errors,
            _ => &[],
        }
    }
}

/// Load the agreements and compile them into a policy (refusing a set that does not lint clean).
/// Parties are checked against the registered agencies.
pub fn load_policy(
    source: &PolicySource,
    agencies: &[crate::agreements::AgencyRef],
) -> Result<Policy, LaunchError> {
    let today = crate::clock::today_in_london();
    let (set, report) = load_set_with(&source.agreements, &source.schemas, Some(agencies), today)?;
    for w in &report.findings {
        tracing::warn!(file = %w.file, line = w.line, code = w.code, "agreement warning: {}", w.message);
    }
    // An expired agreement does not refuse the set: it loads, and is not in force.
    let expired = report.with_code(crate::agreements::lint::Rule::Expired.as_str()).count();
    if expired > 0 {
        tracing::warn!(expired, "agreements past their expiry are loaded but not in force: their flows are refused with `agreement-not-in-force`");
    }
    crate::telemetry::metrics::agreements_expired(expired);
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
    clock: Arc<dyn Clock>,
) -> Result<Launched, LaunchError> {
    // The recorder first, so what start-up records (the loaded set) reaches `/metrics`.
    let metrics = crate::telemetry::install_metrics().ok();
    let pseudonyms = PseudonymisationKey::new(SecretKey::read(&cfg.keys.pseudonymisation)?);
    let subject_key = SubjectKey::new(&SecretKey::read(&cfg.keys.subject)?);
    let checkpoints = cfg.checkpoints.key.exists().then(|| CheckpointOptions {
        key_file: cfg.checkpoints.key.clone(),
        out_file: cfg.checkpoints.file.clone(),
        every_records: cfg.checkpoints.every_records,
        every: cfg.checkpoints.every,
    });
    let alert_webhook = webhook(cfg)?;
    let (checkpoint_sink, checkpoint_forwarder) = match &alert_webhook {
        Some(w) if cfg.checkpoints.webhook => {
            let (sink, task) = w.forward_checkpoints();
            (Some(sink), Some(task))
        }
        _ => (None, None),
    };
    let store = Store::open(
        &cfg.store.url,
        StoreOptions {
            group_commit_window: cfg.store.group_commit_window,
            append_timeout: cfg.store.append_timeout,
            checkpoints,
            checkpoint_sink,
            pool_size: cfg.store.pool_size,
            archive_folder: Some(cfg.paths.archive.clone()),
        },
    )
    .await?;
    let agency_refs = cfg.to_agency_refs();
    let approved = if cfg.governance.four_eyes {
        crate::runtime::approved_set::approved_instead(&store, &source).await?
    } else {
        None
    };
    let start_source = approved.as_ref().map_or(&source, |a| &a.source);
    let policy = load_policy(start_source, &agency_refs)?;
    record_start_up(&store, start_source).await?;
    drop(approved);
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
    let ledger: Arc<dyn crate::emergency::Ledger> = Arc::new(store.clone());
    let restrictions = Arc::new(RestrictionsCell::default());
    if let Err(e) = restrictions.refresh(ledger.as_ref()).await {
        tracing::warn!(error = %e, "restrictions could not be read at start-up; retrying in the background");
    }
    let alerts = Alerts::new(alert_webhook);
    let state = Arc::new(GatewayState {
        settings: Settings {
            max_body,
            max_depth: cfg.limits.max_depth,
            read_timeout: cfg.limits.read_timeout,
            request_timeout: cfg.limits.request_timeout,
            decompressed_max: usize::try_from(cfg.limits.decompressed_max).unwrap_or(usize::MAX),
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
        restrictions: Arc::clone(&restrictions),
        alerts: alerts.clone(),
    });

    let transfer_tls = Arc::new(ServerTls::transfer(cfg)?);
    let mut tasks = Vec::new();
    let mut background =
        vec![Arc::clone(&transfer_tls).spawn_crl_watch(cfg.tls.crl_check_interval)];
    background.extend(checkpoint_forwarder);

    let bind = |addr: SocketAddr| async move {
        TcpListener::bind(addr).await.map_err(|source| LaunchError::Bind { addr, source })
    };
    let transfer_listener = bind(cfg.listen.transfer).await?;
    let ops_listener = bind(cfg.listen.ops).await?;
    let transfer_addr = transfer_listener
        .local_addr()
        .map_err(|source| LaunchError::Bind { addr: cfg.listen.transfer, source })?;
    let ops_addr = ops_listener
        .local_addr()
        .map_err(|source| LaunchError::Bind { addr: cfg.listen.ops, source })?;

    let opts = ListenerOptions {
        name: "transfer",
        max_concurrent_streams: 256,
        handshake_timeout: cfg.limits.read_timeout,
        header_read_timeout: cfg.limits.read_timeout.min(cfg.limits.request_timeout),
        max_header_bytes: cfg.limits.max_header_bytes,
        drain: cfg.shutdown.drain,
        idle_timeout: cfg.limits.idle_timeout,
        max_connections: cfg.limits.max_connections,
        max_connections_per_peer: cfg.limits.max_connections_per_agency,
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
        let disk = cfg
            .store
            .sqlite_path()
            .map(|path| super::readiness::DiskFloor::new(path, cfg.store.min_free_disk));
        if let Some(disk) = &disk {
            // The gauge is on `/metrics` from the first scrape; the floor is logged if crossed.
            let _ = disk.check().await;
            background.push(Arc::clone(disk).spawn_watch(shutdown.clone()));
        }
        let ready = Arc::new(super::readiness::Readiness {
            state: Arc::clone(&state),
            disk,
            retry: cfg.store.ready_retry,
        });
        let readiness = crate::telemetry::ops::readiness_fn(move || {
            let ready = Arc::clone(&ready);
            async move { ready.check().await.map_err(|e| e.to_string()) }
        });
        let stop = shutdown.wait();
        if let Some(metrics) = metrics {
            tasks.push(tokio::spawn(async move {
                if let Err(e) =
                    crate::telemetry::serve_ops(ops_listener, readiness, metrics, stop).await
                {
                    tracing::error!(error = %e, "ops listener failed");
                }
            }));
        }
    }
    // The admin listener (governance identities only).
    let admin_listener = bind(cfg.listen.admin).await?;
    let admin_addr = admin_listener
        .local_addr()
        .map_err(|source| LaunchError::Bind { addr: cfg.listen.admin, source })?;
    let admin_tls = Arc::new(ServerTls::admin(cfg)?);
    let background = {
        let mut b = background;
        b.push(Arc::clone(&admin_tls).spawn_crl_watch(cfg.tls.crl_check_interval));
        b
    };
    let agreements_port: Arc<dyn crate::admin::ports::AgreementsPort> =
        Arc::new(crate::runtime::admin_port::PolicyAgreements {
            state: Arc::clone(&state),
            source: source.clone(),
            agencies: agency_refs.clone(),
        });
    let mut admin_state = AdminState::new(
        Arc::clone(&ledger),
        Arc::new(store.clone()),
        agreements_port,
        Arc::clone(&restrictions),
        state.subject_key.clone(),
    );
    admin_state.overdue_after = cfg.alerts.review_overdue;
    admin_state.max_body = max_body;
    admin_state.agency_names =
        cfg.agencies.iter().map(|a| (a.id.clone(), a.name.clone())).collect();
    admin_state.console_key = crate::console::csrf::CsrfKey::load(&cfg.keys.console)?;
    admin_state.four_eyes = std::sync::atomic::AtomicBool::new(cfg.governance.four_eyes);
    let admin_state = Arc::new(admin_state);
    {
        let stop = shutdown.wait();
        let admin_state = Arc::clone(&admin_state);
        tasks.push(tokio::spawn(async move {
            if let Err(e) = serve_admin(admin_listener, admin_tls, admin_state, stop).await {
                tracing::error!(error = %e, "admin listener failed");
            }
        }));
    }
    tasks.push(crate::emergency::restrictions::spawn_refresh(
        Arc::clone(&restrictions),
        Arc::clone(&ledger),
        std::time::Duration::from_secs(5),
        shutdown.wait(),
    ));
    tasks.push(crate::emergency::overdue::spawn(
        Arc::clone(&ledger),
        alerts,
        crate::emergency::overdue::OverdueSettings {
            after: cfg.alerts.review_overdue,
            every: std::time::Duration::from_secs(300).min(cfg.alerts.review_overdue),
            actor: format!("urn:isagate:gateway:{transfer_addr}"),
        },
        shutdown.wait(),
    ));
    tasks.push(spawn_reload_on_sighup(
        Arc::clone(&state),
        Arc::clone(&admin_state),
        shutdown.clone(),
    ));
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
    Ok(Launched {
        transfer_addr,
        admin_addr: Some(admin_addr),
        ops_addr,
        state,
        shutdown,
        tasks,
        background,
    })
}

/// Reload agreements on `SIGHUP` through the same path as `POST /v1/agreements/reload`:
/// a governance record first, then the swap, only for a set that loads clean.
fn spawn_reload_on_sighup(
    state: Arc<GatewayState>,
    admin: Arc<AdminState>,
    stop: Shutdown,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let Ok(mut hup) = crate::shutdown::sighup() else {
            return;
        };
        loop {
            tokio::select! {
                got = hup.recv() => if got.is_none() { break },
                () = stop.wait() => break,
            }
            let sighup = crate::admin::activations::Trigger::Sighup;
            match crate::admin::agreements::reload(&admin, "urn:isagate:gateway:sighup", sighup)
                .await
            {
                Ok(_) => tracing::info!(
                    agreements = state.policy.current().set.agreements.len(),
                    "agreements reloaded on SIGHUP"
                ),
                Err(e) => {
                    let files = match &e {
                        crate::admin::error::AdminError::ReloadRefused { findings, .. } => {
                            let mut files: Vec<&str> =
                                findings.iter().map(|f| f.file.as_str()).collect();
                            files.dedup();
                            files.join(", ")
                        }
                        _ => String::new(),
                    };
                    tracing::error!(
                        files,
                        error = %e,
                        "agreements not reloaded on SIGHUP; the previous set stays in force"
                    );
                    // The same metric and store log line as the admin API's refusal.
                    let _ = e.into_reply();
                }
            }
        }
    })
}

/// Record the set going live at start-up (its changed agreements, their texts) before
/// any listener serves it; a store that cannot record it stops the start.
async fn record_start_up(store: &Store, source: &PolicySource) -> Result<(), LaunchError> {
    let snapshot =
        crate::agreements::lifecycle::Snapshot::read(&source.agreements, &source.schemas)
            .map_err(|e| LaunchError::Activation(e.to_string()))?;
    let recorded = crate::admin::activations::record(
        store,
        store,
        &snapshot,
        None,
        crate::admin::activations::Trigger::StartUp,
        "urn:isagate:gateway:start-up",
    )
    .await
    .map_err(|e| LaunchError::Activation(e.to_string()))?;
    if !recorded.is_empty() {
        tracing::info!(activated = recorded.len(), "agreement activations recorded at start-up");
    }
    Ok(())
}

/// The alert webhook, when configured (its server certificate must chain to the client CA bundle).
fn webhook(cfg: &Config) -> Result<Option<Arc<crate::emergency::webhook::Webhook>>, LaunchError> {
    let (Some(url), Some(key)) = (&cfg.alerts.webhook_url, &cfg.alerts.webhook_key) else {
        return Ok(None);
    };
    let settings = crate::emergency::webhook::WebhookSettings::new(
        url.clone(),
        SecretKey::read(key)?,
        cfg.tls.client_ca.clone(),
    );
    crate::emergency::webhook::Webhook::new(settings)
        .map(|w| Some(Arc::new(w)))
        .map_err(|e| LaunchError::Webhook(e.to_string()))
}

/// Re-read agreements and schemas; swap them in only when they load clean.
pub fn reload(
    state: &GatewayState,
    source: &PolicySource,
    agencies: &[crate::agreements::AgencyRef],
) -> Result<usize, LaunchError> {
    match load_policy(source, agencies) {
        Ok(policy) => {
            let n = policy.set.agreements.len();
            state.policy.replace(policy);
            crate::telemetry::metrics::agreement_reload(true, n);
            tracing::info!(agreements = n, "agreements reloaded");
            Ok(n)
        }
        Err(e) => {
            crate::telemetry::metrics::agreement_reload(
                false,
                state.policy.current().set.agreements.len(),
            );
            tracing::error!(error = %e, "agreements not reloaded; the previous set stays in force");
            Err(e)
        }
    }
}

/// The policy source from a config and the command line's overrides.
pub fn policy_source(
    cfg: &Config,
    agreements: Option<&Path>,
    schemas: Option<&Path>,
) -> PolicySource {
    PolicySource {
        agreements: agreements
            .map(Path::to_path_buf)
            .unwrap_or_else(|| cfg.paths.agreements.clone()),
        schemas: schemas.map(Path::to_path_buf).unwrap_or_else(|| cfg.paths.schemas.clone()),
    }
}
