//! The demo's log lines (standard error) carry ANSI colours only on a terminal, and never
//! with `NO_COLOR` set (issue 12 item 14): a redirected log is plain text. The terminal
//! cases run the demo under `script` (a pseudo-terminal), and show the test can fail.

use std::process::{Command, Stdio};

use crate::support;

const ESC: char = '\u{1b}';
/// The warning the demo's emergency sample logs.
const WARNING: &str = "emergency disclosure made";

fn demo_args(work: &std::path::Path) -> Vec<String> {
    let mut args: Vec<String> = ["demo", "--no-serve", "--port", "0", "--admin-port", "0"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    args.extend(["--ops-port".into(), "0".into(), "--dir".into(), work.display().to_string()]);
    args
}

/// The log line the demo's emergency sample writes, from `output`.
fn warning_line(output: &str) -> String {
    output
        .lines()
        .find(|l| l.contains(WARNING))
        .unwrap_or_else(|| panic!("no warning:\n{output}"))
        .to_owned()
}

#[test]
fn a_redirected_demo_log_has_no_colours() {
    let dir = support::scratch();
    let out = Command::new(support::isagate_bin())
        .current_dir(support::repo())
        .args(demo_args(&dir.path().join("w")))
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let line = warning_line(&stderr);
    assert!(!stderr.contains(ESC), "ANSI escapes in a redirected log: {line:?}");
}

/// Runs the demo on a pseudo-terminal; `None` where `script` (util-linux) is missing.
fn on_terminal(no_color: Option<&str>) -> Option<String> {
    let dir = support::scratch();
    let isagate = support::isagate_bin().display().to_string();
    let line = std::iter::once(isagate)
        .chain(demo_args(&dir.path().join("w")))
        .collect::<Vec<_>>()
        .join(" ");
    let mut cmd = Command::new("script");
    cmd.current_dir(support::repo()).args(["-qec", &line, "/dev/null"]).stdin(Stdio::null());
    match no_color {
        Some(v) => cmd.env("NO_COLOR", v),
        None => cmd.env_remove("NO_COLOR"),
    };
    let out = cmd.output().ok()?;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    Some(warning_line(&String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn on_a_terminal_the_demo_log_is_coloured_unless_no_color_is_set() {
    let Some(coloured) = on_terminal(None) else {
        eprintln!("skipped: `script` (util-linux) is not installed");
        return;
    };
    assert!(coloured.contains(ESC), "a terminal gets colours: {coloured:?}");
    let plain = on_terminal(Some("1")).unwrap();
    assert!(!plain.contains(ESC), "NO_COLOR=1 turns them off: {plain:?}");
}
