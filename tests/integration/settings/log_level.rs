//! `telemetry.log_level`: the log filter of `isagate serve` when `ISAGATE_LOG` is unset;
//! `ISAGATE_LOG` still overrides it. Each run is a real process whose environment has
//! `ISAGATE_LOG` removed or set (never the test process's own environment).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::gateway::harness::{config_text, prepare, Options};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn ready(port: u16) -> bool {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let Ok(mut s) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else {
        return false;
    };
    let req = "GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    if s.write_all(req.as_bytes()).await.is_err() {
        return false;
    }
    let mut out = String::new();
    let _ = s.read_to_string(&mut out).await;
    out.starts_with("HTTP/1.1 200")
}

/// Run `isagate serve` with `log_level` in its config and `env` as `ISAGATE_LOG` (or none)
/// until it is ready, stop it with `SIGTERM`, and return what it logged. A port taken by
/// another test between choosing it and binding it is chosen again (at most 3 times).
async fn serve_and_stop(log_level: &str, env: Option<&str>) -> String {
    for _ in 0..3 {
        if let Some(logged) = try_serve_and_stop(log_level, env).await {
            return logged;
        }
    }
    panic!("three sets of ports were taken before `isagate serve` could bind them");
}

/// One run of [`serve_and_stop`]; `None` when a port was already in use.
async fn try_serve_and_stop(log_level: &str, env: Option<&str>) -> Option<String> {
    let (dir, _certs, _ca, mocks) = prepare(&Options::default()).await;
    let ports = (free_port(), free_port(), free_port());
    let opts = Options { ports: Some(ports), ..Options::default() };
    let text = format!(
        "{}\n[telemetry]\nlog_format = \"json\"\nlog_level = \"{log_level}\"\n",
        config_text(&opts, &mocks)
    );
    let config = dir.path().join("isagate.toml");
    std::fs::write(&config, text).unwrap();
    let log = dir.path().join("serve.log");
    let mut cmd = crate::gateway::process::serve_command(&config);
    cmd.env_remove("ISAGATE_LOG")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap());
    if let Some(v) = env {
        cmd.env("ISAGATE_LOG", v);
    }
    let mut child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready(ports.2).await {
        let exited = child.try_wait().unwrap().is_some();
        let logged = std::fs::read_to_string(&log).unwrap_or_default();
        if exited && logged.contains("Address already in use") {
            return None;
        }
        assert!(
            Instant::now() < deadline && !exited,
            "`isagate serve` did not become ready: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap()).await.unwrap();
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(status.success(), "{status:?}: {logged}");
    Some(logged)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_level_filters_logs_unless_isagate_log_overrides_it() {
    let (warn, overridden, debug) = tokio::join!(
        serve_and_stop("warn", None),
        serve_and_stop("warn", Some("info")),
        serve_and_stop("debug", None),
    );
    assert!(!warn.contains("\"level\":\"INFO\""), "log_level = warn let info through:\n{warn}");
    assert!(!warn.contains("isagate is serving"), "{warn}");
    for (what, logged) in [("ISAGATE_LOG=info", &overridden), ("log_level = debug", &debug)] {
        assert!(logged.contains("isagate is serving"), "{what}:\n{logged}");
        assert!(logged.contains("isagate stopped"), "{what}:\n{logged}");
    }
}
