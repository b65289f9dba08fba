//! The console's file forms and the full verify in headless Chromium, with two
//! governance identities (each its own NSS database): officer A runs a full verify from
//! the overview, explains an uploaded payload and proposes a change by uploading the
//! agreement file; A's own approval is refused (four-eyes); officer B approves it, and
//! the register shows the new version in force. axe-core finds 0 violations on every
//! page. Skipped like `browser` without the browser tools.

use std::sync::atomic::Ordering;

use super::browser::{check_page, nss_home, shown, text, BrowserRun};
use super::proposals::{narrower, reloaded_harness};
use super::webdriver::Browser;
use crate::admin::harness::GOVERNANCE;
use crate::support;

const SECOND: &str = "urn:isagate:governance:dpo";
const FILE: &str = "isa-lcc-merpol-0007.yaml";

#[tokio::test]
async fn two_officers_propose_by_upload_and_approve_a_change_in_chromium() {
    let h = reloaded_harness().await;
    let Some(run) = BrowserRun::start(&h).await else { return };
    h.state.four_eyes.store(true, Ordering::SeqCst);
    let homes = support::scratch();
    let (a_home, b_home) =
        (nss_home(&h.pki, GOVERNANCE, homes.path()), nss_home(&h.pki, SECOND, homes.path()));
    let upload_dir = homes.path().join("upload");
    std::fs::create_dir_all(&upload_dir).unwrap();
    let v3 = std::fs::read_to_string(h.agreements_dir.join(FILE)).unwrap();
    std::fs::write(upload_dir.join(FILE), narrower(&v3)).unwrap();
    let url = |p: &str| format!("{}{p}", h.url);

    let a = Browser::start(&a_home).await;
    // The overview's full verify: run, recorded, shown.
    a.goto(&url("/")).await;
    assert!(text(&a).await.contains("never: run one now"));
    a.click("form[action='/console/verify'] button").await;
    let t = shown(&a, "Full verify done").await;
    assert!(t.contains("(console): ok"), "{t}");
    check_page(&a, &run.axe, "overview-verified").await;

    // Explain an uploaded payload (the text field keeps its `{}`).
    a.goto(&url("/console/explain")).await;
    a.click("#flow option[value='referral']").await;
    a.type_into("#purpose", "safeguarding").await;
    let payload = support::repo().join("examples/payloads/referral.json");
    a.choose_files("#payload-file", &[&payload]).await;
    a.click("form.stack button[type='submit']").await;
    let t = shown(&a, "would pass").await;
    assert!(t.contains("SSC-2026-01234"), "the file was the payload: {t}");
    check_page(&a, &run.axe, "explain-upload").await;

    // Propose by upload; the proposer's own approval is refused.
    a.goto(&url("/console/proposals")).await;
    a.choose_files("#agreement-files", &[&upload_dir.join(FILE)]).await;
    a.type_into("#propose-note", "narrower purposes").await;
    a.click("form[action='/console/proposals'] button").await;
    let t = shown(&a, "Proposed: proposal").await;
    assert!(t.contains("1 narrow") && t.contains("Its impact on the"), "{t}");
    check_page(&a, &run.axe, "proposal").await;
    a.click("form[action$='/decide'] button[value='approve']").await;
    let t = shown(&a, "Refused").await;
    assert!(!t.contains("Approved"), "{t}");
    a.quit().await;

    // The second officer approves; the register shows version 4 in force.
    let b = Browser::start(&b_home).await;
    b.goto(&url("/console/proposals")).await;
    b.type_into("form[action$='/decide'] input[name='note']", "agreed with the DPO").await;
    b.click("form[action$='/decide'] button[value='approve']").await;
    shown(&b, "Approved: the new set is live").await;
    b.goto(&url("/console/agreements/ISA-LCC-MERPOL-0007")).await;
    let t = text(&b).await;
    assert!(t.contains("Version\n4") || t.contains("Version\t4"), "{t}");
    assert!(t.contains(SECOND), "the activation names the approver: {t}");
    b.quit().await;
    drop(run);
    h.stop().await;
}
