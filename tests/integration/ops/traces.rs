//! Logs and OTLP traces: a dead collector never crashes the process; a live one gets
//! protobuf spans at `/v1/traces`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use isagate::telemetry::{build_subscriber, LogFormat, OtlpSettings};
use tracing_subscriber::fmt::MakeWriter;

/// Log lines captured in memory.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

impl Capture {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// A port on 127.0.0.1 with nothing listening.
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn a_dead_collector_is_an_error_not_a_crash() {
    let logs = Capture::default();
    let otlp = OtlpSettings {
        endpoint: format!("http://127.0.0.1:{}", closed_port()),
        service_name: "isagate-test".into(),
    };
    let (subscriber, guard) = build_subscriber(LogFormat::Json, Some(otlp), logs.clone()).unwrap();
    assert!(guard.exports_traces());
    tracing::subscriber::with_default(subscriber, || {
        let span = tracing::info_span!("transfer", flow = "referral");
        let _in = span.enter();
        tracing::info!(outcome = "delivered", "transfer finished");
    });
    let started = Instant::now();
    let flushed = guard.flush();
    assert!(flushed.is_err(), "export to a closed port cannot succeed");
    drop(guard);
    assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());

    // The log line still went out, as JSON with its span.
    let text = logs.text();
    let line =
        text.lines().find(|l| l.contains("transfer finished")).expect("the event was logged");
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(v["fields"]["outcome"], "delivered");
    assert_eq!(v["span"]["name"], "transfer");
}

#[test]
fn spans_reach_a_collector_over_otlp_http() {
    let collector = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = collector.local_addr().unwrap().port();
    let got = std::thread::spawn(move || {
        collector.set_nonblocking(false).unwrap();
        let (stream, _) = collector.accept().unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut head = Vec::new();
        let mut length = 0usize;
        for _ in 0..100 {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
            head.push(line.trim_end().to_owned());
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let mut stream = stream;
        stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .unwrap();
        (head, body)
    });

    let otlp = OtlpSettings {
        endpoint: format!("http://127.0.0.1:{port}"),
        service_name: "isagate-test".into(),
    };
    let (subscriber, guard) =
        build_subscriber(LogFormat::Text, Some(otlp), Capture::default()).unwrap();
    tracing::subscriber::with_default(subscriber, || {
        let _span = tracing::info_span!("forward", agency = "nhs-trust").entered();
    });
    guard.flush().unwrap();
    let (head, body) = got.join().unwrap();
    assert!(head[0].starts_with("POST /v1/traces "), "{head:?}");
    assert!(
        head.iter().any(|h| h.eq_ignore_ascii_case("content-type: application/x-protobuf")),
        "{head:?}"
    );
    // The protobuf carries the span name and the service name as plain strings.
    let has = |needle: &[u8]| body.windows(needle.len()).any(|w| w == needle);
    assert!(has(b"forward"));
    assert!(has(b"isagate-test"));
}
