//! The governance console on the admin listener: its pages over real mTLS
//! (`console/pages`), and in headless Chromium presenting client certificates from NSS
//! databases (`console/browser`, skipped without a browser unless
//! `ISAGATE_TEST_REQUIRE_BROWSER=1`).

mod browser;
mod browser_lifecycle;
mod chain;
mod fields;
mod pages;
mod proposals;
mod uploads;
mod webdriver;
