//! Traces end to end: a real `isagate serve` with `telemetry.otlp_endpoint` pointing at a
//! local collector (an HTTP server in this test that decodes OTLP protobuf) sends the
//! span of each transfer, links the caller's `traceparent` instead of continuing it,
//! gives the upstream its own `traceparent`, and flushes at `SIGTERM`. Also: a dead
//! collector is an error, never a crash.

use std::collections::HashMap;
use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::Method;
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioIo;
use isagate::cli::demo::client::{Reply, TransferClient};
use isagate::mock_agency::{MockAgencyHandle, Received};
use isagate::telemetry::{build_subscriber, LogFormat, OtlpSettings};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message as _;

use crate::gateway::harness::{prepare, referral, Options, OK_HEADERS};
use crate::gateway::process::{free_port, Serve};
use crate::support;

/// The trace a caller says it is in; the gateway must link it, never continue it.
const CALLER_TRACEPARENT: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const CALLER_TRACE_ID: &str = "0af7651916cd43dd8448eb211c80319c";
const CALLER_SPAN_ID: &str = "b7ad6b7169203331";
/// A caller's `tracestate`, which must reach neither the upstream nor the collector.
const CALLER_TRACESTATE: &str = "leak=caller-trace-state";

/// The child spans the pipeline opens inside `transfer`, one per named stage.
const STAGE_SPANS: &[&str] =
    &["identify", "route", "authorise", "rate_limit", "minimise", "record", "forward", "respond"];

/// Every attribute a `transfer` span may carry: agreement and schema facts only.
const TRANSFER_ATTRIBUTES: &[&str] = &[
    "isagate.agreement.id",
    "isagate.agreement.version",
    "isagate.flow",
    "isagate.purpose",
    "isagate.outcome",
    "isagate.code",
];

/// How long spans may take to arrive (the batch processor exports every 5 s).
const ARRIVAL: Duration = Duration::from_secs(30);

/// An OTLP/HTTP collector on 127.0.0.1: keeps every span and every raw body POSTed to
/// `/v1/traces`, answers anything else 404.
struct Collector {
    port: u16,
    spans: Arc<Mutex<Vec<Span>>>,
    bodies: Arc<Mutex<Vec<Bytes>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Collector {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Collector {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let spans = Arc::new(Mutex::new(Vec::new()));
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let (s, b) = (Arc::clone(&spans), Arc::clone(&bodies));
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (s, b) = (Arc::clone(&s), Arc::clone(&b));
                let service = hyper::service::service_fn(move |req| {
                    let (s, b) = (Arc::clone(&s), Arc::clone(&b));
                    async move { Ok::<_, Infallible>(receive(req, &s, &b).await) }
                });
                tokio::spawn(
                    hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service),
                );
            }
        });
        Self { port, spans, bodies, task }
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn spans(&self) -> Vec<Span> {
        self.spans.lock().unwrap().clone()
    }

    /// Polls (at most [`ARRIVAL`]) until a span satisfies `found`; every span so far.
    async fn wait_for(&self, what: &str, found: impl Fn(&Span) -> bool) -> Vec<Span> {
        let what = format!("a `{what}` span reaches the collector");
        support::wait_until(&what, ARRIVAL, || std::future::ready(self.spans().iter().any(&found)))
            .await;
        self.spans()
    }

    /// Whether any export carried `needle` anywhere in its bytes.
    fn saw_bytes(&self, needle: &[u8]) -> bool {
        self.bodies.lock().unwrap().iter().any(|b| b.windows(needle.len()).any(|w| w == needle))
    }
}

async fn receive(
    req: http::Request<hyper::body::Incoming>,
    spans: &Mutex<Vec<Span>>,
    bodies: &Mutex<Vec<Bytes>>,
) -> http::Response<Full<Bytes>> {
    let reply = |status: u16| {
        http::Response::builder()
            .status(status)
            .header("content-type", "application/x-protobuf")
            .body(Full::new(Bytes::new()))
            .unwrap()
    };
    if req.method() != Method::POST || req.uri().path() != "/v1/traces" {
        return reply(404);
    }
    if req.headers().get("content-type").is_none_or(|v| v != "application/x-protobuf") {
        return reply(415);
    }
    let body = req.into_body().collect().await.unwrap().to_bytes();
    let Ok(export) = ExportTraceServiceRequest::decode(body.clone()) else { return reply(400) };
    bodies.lock().unwrap().push(body);
    let mut spans = spans.lock().unwrap();
    for resource in export.resource_spans {
        let service =
            resource.resource.iter().flat_map(|r| &r.attributes).find_map(|kv| {
                (kv.key == "service.name").then(|| kv.value.clone()?.value).flatten()
            });
        assert_eq!(service, Some(AnyValue::StringValue("isagate-trace-test".into())));
        spans.extend(resource.scope_spans.into_iter().flat_map(|s| s.spans));
    }
    reply(200)
}

/// A string attribute of a span.
fn attr(span: &Span, key: &str) -> Option<String> {
    span.attributes.iter().find(|kv| kv.key == key).and_then(|kv| match kv.value.clone()?.value {
        Some(AnyValue::StringValue(s)) => Some(s),
        Some(AnyValue::IntValue(i)) => Some(i.to_string()),
        other => Some(format!("{other:?}")),
    })
}

/// `isagate serve` exporting to a collector, with the certificates and mocks it uses.
/// Fields drop in order: the process first, then its folder.
struct Served {
    serve: Serve,
    certs: PathBuf,
    mocks: HashMap<String, MockAgencyHandle>,
    _dir: tempfile::TempDir,
}

impl Served {
    /// Starts `serve` exporting to `collector`, with `env` on the child, once ready.
    async fn start(collector: &Collector, env: &[(&str, &str)]) -> Self {
        let opts = || Options {
            telemetry: format!(
                "otlp_endpoint = \"{}\"\nservice_name = \"isagate-trace-test\"",
                collector.endpoint()
            ),
            ..Options::default()
        };
        let (dir, certs, _ca, mocks) = prepare(&opts()).await;
        let mut env = env.to_vec();
        env.push(("ISAGATE_LOG", "warn"));
        let serve = Serve::start(dir.path(), "serve", opts(), &mocks, &env).await;
        Self { serve, certs, mocks, _dir: dir }
    }

    fn log(&self) -> String {
        self.serve.log_text()
    }

    /// A referral from the council to the police, carrying the caller's trace context.
    async fn referral_with_caller_trace(&self) -> (Reply, Received) {
        let client = TransferClient::new(
            &self.certs.join("agency-lcc-ssc.crt"),
            &self.certs.join("agency-lcc-ssc.key"),
            &self.certs.join("ca.crt"),
        )
        .unwrap();
        let mut headers = OK_HEADERS.to_vec();
        headers.extend([("traceparent", CALLER_TRACEPARENT), ("tracestate", CALLER_TRACESTATE)]);
        let url =
            format!("https://127.0.0.1:{}/merseyside-police/v1/referrals", self.serve.transfer);
        let body = serde_json::to_vec(&referral()).unwrap();
        let reply = client.send(Method::POST, &url, &headers, Some(body)).await.unwrap();
        assert_eq!(reply.status, 201, "{:?}\n{}", reply.json(), self.log());
        let got = self.mocks["merseyside-police"].wait_for(1, Duration::from_secs(10)).await;
        assert_eq!(got.len(), 1, "the police upstream got the referral");
        (reply, got[0].clone())
    }
}

/// The upstream's `traceparent`: the gateway's own, never the caller's. Returns the
/// trace id and the parent (span) id it names.
fn gateway_traceparent(upstream: &Received) -> (String, String) {
    let tp = upstream.header("traceparent").expect("the upstream got a traceparent");
    assert_ne!(tp, CALLER_TRACEPARENT, "the caller's traceparent was passed on");
    assert_eq!(upstream.headers.iter().filter(|(n, _)| n == "traceparent").count(), 1);
    assert!(upstream.header("tracestate").is_none(), "no tracestate goes upstream");
    let parts: Vec<&str> = tp.split('-').collect();
    assert_eq!(parts.len(), 4, "{tp}");
    assert_eq!((parts[0], parts[3]), ("00", "01"), "{tp}");
    assert_ne!(parts[1], CALLER_TRACE_ID, "the gateway continued the caller's trace: {tp}");
    (parts[1].to_owned(), parts[2].to_owned())
}

/// The exported `transfer` span of trace `trace_id`.
async fn transfer_span(collector: &Collector, trace_id: &str) -> (Span, Vec<Span>) {
    let is_it = |s: &Span| s.name == "transfer" && hex::encode(&s.trace_id) == trace_id;
    let spans = collector.wait_for("transfer", is_it).await;
    let transfer = spans.iter().find(|s| is_it(s)).unwrap().clone();
    let trace = spans.into_iter().filter(|s| hex::encode(&s.trace_id) == trace_id).collect();
    (transfer, trace)
}

/// One traced referral through a fresh `serve`, and what the collector got for it.
struct Traced {
    collector: Collector,
    _served: Served,
    upstream: Received,
    trace_id: String,
    parent_id: String,
    transfer: Span,
    trace: Vec<Span>,
}

impl Traced {
    /// Waits (bounded) for the `transfer` span of the upstream's trace while serve runs.
    async fn referral() -> Self {
        let collector = Collector::start().await;
        let served = Served::start(&collector, &[]).await;
        let (_reply, upstream) = served.referral_with_caller_trace().await;
        let (trace_id, parent_id) = gateway_traceparent(&upstream);
        let (transfer, trace) = transfer_span(&collector, &trace_id).await;
        Self { collector, _served: served, upstream, trace_id, parent_id, transfer, trace }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_is_a_root_span_linked_to_the_callers_trace_and_sent_to_the_collector() {
    let Traced { collector, _served: _running, trace_id, parent_id, transfer, trace, .. } =
        Traced::referral().await;
    assert!(transfer.parent_span_id.is_empty(), "`transfer` is a root span: {transfer:?}");
    assert_eq!(transfer.links.len(), 1, "{:?}", transfer.links);
    let link = &transfer.links[0];
    assert_eq!(hex::encode(&link.trace_id), CALLER_TRACE_ID);
    assert_eq!(hex::encode(&link.span_id), CALLER_SPAN_ID);
    assert!(link.trace_state.is_empty(), "the caller's tracestate is never read");
    // The span the upstream's traceparent names is one of this trace's exported spans.
    assert!(
        trace.iter().any(|s| hex::encode(&s.span_id) == parent_id),
        "traceparent parent {parent_id} is not an exported span of {trace_id}: {trace:#?}"
    );
    assert!(trace.iter().all(|s| hex::encode(&s.trace_id) != CALLER_TRACE_ID));
    for kv in &transfer.attributes {
        assert!(TRANSFER_ATTRIBUTES.contains(&kv.key.as_str()), "attribute {kv:?}");
    }

    // No personal data and nothing of the caller's trace state in any export.
    for needle in ["Alex", "Example", "9434765919", "2014-03-09", "lcc-ssc/jsmith", "SSC-2026"] {
        assert!(!collector.saw_bytes(needle.as_bytes()), "`{needle}` reached the collector");
    }
    assert!(!collector.saw_bytes(CALLER_TRACESTATE.as_bytes()));
}

/// The named stages of the pipeline (issue 11 item 3) are child spans of `transfer`,
/// the upstream's `traceparent` names the `forward` span, and the agreement facts are
/// attributes of `transfer`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_pipeline_stage_is_a_child_span_and_forward_is_the_upstreams_parent() {
    let Traced { collector, _served: _running, upstream, trace_id, parent_id, transfer, .. } =
        Traced::referral().await;
    let in_trace = |s: &Span| hex::encode(&s.trace_id) == trace_id;
    // Children end before their parent, so they arrive in the same export or earlier.
    let spans = collector.wait_for("forward", |s| s.name == "forward" && in_trace(s)).await;
    for stage in STAGE_SPANS {
        let span = spans.iter().find(|s| s.name == *stage && in_trace(s));
        let span = span.unwrap_or_else(|| panic!("no `{stage}` span in {spans:#?}"));
        assert_eq!(span.parent_span_id, transfer.span_id, "`{stage}` is a child of `transfer`");
        let keys: Vec<&str> = span.attributes.iter().map(|kv| kv.key.as_str()).collect();
        let latency: &[&str] =
            if matches!(*stage, "record" | "forward") { &["latency_ms"] } else { &[] };
        assert_eq!(keys, latency, "`{stage}` attributes");
    }
    let forward = spans.iter().find(|s| s.name == "forward" && in_trace(s)).unwrap();
    assert_eq!(hex::encode(&forward.span_id), parent_id, "the upstream's parent is `forward`");

    let agreement = upstream.header("isagate-agreement").unwrap();
    let (id, version) = agreement.split_once('@').unwrap();
    assert_eq!(attr(&transfer, "isagate.agreement.id").as_deref(), Some(id));
    assert_eq!(attr(&transfer, "isagate.agreement.version").as_deref(), Some(version));
    assert_eq!(attr(&transfer, "isagate.purpose").as_deref(), Some("safeguarding"));
    assert!(attr(&transfer, "isagate.flow").is_some(), "{transfer:?}");
    assert!(attr(&transfer, "isagate.outcome").is_some(), "{transfer:?}");
    assert_eq!(attr(&transfer, "isagate.code"), None, "a 201 has no code: {transfer:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_still_waiting_for_their_batch_are_flushed_at_sigterm() {
    let collector = Collector::start().await;
    // Ten minutes between scheduled exports: only the shutdown flush can deliver.
    let served = Served::start(&collector, &[("OTEL_BSP_SCHEDULE_DELAY", "600000")]).await;
    let (_reply, upstream) = served.referral_with_caller_trace().await;
    let (trace_id, _) = gateway_traceparent(&upstream);
    assert!(collector.spans().is_empty(), "nothing is exported before the batch is due");

    let log = served.serve.log.clone();
    served.serve.stop().await;
    let spans = collector.spans();
    assert!(
        spans.iter().any(|s| s.name == "transfer" && hex::encode(&s.trace_id) == trace_id),
        "the transfer span was not flushed at shutdown: {spans:#?}\n{}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

#[test]
fn a_dead_collector_is_an_error_not_a_crash() {
    let dir = support::scratch();
    let log_path = dir.path().join("log.jsonl");
    let logs = Arc::new(std::fs::File::create(&log_path).unwrap());
    let otlp = OtlpSettings {
        endpoint: format!("http://127.0.0.1:{}", free_port()),
        service_name: "isagate-test".into(),
    };
    let (subscriber, guard) = build_subscriber(LogFormat::Json, Some(otlp), logs).unwrap();
    assert!(guard.exports_traces());
    tracing::subscriber::with_default(subscriber, || {
        let span = tracing::info_span!("transfer", isagate.flow = "referral");
        let _in = span.enter();
        tracing::info!(outcome = "delivered", "transfer finished");
    });
    let started = Instant::now();
    let flushed = guard.flush();
    assert!(flushed.is_err(), "export to a closed port cannot succeed");
    drop(guard);
    assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());

    // The log line still went out, as JSON with its span.
    let text = std::fs::read_to_string(&log_path).unwrap();
    let line =
        text.lines().find(|l| l.contains("transfer finished")).expect("the event was logged");
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(v["fields"]["outcome"], "delivered");
    assert_eq!(v["span"]["name"], "transfer");
}
