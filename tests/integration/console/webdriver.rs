//! A small W3C WebDriver client over reqwest, enough to drive headless Chromium through
//! `chromedriver`: a session, navigation, finding elements, typing, clicking, running a
//! script, and screenshots. `chromedriver` runs as a child with its own `HOME`, so the
//! browser it starts reads that identity's NSS database (`$HOME/.pki/nssdb`).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use serde_json::{json, Value};

/// The W3C key for an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A running `chromedriver` and one browser session; both end on drop.
pub struct Browser {
    http: reqwest::Client,
    base: String,
    session: String,
    driver: Child,
}

impl Browser {
    /// Start `chromedriver` with `home` as HOME, then one headless Chromium session.
    pub async fn start(home: &Path) -> Self {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .env("HOME", home)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        // Plain HTTP to chromedriver; the TLS config is only there because reqwest needs one.
        let tls = rustls::ClientConfig::builder_with_provider(crate::admin::pki::provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let mut browser = Self { http, base, session: String::new(), driver };
        let status = format!("{}/status", browser.base);
        crate::support::wait_until("chromedriver answers", Duration::from_secs(20), || {
            let http = browser.http.clone();
            let status = status.clone();
            async move { http.get(&status).send().await.is_ok() }
        })
        .await;
        let profile = home.join("profile");
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "acceptInsecureCerts": false,
            "goog:chromeOptions": {"args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1000", format!("--user-data-dir={}", profile.display()),
            ]}
        }}});
        let v = browser.raw("POST", "/session", Some(caps)).await;
        browser.session = v["sessionId"].as_str().expect("a session id").to_owned();
        browser
    }

    async fn raw(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let req = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body.unwrap_or_else(|| json!({}))),
        };
        let v: Value = req.send().await.unwrap().json().await.unwrap();
        if let Some(err) = v["value"].get("error") {
            panic!("webdriver {method} {path}: {err} {}", v["value"]["message"]);
        }
        v["value"].clone()
    }

    async fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.raw(method, &format!("/session/{}{path}", self.session), body).await
    }

    pub async fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({"url": url}))).await;
    }

    /// The first element matching `css`.
    pub async fn find(&self, css: &str) -> String {
        let v = self
            .cmd("POST", "/element", Some(json!({"using": "css selector", "value": css})))
            .await;
        v[ELEMENT].as_str().unwrap_or_else(|| panic!("no element `{css}`: {v}")).to_owned()
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.cmd("POST", &format!("/element/{el}/clear"), None).await;
        self.cmd("POST", &format!("/element/{el}/value"), Some(json!({"text": text}))).await;
    }

    /// Choose files (absolute paths) in the file input matching `css`.
    pub async fn choose_files(&self, css: &str, paths: &[&Path]) {
        let el = self.find(css).await;
        let text: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        let body = json!({"text": text.join("\n")});
        self.cmd("POST", &format!("/element/{el}/value"), Some(body)).await;
    }

    /// Click the element matching `css`.
    pub async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.cmd("POST", &format!("/element/{el}/click"), None).await;
    }

    /// Run `script` (a function body) in the page and return its value.
    pub async fn script(&self, script: &str) -> Value {
        self.cmd("POST", "/execute/sync", Some(json!({"script": script, "args": []}))).await
    }

    /// Run an async `script`; it calls `arguments[arguments.length - 1]` with its result.
    pub async fn script_async(&self, script: &str) -> Value {
        self.cmd("POST", "/timeouts", Some(json!({"script": 60_000}))).await;
        self.cmd("POST", "/execute/async", Some(json!({"script": script, "args": []}))).await
    }

    /// A PNG of the whole page.
    pub async fn screenshot(&self, to: &Path) {
        let height = self.script("return document.documentElement.scrollHeight;").await;
        let h = height.as_u64().unwrap_or(1000).clamp(600, 4000);
        self.cmd("POST", "/window/rect", Some(json!({"width": 1280, "height": h}))).await;
        let v = self.cmd("GET", "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD.decode(v.as_str().unwrap()).unwrap();
        std::fs::write(to, png).unwrap();
        self.cmd("POST", "/window/rect", Some(json!({"width": 1280, "height": 1000}))).await;
    }

    pub async fn quit(mut self) {
        let path = format!("/session/{}", self.session);
        let _ = self.http.delete(format!("{}{path}", self.base)).send().await;
        self.session.clear();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Browser {
    /// `display` of the first element matching `css` under print media (DevTools).
    pub async fn print_media_display(&self, css: &str) -> Value {
        let cdp = json!({"cmd": "Emulation.setEmulatedMedia", "params": {"media": "print"}});
        self.cmd("POST", "/goog/cdp/execute", Some(cdp)).await;
        let v = self
            .script(&format!("return getComputedStyle(document.querySelector({css:?})).display;"))
            .await;
        let screen = json!({"cmd": "Emulation.setEmulatedMedia", "params": {"media": ""}});
        self.cmd("POST", "/goog/cdp/execute", Some(screen)).await;
        v
    }

    /// The page printed to PDF (WebDriver's Print Page).
    pub async fn print_pdf(&self) -> Vec<u8> {
        let v = self.cmd("POST", "/print", Some(json!({}))).await;
        base64::engine::general_purpose::STANDARD.decode(v.as_str().unwrap()).unwrap()
    }
}
