//! `alerts.webhook_url` takes `https://` only: the webhook client never sends in clear, so
//! an `http://` URL is refused when the file is loaded (naming the file, the line and what
//! to do) instead of loading and then failing every alert, as `docs/configuration.md`
//! says.

use std::path::Path;

use isagate::config::{Config, ConfigError, LoadOptions};

fn config(url: &str) -> String {
    format!("[listen]\nops = \"127.0.0.1:0\"\n\n[alerts]\nwebhook_url = \"{url}\"\nwebhook_key = \"certs/webhook.key\"\n")
}

#[test]
fn an_http_webhook_is_refused_at_load_and_https_loads() {
    let opts = LoadOptions { check_files: false };
    let base = Path::new("/etc/isagate");
    let ok = Config::parse(&config("https://alerts.example/hook"), Path::new("a.toml"), base, opts);
    assert!(ok.is_ok(), "{ok:?}");
    let refused =
        Config::parse(&config("http://alerts.example/hook"), Path::new("a.toml"), base, opts);
    let Err(ConfigError::Invalid { problems, .. }) = refused else { panic!("{refused:?}") };
    let p = problems.iter().find(|p| p.key == "alerts.webhook_url").expect("the webhook is named");
    assert_eq!(p.line, Some(5), "{p}");
    assert!(p.message.contains("`https://`"), "says what to do: {p}");
}

/// As an operator meets it: the command exits 2 and the message names file, line and key.
#[test]
fn the_cli_names_the_file_line_and_key_of_an_http_webhook() {
    let dir = crate::support::scratch();
    let path = dir.path().join("isagate.toml");
    std::fs::write(&path, config("http://127.0.0.1:9/hook")).unwrap();
    let out = std::process::Command::new(crate::support::isagate_bin())
        .current_dir(crate::support::repo())
        .arg("--config")
        .arg(&path)
        .args(["agreements", "check"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&format!("{}:5:", path.display())), "{stderr}");
    assert!(stderr.contains("alerts.webhook_url") && stderr.contains("use `https://`"), "{stderr}");
}
