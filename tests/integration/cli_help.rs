//! Every command line argument says what it is for (issue 12 item 14): `--help` is the
//! reference a governance officer reads, so an argument without help text is a defect.

use clap::CommandFactory as _;

fn undocumented(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
    for arg in cmd.get_arguments() {
        let id = arg.get_id().as_str();
        if matches!(id, "help" | "version") {
            continue;
        }
        if arg.get_help().is_none() && arg.get_long_help().is_none() {
            out.push(format!("{path} {id}"));
        }
    }
    for sub in cmd.get_subcommands() {
        undocumented(sub, &format!("{path} {}", sub.get_name()), out);
    }
}

#[test]
fn every_argument_has_help_text() {
    let mut missing = Vec::new();
    undocumented(&isagate::cli::Cli::command(), "isagate", &mut missing);
    assert!(missing.is_empty(), "arguments without help text:\n{}", missing.join("\n"));
}

/// Every command, as a path of names (`isagate agreements check`), with the long options it
/// takes once global options have reached it.
fn commands(cmd: &clap::Command, path: &str, out: &mut Vec<(String, Vec<String>)>) {
    let longs = cmd.get_arguments().filter_map(|a| a.get_long().map(str::to_owned)).collect();
    out.push((path.to_owned(), longs));
    for sub in cmd.get_subcommands() {
        commands(sub, &format!("{path} {}", sub.get_name()), out);
    }
}

/// `--agreements` and `--schemas` are offered only where they do something (issue 12 item
/// 14): `serve`, `demo` and the `agreements` commands read agreements; `dev-certs`, `audit`,
/// `emergency`, `restrictions` and `mock-agency` do not. `--config` stays on every command.
#[test]
fn agreement_folders_are_offered_only_where_they_are_read() {
    let mut cli = isagate::cli::Cli::command();
    cli.build();
    let mut all = Vec::new();
    commands(&cli, "isagate", &mut all);
    let reads = |path: &str| {
        ["isagate serve", "isagate demo", "isagate agreements"]
            .iter()
            .any(|p| path == *p || path.starts_with(&format!("{p} ")))
    };
    let mut wrong = Vec::new();
    for (path, longs) in &all {
        if path == "isagate" || path.ends_with(" help") || path.contains(" help ") {
            continue;
        }
        for option in ["agreements", "schemas"] {
            if longs.iter().any(|l| l == option) != reads(path) {
                wrong.push(format!("{path}: --{option}"));
            }
        }
        if !longs.iter().any(|l| l == "config") {
            wrong.push(format!("{path}: no --config"));
        }
    }
    assert!(all.len() > 15, "{all:?}");
    assert!(
        wrong.is_empty(),
        "options offered where they do nothing, or missing:\n{}",
        wrong.join("\n")
    );
}

/// The same, as a person sees it: the help text of `dev-certs` does not mention them, that
/// of `agreements check` does, and `serve --agreements DIR` still parses.
#[test]
fn help_texts_show_the_folders_only_where_they_are_read() {
    let help = |args: &[&str]| {
        let out = std::process::Command::new(crate::support::isagate_bin())
            .args(args)
            .arg("--help")
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    for args in [&["dev-certs"][..], &["audit", "verify"], &["emergency", "list"]] {
        let text = help(args);
        assert!(!text.contains("--agreements") && !text.contains("--schemas"), "{args:?}:\n{text}");
        assert!(text.contains("--config"), "{args:?}:\n{text}");
    }
    for args in [&["agreements", "check"][..], &["serve"], &["demo"]] {
        let text = help(args);
        assert!(text.contains("--agreements") && text.contains("--schemas"), "{args:?}:\n{text}");
    }
    use clap::Parser as _;
    let cli = isagate::cli::Cli::try_parse_from(["isagate", "dev-certs", "--agreements", "x"]);
    assert!(cli.is_err(), "dev-certs refuses --agreements");
    let args = ["isagate", "--config", "c.toml", "agreements", "--agreements", "a", "check"];
    let cli = isagate::cli::Cli::try_parse_from(args.iter().chain(&["--schemas", "s"]));
    assert!(cli.is_ok(), "{cli:?}");
}

/// Written before the command name (as earlier versions took them), the folders still
/// reach the commands that read them, and a command that reads none refuses them (exit 2,
/// saying which commands do) instead of ignoring them.
#[test]
fn folders_before_the_command_name_are_refused_where_they_do_nothing() {
    let dir = crate::support::scratch();
    let out = std::process::Command::new(crate::support::isagate_bin())
        .args(["--agreements", "elsewhere", "dev-certs", "--out"])
        .arg(dir.path().join("certs"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("`--agreements` does nothing for `isagate dev-certs`"), "{stderr}");
    assert!(!dir.path().join("certs").exists(), "nothing is written");

    let out = std::process::Command::new(crate::support::isagate_bin())
        .current_dir(dir.path())
        .arg("--agreements")
        .arg(crate::support::repo().join("agreements"))
        .arg("--schemas")
        .arg(crate::support::repo().join("schemas"))
        .args(["agreements", "check", "--format", "json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(report["agreements_checked"].as_u64().unwrap() >= 8, "{report}");
}
