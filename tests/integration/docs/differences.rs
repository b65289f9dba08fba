//! The README's list of differences from the contract names the rule that
//! `--subject-told deferred` needs `--revisit` (issue 12 item 14), and the CLI has both.

use clap::CommandFactory as _;

#[test]
fn the_readme_names_the_revisit_rule_the_cli_enforces() {
    let readme = std::fs::read_to_string(crate::support::repo().join("README.md")).unwrap();
    let (_, differences) = readme.split_once("## Where isagate differs from the contract").unwrap();
    let differences = differences.split("\n## ").next().unwrap().replace('\n', " ");
    let item = differences
        .split("\n- ")
        .chain(differences.split(" - "))
        .find(|i| i.contains("--subject-told deferred"))
        .expect("the differences name `--subject-told deferred`");
    assert!(item.contains("--revisit"), "{item}");

    let cli = isagate::cli::Cli::command();
    let review = cli
        .find_subcommand("emergency")
        .and_then(|e| e.find_subcommand("review"))
        .expect("emergency review");
    let longs: Vec<&str> = review.get_arguments().filter_map(|a| a.get_long()).collect();
    assert!(longs.contains(&"subject-told") && longs.contains(&"revisit"), "{longs:?}");
}
