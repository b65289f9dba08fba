//! Stores as earlier releases left them, built from their DDL (SQLite schema versions 1
//! to 5, the PostgreSQL table before version 6) and filled with rows in the old column
//! form, written here from each record's fields the way those releases wrote them. The
//! migration tests open them with today's store.

use isagate::audit::record::{Record, RecordDraft, GENESIS_HASH};

use super::common::raw_sql;

/// The 35-column table (with `format` from version 4 on); `int` is the integer type and
/// `unique` ends `prev_hash`.
fn old_records(int: &str, unique: &str, format: bool) -> String {
    let format = if format { format!("format {int},") } else { String::new() };
    format!(
        "CREATE TABLE records (
  seq {int} PRIMARY KEY, id TEXT NOT NULL UNIQUE, time TEXT NOT NULL, kind TEXT NOT NULL,
  in_reply_to TEXT, direction TEXT, from_agency TEXT, to_agency TEXT, caller_cert_sha256 TEXT,
  requester TEXT, method TEXT, path_template TEXT,
  agreement_id TEXT, agreement_version {int}, agreement_sha256 TEXT,
  schema_sha256 TEXT NOT NULL, flow TEXT, purpose TEXT, lawful_basis TEXT, reason TEXT,
  emergency TEXT, disclosed TEXT NOT NULL, stripped TEXT NOT NULL, transformed TEXT NOT NULL,
  payload_sha256 TEXT, received_sha256 TEXT, subjects TEXT NOT NULL, outcome TEXT NOT NULL,
  upstream_status {int}, refusal TEXT NOT NULL, review TEXT, governance TEXT, actor TEXT,
  {format}
  prev_hash TEXT NOT NULL{unique}, hash TEXT NOT NULL
);
CREATE INDEX records_time ON records (time);
"
    )
}

/// The SQLite schema of `version` (1 to 5), as that release created it.
pub fn sqlite_ddl(version: i64) -> String {
    let unique = if version == 1 { " UNIQUE" } else { "" };
    let mut ddl = old_records("INTEGER", unique, version >= 4);
    ddl.push_str(
        "CREATE TABLE record_subjects (subject_hash TEXT NOT NULL, seq INTEGER NOT NULL,
  PRIMARY KEY (subject_hash, seq)) WITHOUT ROWID;
CREATE TABLE audit_ready (id INTEGER PRIMARY KEY CHECK (id = 1), at TEXT NOT NULL);
",
    );
    if version >= 2 {
        ddl.push_str(
            "CREATE INDEX records_in_reply_to ON records (in_reply_to) WHERE in_reply_to IS NOT NULL;
CREATE INDEX records_emergency ON records (from_agency, time) WHERE emergency IS NOT NULL;
CREATE INDEX records_review ON records (kind) WHERE kind = 'emergency-review';
",
        );
    }
    if version >= 3 {
        ddl.push_str(
            "CREATE INDEX records_governance ON records (seq) WHERE kind = 'governance';\n",
        );
    }
    if version >= 5 {
        ddl.push_str(
            "CREATE TABLE agreement_texts (sha256 TEXT PRIMARY KEY, text TEXT NOT NULL, \
             first_active TEXT NOT NULL);\n",
        );
    }
    ddl + &format!("PRAGMA journal_mode = WAL; PRAGMA user_version = {version};")
}

/// The PostgreSQL tables before version 6 (with `format`, as the last of them).
pub fn postgres_ddl() -> String {
    old_records("BIGINT", " UNIQUE", true)
        + "CREATE TABLE record_subjects (subject_hash TEXT NOT NULL, seq BIGINT NOT NULL,
  PRIMARY KEY (subject_hash, seq));
CREATE TABLE audit_head (id INT PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL,
  head TEXT NOT NULL, time TEXT NOT NULL);
CREATE TABLE audit_ready (id INT PRIMARY KEY CHECK (id = 1), at TEXT NOT NULL);
"
}

/// `drafts` chained from seq 1, times a microsecond apart, each with its hash.
pub fn chain(drafts: Vec<RecordDraft>) -> Vec<Record> {
    let mut prev = GENESIS_HASH.to_owned();
    let mut out = Vec::new();
    for (i, draft) in drafts.into_iter().enumerate() {
        let mut r = Record {
            id: uuid::Uuid::now_v7(),
            seq: i as u64 + 1,
            time: format!("2026-11-01T10:00:00.{:06}Z", i + 1),
            draft,
            prev_hash: prev.clone(),
            hash: String::new(),
        };
        r.hash = r.compute_hash().unwrap();
        prev = r.hash.clone();
        out.push(r);
    }
    out
}

fn lit(v: Option<String>) -> String {
    v.map_or("NULL".into(), |s| format!("'{}'", s.replace('\'', "''")))
}

fn json<T: serde::Serialize>(v: &T) -> String {
    lit(Some(serde_json::to_string(v).unwrap()))
}

fn opt_json<T: serde::Serialize>(v: &Option<T>) -> String {
    v.as_ref().map_or("NULL".into(), json)
}

/// The `INSERT`s of `records` in the old column form (`format` when the table has it),
/// with their subject index rows and, for PostgreSQL, the chain head.
pub fn inserts(records: &[Record], format: bool, head: bool) -> String {
    let mut sql = String::new();
    for r in records {
        let d = &r.draft;
        let a = d.agreement.as_ref();
        let e = |v: Option<&str>| lit(v.map(str::to_owned));
        let (fcol, fval) = if format {
            (", format", format!(", {}", d.format.map_or("NULL".into(), |f| f.to_string())))
        } else {
            ("", String::new())
        };
        sql.push_str(&format!(
            "INSERT INTO records (seq, id, time, kind, in_reply_to, direction, from_agency, \
             to_agency, caller_cert_sha256, requester, method, path_template, agreement_id, \
             agreement_version, agreement_sha256, schema_sha256, flow, purpose, lawful_basis, \
             reason, emergency, disclosed, stripped, transformed, payload_sha256, \
             received_sha256, subjects, outcome, upstream_status, refusal, review, governance, \
             actor{fcol}, prev_hash, hash) VALUES ({}, '{}', '{}', '{}', {}, {}, {}, {}, {}, {}, \
             {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, '{}', {}, {}, \
             {}, {}, {}{fval}, '{}', '{}');\n",
            r.seq,
            r.id,
            r.time,
            d.kind.as_str(),
            lit(d.in_reply_to.map(|u| u.to_string())),
            lit(d.direction.map(|x| x.as_str().to_owned())),
            e(d.from.as_deref()),
            e(d.to.as_deref()),
            e(d.caller_cert_sha256.as_deref()),
            e(d.requester.as_deref()),
            e(d.method.as_deref()),
            e(d.path_template.as_deref()),
            e(a.map(|a| a.id.as_str())),
            a.map_or("NULL".into(), |a| a.version.to_string()),
            e(a.map(|a| a.sha256.as_str())),
            json(&d.schema_sha256),
            e(d.flow.as_deref()),
            e(d.purpose.as_deref()),
            opt_json(&d.lawful_basis),
            e(d.reason.as_deref()),
            opt_json(&d.emergency),
            json(&d.disclosed),
            json(&d.stripped),
            json(&d.transformed),
            e(d.payload_sha256.as_deref()),
            e(d.received_sha256.as_deref()),
            json(&d.subjects),
            d.outcome.as_str(),
            d.upstream_status.map_or("NULL".into(), |s| s.to_string()),
            json(&d.refusal),
            opt_json(&d.review),
            opt_json(&d.governance),
            e(d.actor.as_deref()),
            r.prev_hash,
            r.hash,
        ));
        for s in &d.subjects {
            sql.push_str(&format!(
                "INSERT INTO record_subjects (subject_hash, seq) VALUES ('{s}', {});\n",
                r.seq
            ));
        }
    }
    if head {
        let (seq, hash, time) =
            records.last().map_or((0, GENESIS_HASH.to_owned(), String::new()), |r| {
                (r.seq, r.hash.clone(), r.time.clone())
            });
        sql.push_str(&format!(
            "INSERT INTO audit_head (id, seq, head, time) VALUES (1, {seq}, '{hash}', '{time}');\n"
        ));
    }
    sql
}

/// A SQLite store of schema `version` at `path`, holding `records` in the old form.
pub fn sqlite_store(path: &std::path::Path, version: i64, records: &[Record]) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(&sqlite_ddl(version)).unwrap();
    conn.execute_batch(&format!("BEGIN; {} COMMIT;", inserts(records, version >= 4, false)))
        .unwrap();
}

/// The old PostgreSQL tables in the (fresh) database at `url`, holding `records`.
pub async fn postgres_store(url: &str, records: &[Record]) {
    raw_sql(url, &(postgres_ddl() + &inserts(records, true, true))).await;
}

/// The tables of schema version 6 as that release created them (records as canonical
/// bytes; the subject index keyed by the whole hash as text); `int` is the integer type
/// and `without_rowid` ends `record_subjects`.
pub fn v6_ddl(int: &str, without_rowid: &str) -> String {
    format!(
        "CREATE TABLE records (
  seq {int} PRIMARY KEY, id TEXT NOT NULL UNIQUE, time TEXT NOT NULL, kind TEXT NOT NULL,
  outcome TEXT NOT NULL, direction TEXT, in_reply_to TEXT, from_agency TEXT, requester TEXT,
  agreement_id TEXT, flow TEXT, emergency {int}, refusal_code TEXT, action TEXT,
  format {int}, body TEXT NOT NULL, hash TEXT NOT NULL
);
CREATE TABLE record_subjects (subject_hash TEXT NOT NULL, seq {int} NOT NULL,
  PRIMARY KEY (subject_hash, seq)){without_rowid};
CREATE INDEX records_time ON records (time);
CREATE INDEX records_governance ON records (seq) WHERE kind = 'governance';
CREATE TABLE audit_ready (id INT PRIMARY KEY CHECK (id = 1), at TEXT NOT NULL);
CREATE TABLE agreement_texts (sha256 TEXT PRIMARY KEY, text TEXT NOT NULL,
  first_active TEXT NOT NULL);
"
    )
}

/// The `INSERT`s of `records` in the form of schema version 6, with their subject index
/// rows (the whole hash) and, for PostgreSQL, the chain head.
pub fn v6_inserts(records: &[Record], head: bool) -> String {
    let mut sql = String::new();
    for r in records {
        let c = isagate::audit::columns::Columns::from_record(r).unwrap();
        let int = |v: Option<i64>| v.map_or("NULL".into(), |v| v.to_string());
        sql.push_str(&format!(
            "INSERT INTO records (seq, id, time, kind, outcome, direction, in_reply_to, \
             from_agency, requester, agreement_id, flow, emergency, refusal_code, action, \
             format, body, hash) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, \
             {}, {}, {}, {});\n",
            c.seq,
            lit(Some(c.id)),
            lit(Some(c.time)),
            lit(Some(c.kind)),
            lit(Some(c.outcome)),
            lit(c.direction),
            lit(c.in_reply_to),
            lit(c.from_agency),
            lit(c.requester),
            lit(c.agreement_id),
            lit(c.flow),
            int(c.emergency),
            lit(c.refusal_code),
            lit(c.action),
            int(c.format),
            lit(Some(c.body)),
            lit(Some(c.hash)),
        ));
        for s in &r.draft.subjects {
            sql.push_str(&format!(
                "INSERT INTO record_subjects (subject_hash, seq) VALUES ('{s}', {});\n",
                r.seq
            ));
        }
    }
    if head {
        let last = records.last().unwrap();
        sql.push_str(&format!(
            "CREATE TABLE audit_head (id INT PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL,
  head TEXT NOT NULL, time TEXT NOT NULL);
INSERT INTO audit_head (id, seq, head, time) VALUES (1, {}, '{}', '{}');\n",
            last.seq, last.hash, last.time
        ));
    }
    sql
}

/// A SQLite store of schema version 6 at `path`, holding `records`.
pub fn sqlite_v6_store(path: &std::path::Path, records: &[Record]) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(&v6_ddl("INTEGER", " WITHOUT ROWID")).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; PRAGMA user_version = 6; BEGIN; {} COMMIT;",
        v6_inserts(records, false)
    ))
    .unwrap();
}

/// The PostgreSQL tables of schema version 6 in the (fresh) database at `url`.
pub async fn postgres_v6_store(url: &str, records: &[Record]) {
    raw_sql(url, &(v6_ddl("BIGINT", "") + &v6_inserts(records, true))).await;
}
