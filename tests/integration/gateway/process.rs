//! A real `isagate serve` child process for tests that need one: the gateway harness's
//! certificates, mocks and config on fixed free ports, its environment set on the child
//! only (never on this shared, multi-threaded test binary), its log in a file, and a
//! bounded wait until `/readyz` answers 200.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use isagate::mock_agency::MockAgencyHandle;

use super::harness::{config_text, Options};
use crate::support;

/// A port the kernel just handed out (free unless another process races for it).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A plain HTTP/1.1 GET on 127.0.0.1 (the ops listener); the whole answer, head and body.
pub async fn http_get(port: u16, path: &str) -> Option<String> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok()?;
    let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).await.ok()?;
    Some(out)
}

/// A running `isagate serve`; killed when dropped.
pub struct Serve {
    child: Child,
    pub transfer: u16,
    pub admin: u16,
    pub ops: u16,
    /// Its standard error (the log).
    pub log: PathBuf,
}

/// `isagate serve` with `config` and the repository's sample agreements and schemas.
pub fn serve_command(config: &Path) -> Command {
    let mut cmd = Command::new(support::isagate_bin());
    cmd.arg("--config")
        .arg(config)
        .arg("--agreements")
        .arg(support::repo().join("agreements"))
        .arg("--schemas")
        .arg(support::repo().join("schemas"))
        .arg("serve");
    cmd
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serve {
    /// Start `isagate serve` with `<dir>/<name>.toml` (written from `opts`, whose ports are
    /// replaced by free ones), the sample agreements, and `env` set on the child; wait
    /// (at most 30 s) until it is ready.
    pub async fn start(
        dir: &Path,
        name: &str,
        opts: Options,
        mocks: &HashMap<String, MockAgencyHandle>,
        env: &[(&str, &str)],
    ) -> Self {
        let (transfer, admin, ops) = (free_port(), free_port(), free_port());
        let opts = Options { ports: Some((transfer, admin, ops)), ..opts };
        let text = config_text(&opts, mocks)
            .replace("checkpoints.jsonl", &format!("checkpoints-{name}.jsonl"));
        let config = dir.join(format!("{name}.toml"));
        std::fs::write(&config, text).unwrap();
        let log = dir.join(format!("{name}.log"));
        let child = serve_command(&config)
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let serve = Self { child, transfer, admin, ops, log };
        support::wait_until(
            &format!("`isagate serve` ({name}) is ready"),
            Duration::from_secs(30),
            || async { http_get(ops, "/readyz").await.is_some_and(|t| t.contains(" 200 ")) },
        )
        .await;
        serve
    }

    /// What it has logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Its Prometheus metrics.
    pub async fn metrics(&self) -> String {
        http_get(self.ops, "/metrics").await.unwrap()
    }

    /// Ask it to stop (SIGTERM) and wait, bounded, for a clean exit.
    pub async fn stop(mut self) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let mut code = None;
        support::wait_until("`isagate serve` exits", Duration::from_secs(30), || {
            code = self.child.try_wait().unwrap();
            std::future::ready(code.is_some())
        })
        .await;
        assert_eq!(code.and_then(|c| c.code()), Some(0), "{}", self.log_text());
    }
}
