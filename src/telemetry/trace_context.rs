//! W3C Trace Context at the gateway's two edges (contract section 11).
//!
//! - From callers: a `traceparent` is never continued (a caller must not be able to
//!   place the gateway's work inside a trace of its choosing, and a header it writes may
//!   carry data). When it parses as W3C Trace Context it becomes a *span link* on the
//!   `transfer` span, so the two traces can still be joined; anything else is ignored.
//!   The caller's `tracestate` is never read.
//! - Towards upstreams: the request carries a `traceparent` the gateway makes for its own
//!   current span (the `forward` span), and nothing else of the trace context: any
//!   `traceparent` or `tracestate` already on the request is removed first. With no
//!   trace export configured there is no valid span context, so no header is sent.
//!
//! The W3C parsing and formatting are the OpenTelemetry propagator's; this module only
//! decides which header values it may see.

use http::header::{HeaderMap, HeaderValue};
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator as _};
use opentelemetry::trace::{SpanContext, TraceContextExt as _};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

/// The W3C `traceparent` header.
pub const TRACEPARENT: &str = "traceparent";

/// The W3C `tracestate` header (never forwarded, never sent).
pub const TRACESTATE: &str = "tracestate";

/// The caller's trace, when its request carries exactly one well-formed `traceparent`.
pub fn caller_trace(headers: &HeaderMap) -> Option<SpanContext> {
    let mut values = headers.get_all(TRACEPARENT).iter();
    let value = values.next()?.to_str().ok()?;
    if values.next().is_some() {
        return None;
    }
    let cx = TraceContextPropagator::new().extract(&TraceparentOnly(value));
    let span_context = cx.span().span_context().clone();
    span_context.is_valid().then_some(span_context)
}

/// Links `span` to the caller's trace, when the request names one (see [`caller_trace`]).
pub fn link_caller_trace(span: &tracing::Span, headers: &HeaderMap) {
    if let Some(caller) = caller_trace(headers) {
        span.add_link(caller);
    }
}

/// Replaces any trace context on an outgoing request with the gateway's own
/// `traceparent` for the current span (none when traces are not exported).
pub fn inject_own_traceparent(headers: &mut HeaderMap) {
    headers.remove(TRACEPARENT);
    headers.remove(TRACESTATE);
    let cx = tracing::Span::current().context();
    TraceContextPropagator::new().inject_context(&cx, &mut OwnTraceparent(headers));
}

/// Shows the propagator the `traceparent` value and nothing else.
struct TraceparentOnly<'a>(&'a str);

impl Extractor for TraceparentOnly<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        (key == TRACEPARENT).then_some(self.0)
    }

    fn keys(&self) -> Vec<&str> {
        vec![TRACEPARENT]
    }
}

/// Takes the propagator's `traceparent` into a header map; drops its `tracestate` (the
/// gateway's own is always empty, and the contract names only `traceparent`).
struct OwnTraceparent<'a>(&'a mut HeaderMap);

impl Injector for OwnTraceparent<'_> {
    fn set(&mut self, key: &str, value: String) {
        if key != TRACEPARENT {
            return;
        }
        if let Ok(v) = HeaderValue::from_str(&value) {
            self.0.insert(TRACEPARENT, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_traceparent(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(TRACEPARENT, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    const GOOD: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn a_well_formed_traceparent_is_the_callers_trace() {
        let sc = caller_trace(&with_traceparent(&[GOOD])).unwrap();
        assert_eq!(sc.trace_id().to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(sc.span_id().to_string(), "00f067aa0ba902b7");
        assert!(sc.is_remote());
    }

    #[test]
    fn malformed_repeated_or_missing_traceparents_are_ignored() {
        for bad in [
            "",
            "not-a-traceparent",
            "00-00000000000000000000000000000000-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        ] {
            assert!(caller_trace(&with_traceparent(&[bad])).is_none(), "{bad:?}");
        }
        assert!(caller_trace(&with_traceparent(&[GOOD, GOOD])).is_none());
        assert!(caller_trace(&HeaderMap::new()).is_none());
    }

    #[test]
    fn without_trace_export_no_trace_context_goes_upstream() {
        let mut h = with_traceparent(&[GOOD]);
        h.insert(TRACESTATE, HeaderValue::from_static("vendor=secret"));
        let span = tracing::info_span!("forward");
        let _in = span.enter();
        inject_own_traceparent(&mut h);
        assert!(h.get(TRACEPARENT).is_none(), "{h:?}");
        assert!(h.get(TRACESTATE).is_none(), "{h:?}");
    }

    #[test]
    fn with_trace_export_the_gateways_own_span_goes_upstream() {
        use opentelemetry::trace::TracerProvider as _;
        use tracing_subscriber::layer::SubscriberExt as _;
        let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
        let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("test"));
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            let mut h = with_traceparent(&[GOOD]);
            h.insert(TRACESTATE, HeaderValue::from_static("vendor=secret"));
            let span = tracing::info_span!(parent: None, "forward");
            let own = span.context().span().span_context().clone();
            let _in = span.enter();
            inject_own_traceparent(&mut h);
            let sent = h.get(TRACEPARENT).unwrap().to_str().unwrap();
            assert_eq!(sent, format!("00-{}-{}-01", own.trace_id(), own.span_id()));
            assert_ne!(sent, GOOD);
            assert!(h.get(TRACESTATE).is_none(), "{h:?}");
        });
    }
}
