//! The SQLite store's schema versions and the migration to the newest at open.
//!
//! 1: the first schema, with `UNIQUE(prev_hash)`. 2: without it. 3: `records_governance`.
//! 4: the `format` column. 5: `agreement_texts`. 6: a record is its canonical bytes
//! (`body`) beside its `hash` and the query columns (`docs/decisions/0004-record-store.md`).
//! 7: the compact subject index and its watermark (`docs/decisions/0005-subject-index.md`).
//! A store of version 1 to 5 is converted in one `BEGIN IMMEDIATE` transaction: every
//! old row decoded by [`legacy`], re-encoded, and written with the hash it carried into
//! a new table that then takes the old one's name. From any version before 7 the old
//! subject index is dropped and the new one starts empty with its watermark at 0: the
//! writer's start-up catch-up (`subjects`) fills it from the records' bytes. Read-only,
//! the conversion goes into a temporary table of the reading connection, beside an empty
//! temporary subject index (so subject access scans every record), and nothing is
//! written to the store.

use rusqlite::{Connection, TransactionBehavior};

use super::{open_err, schema};
use crate::audit::columns::{self, column_params, Columns, RECORDS_INDEXES};
use crate::audit::legacy::{self, LegacyColumns, LEGACY_COLUMNS};
use crate::audit::store::StoreError;

/// See the module's documentation.
pub(super) const SCHEMA_VERSION: i64 = 7;

/// An empty subject index of the new form and no watermark, for this connection only
/// (a read-only open of a store before version 7): subject access scans every record.
const TEMP_SUBJECT_INDEX: &str = "
CREATE TEMP TABLE record_subjects (subject_key INTEGER NOT NULL, seq INTEGER NOT NULL);
CREATE TEMP TABLE audit_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
";

/// Bring the store to [`SCHEMA_VERSION`]; `true` when an older store opened read-only was
/// converted into this connection's temporary table.
pub(super) fn migrate(conn: &mut Connection, read_only: bool) -> Result<bool, StoreError> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(open_err)?;
    if version >= SCHEMA_VERSION || (version == 0 && read_only) {
        return Ok(false);
    }
    if read_only && version >= 6 {
        conn.execute_batch(TEMP_SUBJECT_INDEX).map_err(open_err)?;
        return Ok(false);
    }
    if read_only {
        conn.execute_batch(TEMP_SUBJECT_INDEX).map_err(open_err)?;
        let source = if has_format_column(conn)? {
            "main.records"
        } else {
            conn.execute_batch(
                "CREATE TEMP VIEW records_legacy AS SELECT *, NULL AS format FROM main.records",
            )
            .map_err(open_err)?;
            "temp.records_legacy"
        };
        conn.execute_batch(&columns::records_table("temp.records", "INTEGER")).map_err(open_err)?;
        convert(conn, source, "temp.records")?;
        return Ok(true);
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(open_err)?;
    if (1..6).contains(&version) {
        if !has_format_column(&tx)? {
            tx.execute_batch("ALTER TABLE records ADD COLUMN format INTEGER").map_err(open_err)?;
        }
        tx.execute_batch(&columns::records_table("records_v6", "INTEGER")).map_err(open_err)?;
        convert(&tx, "records", "records_v6")?;
        tx.execute_batch("DROP TABLE records; ALTER TABLE records_v6 RENAME TO records;")
            .map_err(open_err)?;
        tx.execute_batch(RECORDS_INDEXES).map_err(open_err)?;
    }
    if version >= 1 {
        tx.execute_batch("DROP TABLE IF EXISTS record_subjects;").map_err(open_err)?;
    }
    tx.execute_batch(&schema()).map_err(open_err)?;
    tx.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}")).map_err(open_err)?;
    tx.commit().map_err(open_err)?;
    Ok(false)
}

fn has_format_column(conn: &Connection) -> Result<bool, StoreError> {
    conn.query_row(
        "SELECT count(*) FROM pragma_table_info('records') WHERE name = 'format'",
        [],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
    .map_err(open_err)
}

/// Every row of `from` (old columns) into `to` (schema version 6), in seq order.
fn convert(conn: &Connection, from: &str, to: &str) -> Result<(), StoreError> {
    let marks: Vec<String> = (1..=columns::COLUMN_COUNT).map(|i| format!("?{i}")).collect();
    let insert = format!("INSERT INTO {to} ({}) VALUES ({})", columns::COLUMNS, marks.join(", "));
    let mut insert = conn.prepare(&insert).map_err(open_err)?;
    let mut select = conn
        .prepare(&format!("SELECT {LEGACY_COLUMNS} FROM {from} ORDER BY seq"))
        .map_err(open_err)?;
    let mut rows = select.query([]).map_err(open_err)?;
    while let Some(row) = rows.next().map_err(open_err)? {
        let old = LegacyColumns::read(row).map_err(open_err)?;
        let c: Columns = legacy::convert(old);
        let p = column_params!(c, dyn rusqlite::ToSql);
        insert.execute(&p[..]).map_err(open_err)?;
    }
    Ok(())
}
