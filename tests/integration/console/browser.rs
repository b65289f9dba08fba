//! The console in headless Chromium (Debian's `chromium` + `chromium-driver`), against
//! the real admin listener over mTLS, the browser presenting a client certificate from
//! an NSS database in its own `HOME` (one for a governance officer, one for an agency),
//! chosen without a prompt by an `AutoSelectCertificateForUrls` policy file that the test
//! writes and removes. On every page axe-core (`ISAGATE_TEST_AXE`: the path of
//! `axe.min.js`) must find 0 WCAG 2.2 A/AA violations. With `ISAGATE_SCREENSHOTS=1` the
//! run also writes `docs/console/*.png`.
//!
//! Skipped, with a message, when the browser tools are missing, unless
//! `ISAGATE_TEST_REQUIRE_BROWSER=1` (CI), where a missing tool fails the test.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::webdriver::Browser;
use crate::admin::harness::{emergency_draft, subject_key, Harness, GOVERNANCE};
use crate::admin::pki::Pki;
use crate::support;
use isagate::emergency::Ledger as _;

const POLICY_DIR: &str = "/etc/chromium/policies/managed";

/// One browser test at a time: Chromium does not merge one policy from several files, so
/// two tests' `AutoSelectCertificateForUrls` files at once would leave one listener's
/// certificate to a prompt that never comes.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Removes the policy file it wrote, also when the test fails.
struct PolicyFile(PathBuf);

impl Drop for PolicyFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn tool(name: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Whether the test can run: `Err(why)` when not (a failure under
/// `ISAGATE_TEST_REQUIRE_BROWSER=1`, a skip otherwise).
fn ready() -> Result<PathBuf, String> {
    for t in ["chromium", "chromedriver", "certutil", "pk12util", "openssl"] {
        if !tool(t) {
            return Err(format!(
                "`{t}` is not installed (apt-get install chromium chromium-driver libnss3-tools)"
            ));
        }
    }
    let axe = std::env::var_os("ISAGATE_TEST_AXE")
        .map(PathBuf::from)
        .ok_or("ISAGATE_TEST_AXE (the path of axe.min.js) is not set")?;
    if !axe.is_file() {
        return Err(format!("ISAGATE_TEST_AXE names no file: {}", axe.display()));
    }
    std::fs::create_dir_all(POLICY_DIR).map_err(|e| format!("cannot write {POLICY_DIR}: {e}"))?;
    Ok(axe)
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A HOME whose NSS database holds `uri`'s certificate and key, and trusts the test CA.
pub(super) fn nss_home(pki: &Pki, uri: &str, dir: &Path) -> PathBuf {
    let home = dir.join(uri.rsplit(':').next().unwrap());
    let db = home.join(".pki/nssdb");
    std::fs::create_dir_all(&db).unwrap();
    let sql = format!("sql:{}", db.display());
    run(Command::new("certutil").args(["-N", "-d", &sql, "--empty-password"]));
    let leaf = pki.client(uri);
    std::fs::write(home.join("id.crt"), &leaf.cert_pem).unwrap();
    std::fs::write(home.join("id.key"), &leaf.key_pem).unwrap();
    std::fs::write(home.join("ca.crt"), &pki.ca_pem).unwrap();
    run(Command::new("openssl").current_dir(&home).args([
        "pkcs12",
        "-export",
        "-in",
        "id.crt",
        "-inkey",
        "id.key",
        "-certfile",
        "ca.crt",
        "-out",
        "id.p12",
        "-passout",
        "pass:x",
        "-name",
        "isagate-test-identity",
    ]));
    run(Command::new("pk12util").current_dir(&home).args(["-i", "id.p12", "-d", &sql, "-W", "x"]));
    run(Command::new("certutil").current_dir(&home).args([
        "-A",
        "-d",
        &sql,
        "-n",
        "isagate-test-ca",
        "-t",
        "CT,C,C",
        "-i",
        "ca.crt",
    ]));
    home
}

/// Run axe-core in the current page: the violations, as `rule: n nodes`.
async fn axe(b: &Browser, source: &str) -> Vec<String> {
    b.script(&format!("{source}\n;return true;")).await;
    let v = b
        .script_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {runOnly: {type: 'tag', values:
               ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})
               .then(r => done(r.violations.map(v => v.id + ': ' + v.nodes.length + ' nodes, e.g. '
                  + v.nodes[0].html)))
               .catch(e => done(['axe failed: ' + e]));",
        )
        .await;
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap_or("?").to_owned()).collect()
}

/// One page checked: axe finds nothing, and a screenshot when asked for.
pub(super) async fn check_page(b: &Browser, axe_source: &str, name: &str) {
    let violations = axe(b, axe_source).await;
    assert!(violations.is_empty(), "{name}: axe-core found {violations:#?}");
    if std::env::var_os("ISAGATE_SCREENSHOTS").is_some_and(|v| v == "1") {
        let dir = support::repo().join("docs/console");
        std::fs::create_dir_all(&dir).unwrap();
        b.screenshot(&dir.join(format!("{name}.png"))).await;
    }
}

/// The page's text once it shows `needle` (a submitted form's answer may take a moment).
pub(super) async fn shown(b: &Browser, needle: &str) -> String {
    let wait = std::time::Duration::from_secs(15);
    support::wait_until(&format!("the page shows `{needle}`"), wait, move || async move {
        text(b).await.contains(needle)
    })
    .await;
    text(b).await
}

pub(super) async fn text(b: &Browser) -> String {
    b.script("return document.body.innerText;").await.as_str().unwrap_or_default().to_owned()
}

/// axe-core's source, or `None` (and a message) when the test is to be skipped; a
/// missing tool fails under `ISAGATE_TEST_REQUIRE_BROWSER=1`.
fn axe_source() -> Option<String> {
    match ready() {
        Ok(axe) => Some(std::fs::read_to_string(axe).unwrap()),
        Err(why) => {
            let required =
                std::env::var_os("ISAGATE_TEST_REQUIRE_BROWSER").is_some_and(|v| v == "1");
            assert!(!required, "ISAGATE_TEST_REQUIRE_BROWSER=1 but {why}");
            eprintln!("skipped: the console browser test needs a browser: {why}");
            None
        }
    }
}

impl PolicyFile {
    /// The policy that makes Chromium present the test CA's certificate to `h`'s listener
    /// without a prompt.
    fn for_harness(h: &Harness) -> Self {
        let port = h.url.rsplit(':').next().unwrap().to_owned();
        let policy = PolicyFile(PathBuf::from(format!("{POLICY_DIR}/isagate-test-{port}.json")));
        let rule = serde_json::json!({"pattern": format!("https://127.0.0.1:{port}"),
                                      "filter": {"ISSUER": {"CN": "isagate test ca"}}});
        let doc = serde_json::json!({"AutoSelectCertificateForUrls": [rule.to_string()]});
        std::fs::write(&policy.0, doc.to_string()).unwrap();
        policy
    }
}

/// What a browser test holds while it runs: axe-core's source, the one-at-a-time lock,
/// and the certificate policy for its listener (removed on drop).
pub(super) struct BrowserRun {
    pub axe: String,
    _one: tokio::sync::MutexGuard<'static, ()>,
    _policy: PolicyFile,
}

impl BrowserRun {
    /// `None` (the test is skipped) without the browser tools, unless they are required.
    pub(super) async fn start(h: &Harness) -> Option<Self> {
        let axe = axe_source()?;
        let one = ONE_AT_A_TIME.lock().await;
        Some(Self { axe, _one: one, _policy: PolicyFile::for_harness(h) })
    }
}

#[tokio::test]
async fn a_governance_officer_uses_every_page_in_chromium_and_an_agency_is_refused() {
    let h = Harness::start().await;
    let Some(run) = BrowserRun::start(&h).await else { return };
    let axe_source = run.axe.clone();
    let homes = support::scratch();
    let gov_home = nss_home(&h.pki, GOVERNANCE, homes.path());
    let agency_home = nss_home(&h.pki, "urn:isagate:agency:lcc-ssc", homes.path());
    let mut draft = emergency_draft();
    draft.subjects = vec![subject_key().hash("nhs-number", "9434765919")];
    let schema = std::fs::read(support::repo().join("schemas/referral.v1.json")).unwrap();
    draft.schema_sha256 =
        [("referral.v1.json".to_owned(), isagate::digest::sha256_hex(&schema))].into();
    draft.disclosed = vec!["/concern".into(), "/health_notes".into()];
    let trigger = isagate::admin::activations::Trigger::AdminReload;
    let reloaded = isagate::admin::agreements::reload(&h.state, GOVERNANCE, trigger).await;
    assert_eq!(reloaded.map(|r| r.status()).ok(), Some(http::StatusCode::OK));
    let disclosure = h.ledger.append(draft).await.unwrap();

    let b = Browser::start(&gov_home).await;
    let url = |p: &str| format!("{}{p}", h.url);

    // Overview.
    b.goto(&url("/")).await;
    let t = text(&b).await;
    assert!(t.contains("Record chain") && t.contains(GOVERNANCE), "{t}");
    assert!(t.contains("1 pending, 1 overdue") || t.contains("1 pending"), "{t}");
    check_page(&b, &axe_source, "overview").await;

    // Agreements and one agreement.
    b.goto(&url("/console/agreements")).await;
    assert!(text(&b).await.contains("ISA-LCC-MERPOL-0007"));
    check_page(&b, &axe_source, "agreements").await;
    b.click("a[href='/console/agreements/ISA-LCC-MERPOL-0007']").await;
    let t = text(&b).await;
    assert!(t.contains("Flow referral") && t.contains("Fields of flow referral"), "{t}");
    assert!(t.contains("Activation history") && t.contains("admin-reload"), "{t}");
    check_page(&b, &axe_source, "agreement").await;

    // Proposals (the four-eyes queue, and the upload form: `browser_lifecycle`).
    b.goto(&url("/console/proposals")).await;
    assert!(text(&b).await.contains("Propose a change"));
    check_page(&b, &axe_source, "proposals").await;

    // Explain, with the sample referral.
    b.goto(&url("/console/explain")).await;
    b.click("#flow option[value='referral']").await;
    b.type_into("#purpose", "safeguarding").await;
    let payload =
        std::fs::read_to_string(support::repo().join("examples/payloads/referral.json")).unwrap();
    b.type_into("#payload", &payload).await;
    b.click("form.stack button[type='submit']").await;
    let t = shown(&b, "would pass").await;
    assert!(t.contains("After (what the recipient gets)") && t.contains("would pass"), "{t}");
    check_page(&b, &axe_source, "explain").await;

    // Emergency review.
    b.goto(&url("/console/emergency")).await;
    assert!(text(&b).await.contains("overdue") || text(&b).await.contains("pending"));
    assert!(text(&b).await.contains("Fields disclosed by"));
    check_page(&b, &axe_source, "emergency").await;
    let id = disclosure.id.to_string();
    b.type_into(&format!("#note-{id}"), "checked with the duty manager").await;
    b.click(&format!("form[action='/console/emergency/{id}/review'] button")).await;
    shown(&b, "Review recorded").await;
    let last = h.ledger.all().await.pop().unwrap();
    assert_eq!(last.draft.actor.as_deref(), Some(GOVERNANCE));

    // Restrictions: add, then remove.
    b.goto(&url("/console/restrictions")).await;
    b.type_into("#id", "943 476 5919").await;
    b.type_into("#note", "the subject objected").await;
    b.click("form[action='/console/restrictions'] button").await;
    let t = shown(&b, "Restriction added").await;
    assert!(t.contains("Restriction added") && !t.contains("943 476 5919"), "{t}");
    assert_eq!(h.state.restrictions.current().list().len(), 1);
    check_page(&b, &axe_source, "restrictions").await;
    b.click("form[action$='/remove'] button").await;
    shown(&b, "Restriction removed").await;
    assert!(h.state.restrictions.current().list().is_empty());

    // Subject access, and its printed form.
    b.goto(&url("/console/subject")).await;
    b.type_into("#id", "9434765919").await;
    b.click("form[action='/console/subject'] button").await;
    let t = shown(&b, "Disclosures about this person").await;
    assert!(t.contains("Disclosures about this person") && !t.contains("9434765919"), "{t}");
    assert!(t.contains("child-at-risk") && t.contains("merseyside-police"), "the disclosure: {t}");
    check_page(&b, &axe_source, "subject").await;
    let nav_in_print: Value = b.print_media_display("nav").await;
    assert_eq!(nav_in_print, "none", "the print stylesheet hides the navigation");
    let pdf = b.print_pdf().await;
    assert!(pdf.starts_with(b"%PDF"), "the answer prints");

    // The report.
    b.goto(&url("/console/report?since=2026-03-01&until=2026-03-01")).await;
    let t = text(&b).await;
    assert!(t.contains("Transfers by recipient agency") && t.contains("CSV"), "{t}");
    check_page(&b, &axe_source, "report").await;

    // A form posted from another site (a data: page) is refused and records nothing.
    let before = h.ledger.all().await.len();
    b.goto(&url("/console/restrictions")).await;
    let token = b.script("return document.querySelector('input[name=csrf]').value;").await;
    let form = format!(
        "data:text/html,<form method=post action='{}/console/restrictions'><input name=csrf value='{}'>\
         <input name=type value=nhs-number><input name=id value=1><input name=agreements value=*>\
         <button id=go>go</button></form>",
        h.url,
        token.as_str().unwrap()
    );
    b.goto(&form).await;
    b.click("#go").await;
    let t = shown(&b, "Refused").await;
    assert!(t.contains("Refused") && t.contains("another site"), "{t}");
    assert_eq!(h.ledger.all().await.len(), before);
    b.quit().await;

    // An agency's browser gets the API's refusal.
    let a = Browser::start(&agency_home).await;
    a.goto(&url("/")).await;
    let t = text(&a).await;
    assert!(t.contains("Refused") && t.contains("agency certificate"), "{t}");
    assert!(!t.contains("Record chain"));
    a.quit().await;
    drop(run);
    h.stop().await;
}
