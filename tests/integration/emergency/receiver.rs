//! A webhook receiver over real HTTPS on 127.0.0.1: records every request it gets and
//! answers with the statuses it is told to (then 200).

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;

use crate::admin::pki::Pki;

#[derive(Debug, Clone)]
pub struct Received {
    pub signature: Option<String>,
    pub content_type: Option<String>,
    pub body: Bytes,
}

pub struct Receiver {
    pub url: String,
    pub ca_pem: String,
    pub got: tokio::sync::mpsc::UnboundedReceiver<Received>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub async fn start(statuses: Vec<u16>) -> Self {
        let pki = Pki::new();
        let leaf = pki.server();
        Self::start_with(pki.server_config(&leaf, false), pki.ca_pem, statuses).await
    }

    /// A receiver presenting the certificate of `server_config` (`ca_pem` signs it).
    pub async fn start_with(
        server_config: rustls::ServerConfig,
        ca_pem: String,
        statuses: Vec<u16>,
    ) -> Self {
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("https://127.0.0.1:{}/alerts", listener.local_addr().unwrap().port());
        let (tx, got) = tokio::sync::mpsc::unbounded_channel();
        let statuses = Arc::new(Mutex::new(VecDeque::from(statuses)));
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else { continue };
                let acceptor = acceptor.clone();
                let tx = tx.clone();
                let statuses = Arc::clone(&statuses);
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else { return };
                    let svc = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                        let tx = tx.clone();
                        let statuses = Arc::clone(&statuses);
                        async move {
                            let h = |n: &str| {
                                req.headers()
                                    .get(n)
                                    .and_then(|v| v.to_str().ok())
                                    .map(str::to_owned)
                            };
                            let signature = h("isagate-signature");
                            let content_type = h("content-type");
                            let body = req.into_body().collect().await.unwrap().to_bytes();
                            let _ = tx.send(Received { signature, content_type, body });
                            let status = statuses.lock().unwrap().pop_front().unwrap_or(200);
                            let mut resp = http::Response::new(Full::new(Bytes::new()));
                            *resp.status_mut() = http::StatusCode::from_u16(status).unwrap();
                            Ok::<_, Infallible>(resp)
                        }
                    });
                    let _ = auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(tls), svc)
                        .await;
                });
            }
        });
        Self { url, ca_pem, got, task }
    }

    pub async fn next(&mut self) -> Received {
        tokio::time::timeout(std::time::Duration::from_secs(10), self.got.recv())
            .await
            .unwrap()
            .unwrap()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}
