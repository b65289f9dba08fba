//! Lawful-basis codes in the answers a governance officer reads (issue 13): `audit
//! subject` and `audit report` show each code a record names beside its plain-English
//! description from the vocabulary, in every format.

use std::process::{Command, Output};

use isagate::agreements::lawful_basis::describe;
use isagate::codes::LawfulBasis;
use isagate::keys::{SecretKey, SubjectKey};

use super::common::*;
use crate::support::{isagate_bin, scratch};

fn isagate(args: &[&str]) -> Output {
    Command::new(isagate_bin()).args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subject_answer_and_report_show_each_code_with_its_description() {
    let dir = scratch();
    let url = sqlite_url(dir.path());
    let key_file = dir.path().join("subject.key");
    SecretKey::random().unwrap().write(&key_file).unwrap();
    let me = SubjectKey::new(&SecretKey::read(&key_file).unwrap()).hash("nhs-number", "9434765919");
    let store = open(&url).await;
    let mut d = disclosure(1, &[&me]);
    d.lawful_basis = Some(LawfulBasis {
        article_6: vec!["6(1)(e)".into()],
        statutory_gateway: vec!["Children Act 2004 s.10".into()],
        ..LawfulBasis::default()
    });
    store.append(d).await.unwrap();
    drop(store);
    let public_task = describe("6(1)(e)").unwrap();
    assert!(public_task.starts_with("Public task"), "{public_task}");

    let key_path = key_file.to_str().unwrap();
    let subject = |format: &str| {
        stdout(&isagate(&[
            "audit",
            "subject",
            "--store",
            &url,
            "--subject-key",
            key_path,
            "--type",
            "nhs-number",
            "--id",
            "9434765919",
            "--format",
            format,
        ]))
    };
    let answer: serde_json::Value = serde_json::from_str(&subject("json")).unwrap();
    assert_eq!(
        answer["records"][0]["lawful_basis"],
        serde_json::json!([{"list": "article_6", "code": "6(1)(e)", "description": public_task}])
    );
    let human = subject("human");
    assert!(human.contains(&format!("lawful basis: 6(1)(e) - {public_task}")), "{human}");

    let today = jiff::Zoned::now().date().to_string();
    let report = |format: &str| {
        stdout(&isagate(&[
            "audit",
            "report",
            "--store",
            &url,
            "--since",
            "2000-01-01",
            "--until",
            &today,
            "--format",
            format,
        ]))
    };
    let r: serde_json::Value = serde_json::from_str(&report("json")).unwrap();
    assert_eq!(r["by_lawful_basis"], serde_json::json!({"6(1)(e)": 1}), "{r}");
    assert_eq!(r["lawful_basis"], serde_json::json!({"6(1)(e)": public_task}), "{r}");
    let human = report("human");
    assert!(human.contains("Transfers by lawful basis"), "{human}");
    assert!(human.contains(&format!("6(1)(e): {public_task}")), "{human}");
    let csv = report("csv");
    assert!(csv.contains("lawful-basis,6(1)(e),1\n"), "{csv}");
    assert!(csv.contains("lawful-basis-description,6(1)(e),"), "{csv}");
}
