//! `isagate.example.toml`'s ports: the header comment, the upstreams it lists and
//! `docs/configuration.md` agree, and the command the header gives for starting a mock
//! agency is a valid command line that binds that agency's upstream port (the demo does
//! not use this file, and the file says so).

use clap::Parser as _;

use crate::support::repo;

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap()
}

/// `(agency id, upstream port)` in file order.
fn example_upstreams() -> Vec<(String, u16)> {
    let table: toml::Table = toml::from_str(&read("isagate.example.toml")).unwrap();
    let agencies = table["agencies"].as_array().unwrap();
    agencies
        .iter()
        .filter_map(|a| {
            let url = a.get("upstream")?.as_str()?;
            let port = url.rsplit(':').next()?.trim_end_matches('/').parse().ok()?;
            Some((a["id"].as_str()?.to_owned(), port))
        })
        .collect()
}

#[test]
fn the_header_the_upstreams_and_the_docs_name_the_same_ports() {
    let upstreams = example_upstreams();
    assert!(upstreams.len() >= 10, "{upstreams:?}");
    let first = upstreams[0].1;
    for (i, (id, port)) in upstreams.iter().enumerate() {
        assert_eq!(usize::from(*port), usize::from(first) + i, "`{id}` breaks the sequence");
    }
    let last = upstreams[upstreams.len() - 1].1;
    let example = read("isagate.example.toml");
    let header: String = example
        .lines()
        .take_while(|l| l.starts_with('#') || l.is_empty())
        .map(|l| l.trim_start_matches('#').trim())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(header.contains(&format!("ports {first} to {last}")), "{header}");

    let docs = read("docs/configuration.md");
    let (_, section) = docs.split_once("## The example's ports").unwrap();
    let section = section.split("\n## ").next().unwrap().replace('\n', " ");
    assert!(section.contains(&format!("`https://127.0.0.1:{first}` … `{last}`")), "{section}");
    for (id, port) in &upstreams {
        assert!(section.contains(&format!("`{id}` {port}")), "docs: `{id}` {port}:\n{section}");
    }
}

#[test]
fn the_headers_mock_agency_command_is_valid_and_binds_the_agencys_port() {
    let example = read("isagate.example.toml");
    let joined = example
        .lines()
        .map(|l| l.trim_start_matches('#').trim())
        .collect::<Vec<_>>()
        .join(" ")
        .replace("\\ ", "");
    let start = joined.find("isagate mock-agency").expect("the header shows how to start a mock");
    let words: Vec<&str> =
        joined[start..].split_whitespace().take_while(|w| !w.starts_with('[')).take(12).collect();
    let cli =
        isagate::cli::Cli::try_parse_from(&words).unwrap_or_else(|e| panic!("{words:?}: {e}"));
    let isagate::cli::Command::MockAgency(args) = cli.command else { panic!("{words:?}") };
    let upstreams = example_upstreams();
    let (_, port) = upstreams.iter().find(|(id, _)| *id == args.name).unwrap();
    assert_eq!(args.bind.port(), *port, "the mock binds `{}`'s upstream port", args.name);
    assert!(args.cert.ends_with("mock-upstream.crt") && args.client_ca.ends_with("ca.crt"));
}
