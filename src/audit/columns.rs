//! A record as the stores keep it (schema version 6 and later, `docs/decisions/0004-record-store.md`):
//! its canonical bytes (`body`, exactly what was hashed), its `hash`, and only the columns
//! that queries filter on. Both stores use the one column list below; the query columns
//! derive from the draft by [`Columns::from_draft`] alone, and every reader turns a row
//! into a record by decoding `body` ([`Columns::into_record`]), so `get`, `subject`,
//! `report`, `export` and `verify` all see what was hashed. This module does no I/O.

use serde::Deserialize;

use super::record::{Record, RecordDraft};

/// The `records` table, its subject index table and its indexes, as both stores create
/// them (all `IF NOT EXISTS`): `int` is the store's 64-bit integer type and `subjects`
/// ends the `record_subjects` table (` WITHOUT ROWID` on SQLite).
pub(crate) fn records_schema(int: &str, subjects: &str) -> String {
    format!("{}{}{RECORDS_INDEXES}", records_table("records", int), subjects_table(int, subjects))
}

/// The subject index of schema version 7 (see [`super::subject_index`]): the first 8
/// bytes of each keyed subject hash as an integer, with the seq of a record naming it.
pub(crate) fn subjects_table(int: &str, subjects: &str) -> String {
    format!(
        "
CREATE TABLE IF NOT EXISTS record_subjects (
  subject_key {int} NOT NULL,
  seq {int} NOT NULL,
  PRIMARY KEY (subject_key, seq)
){subjects};
"
    )
}

/// The `records` table of schema version 6 under the name `table` (the migration builds
/// it beside the old one, then renames it).
pub(crate) fn records_table(table: &str, int: &str) -> String {
    format!(
        "
CREATE TABLE IF NOT EXISTS {table} (
  seq {int} PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  time TEXT NOT NULL,
  kind TEXT NOT NULL,
  outcome TEXT NOT NULL, direction TEXT, in_reply_to TEXT, from_agency TEXT, requester TEXT,
  agreement_id TEXT, flow TEXT, emergency {int}, refusal_code TEXT, action TEXT,
  format {int},
  body TEXT NOT NULL,
  hash TEXT NOT NULL
);"
    )
}

/// The indexes on `records` (both stores): each partial, or ordered by `seq` or `time`
/// within its key, so a new record's entry goes at the end of its range. `records_action`:
/// governance records by action; `records_agreement`: an agreement's last transfer;
/// `records_flow`: one flow's records in a time range (the diff's replay);
/// `records_refusal`: refusals by code in a time range (covering).
pub(crate) const RECORDS_INDEXES: &str = "
CREATE INDEX IF NOT EXISTS records_time ON records (time);
CREATE INDEX IF NOT EXISTS records_in_reply_to ON records (in_reply_to) WHERE in_reply_to IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_emergency ON records (from_agency, time) WHERE emergency IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_review ON records (kind) WHERE kind = 'emergency-review';
CREATE INDEX IF NOT EXISTS records_governance ON records (seq) WHERE kind = 'governance';
CREATE INDEX IF NOT EXISTS records_anchor ON records (seq) WHERE kind = 'anchor';
CREATE INDEX IF NOT EXISTS records_action ON records (action, seq) WHERE kind = 'governance';
CREATE INDEX IF NOT EXISTS records_agreement ON records (agreement_id, seq) WHERE kind = 'disclosure';
CREATE INDEX IF NOT EXISTS records_flow ON records (flow, time) WHERE flow IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_refusal ON records (time, refusal_code) WHERE refusal_code IS NOT NULL;
";

/// The one list of the `records` table's columns, in table order, each with how it is
/// stored (`text`, `opt_text` that may be NULL, `int` or `opt_int`) and its Rust type
/// (`T` is the text type). `record_columns!(m!(args))` expands to
/// `m!((args) name: kind(type), ...)`; the row type, its readers and the stores'
/// insert parameters are all generated from this list, so a column is named once.
macro_rules! record_columns {
    ($($m:ident)::+!($($args:tt)*)) => {
        $($m)::+! { ($($args)*)
            seq: int(i64), id: text(T), time: text(T), kind: text(T),
            outcome: text(T), direction: opt_text(Option<T>), in_reply_to: opt_text(Option<T>),
            from_agency: opt_text(Option<T>), requester: opt_text(Option<T>),
            agreement_id: opt_text(Option<T>), flow: opt_text(Option<T>),
            emergency: opt_int(Option<i64>), refusal_code: opt_text(Option<T>),
            action: opt_text(Option<T>), format: opt_int(Option<i64>),
            body: text(T), hash: text(T)
        }
    };
}

/// A row type of a column list, for both stores' lists (this one and the legacy one):
/// `list!(declare_row!(#[attrs] Row, NAMES))` declares `NAMES` (the columns, in the order
/// every `SELECT` names them), the struct `Row<T = String>` with one field a column, and
/// its `read`, each column by position, in table order, through a [`ColumnSource`] (both
/// stores' rows, and borrowed rows).
macro_rules! declare_row {
    (($(#[$attr:meta])* $row:ident, $names:ident)
        $first:ident: $first_kind:ident($first_ty:ty) $(, $name:ident: $kind:ident($ty:ty))*) => {
        /// The columns of the `records` table, in the order every `SELECT` names them.
        pub const $names: &str = concat!(stringify!($first) $(, ", ", stringify!($name))*);

        $(#[$attr])*
        pub struct $row<T = String> {
            pub $first: $first_ty,
            $(pub $name: $ty,)*
        }

        impl<T> $row<T> {
            /// Read a row column by column, in table order.
            pub(crate) fn read<S: crate::audit::columns::ColumnSource<Text = T>>(
                src: &S,
            ) -> Result<Self, S::Error> {
                let mut at = 0usize;
                let mut next = || {
                    at += 1;
                    at - 1
                };
                Ok(Self { $first: src.$first_kind(next())?, $($name: src.$kind(next())?,)* })
            }
        }
    };
}

/// What only the current row type has: its column count, the first column that differs
/// (`verify`) and its borrowed form.
macro_rules! impl_columns {
    (() $($name:ident: $kind:ident($ty:ty)),*) => {
        /// How many columns [`COLUMNS`] names.
        pub const COLUMN_COUNT: usize = [$(stringify!($name)),*].len();

        impl<T> Columns<T> {
            /// The first column (in table order) whose value differs from `other`'s.
            pub(crate) fn first_difference(&self, other: &Self) -> Option<&'static str>
            where
                T: PartialEq,
            {
                $(if self.$name != other.$name {
                    return Some(stringify!($name));
                })*
                None
            }
        }

        impl Columns {
            /// The same row, borrowed, text as bytes (`verify`'s fast path reads rows so).
            pub(crate) fn borrowed(&self) -> Columns<&[u8]> {
                Columns { $($name: self.$name.column_ref(),)* }
            }
        }
    };
}

record_columns!(declare_row!(
    /// One stored row. `T` is the text type: `String` when the row is owned, `&str`
    /// when it is borrowed from the database's buffers (`verify`'s fast path).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    Columns, COLUMNS
));
record_columns!(impl_columns!());

/// Every column of `$c` (a [`Columns`]) as `&$t`, in table order: a store's insert
/// parameters, e.g. `column_params!(c, dyn rusqlite::ToSql)`.
macro_rules! column_params {
    ($c:expr, $t:ty) => {
        crate::audit::columns::record_columns!(crate::audit::columns::column_refs!($c, $t))
    };
}

macro_rules! column_refs {
    (($c:expr, $t:ty) $($name:ident: $kind:ident($ty:ty)),*) => {
        [$(&$c.$name as &$t),*]
    };
}

pub(crate) use {column_params, column_refs, declare_row, record_columns};

/// A row of one store, read by column position. Each method reads one column of that
/// kind; a store returns its own error, the fast path `()` for "not in the form I read".
pub(crate) trait ColumnSource {
    type Text;
    type Error;
    fn text(&self, i: usize) -> Result<Self::Text, Self::Error>;
    fn opt_text(&self, i: usize) -> Result<Option<Self::Text>, Self::Error>;
    fn int(&self, i: usize) -> Result<i64, Self::Error>;
    fn opt_int(&self, i: usize) -> Result<Option<i64>, Self::Error>;
}

/// An owned column value as its borrowed form (`String` as its bytes).
pub(crate) trait ColumnRef<'a> {
    type Ref;
    fn column_ref(&'a self) -> Self::Ref;
}

impl<'a> ColumnRef<'a> for String {
    type Ref = &'a [u8];
    fn column_ref(&'a self) -> &'a [u8] {
        self.as_bytes()
    }
}

impl<'a> ColumnRef<'a> for Option<String> {
    type Ref = Option<&'a [u8]>;
    fn column_ref(&'a self) -> Option<&'a [u8]> {
        self.as_deref().map(str::as_bytes)
    }
}

impl<'a> ColumnRef<'a> for i64 {
    type Ref = i64;
    fn column_ref(&'a self) -> i64 {
        *self
    }
}

impl<'a> ColumnRef<'a> for Option<i64> {
    type Ref = Option<i64>;
    fn column_ref(&'a self) -> Option<i64> {
        *self
    }
}

/// A row that does not decode into a record (someone edited it by hand).
#[derive(Debug, Clone, thiserror::Error)]
#[error("column `{column}` does not decode: {detail}")]
pub struct DecodeError {
    pub column: &'static str,
    pub detail: String,
}

/// The members of the canonical bytes: a record without `hash`.
#[derive(Deserialize)]
struct Body {
    id: uuid::Uuid,
    seq: u64,
    time: String,
    #[serde(flatten)]
    draft: RecordDraft,
    prev_hash: String,
}

impl Columns {
    /// The columns of a draft: every query column, with `seq`, `id`, `time`, `body` and
    /// `hash` left empty (the store's writer fills them in when it chains the record).
    /// The one place a query column is derived from a record.
    pub fn from_draft(d: &RecordDraft) -> Self {
        let action = d
            .governance
            .as_ref()
            .and_then(|g| g.get("action"))
            .and_then(|a| a.as_str())
            .map(str::to_owned);
        Self {
            seq: 0,
            id: String::new(),
            time: String::new(),
            kind: d.kind.as_str().to_owned(),
            outcome: d.outcome.as_str().to_owned(),
            direction: d.direction.map(|x| x.as_str().to_owned()),
            in_reply_to: d.in_reply_to.map(|u| u.to_string()),
            from_agency: d.from.clone(),
            requester: d.requester.clone(),
            agreement_id: d.agreement.as_ref().map(|a| a.id.clone()),
            flow: d.flow.clone(),
            emergency: d.emergency.as_ref().map(|_| 1),
            refusal_code: d.refusal.first().map(|r| r.code.as_str().to_owned()),
            action,
            format: d.format.map(i64::from),
            body: String::new(),
            hash: String::new(),
        }
    }

    /// The row of a whole record: its columns and its canonical bytes.
    pub fn from_record(r: &Record) -> Result<Self, super::canonical::CanonicalError> {
        let bytes = super::canonical::record_bytes(r)?;
        let mut c = Self::from_draft(&r.draft);
        c.seq = i64::try_from(r.seq).unwrap_or(i64::MAX);
        c.id = r.id.to_string();
        c.time.clone_from(&r.time);
        c.body = String::from_utf8(bytes)
            .map_err(|e| super::canonical::CanonicalError::Json(e.to_string()))?;
        c.hash.clone_from(&r.hash);
        Ok(c)
    }

    /// The record the row holds: its bytes decoded, with the `hash` column.
    pub fn into_record(self) -> Result<Record, DecodeError> {
        let body: Body = serde_json::from_str(&self.body)
            .map_err(|e| DecodeError { column: "body", detail: e.to_string() })?;
        Ok(Record {
            id: body.id,
            seq: body.seq,
            time: body.time,
            draft: body.draft,
            prev_hash: body.prev_hash,
            hash: self.hash,
        })
    }
}

/// A stored row and the record it decodes to (or why it does not).
#[derive(Debug, Clone)]
pub struct Row {
    pub seq: i64,
    pub id: String,
    pub record: Result<Record, DecodeError>,
}

impl From<Columns> for Row {
    fn from(c: Columns) -> Self {
        Row { seq: c.seq, id: c.id.clone(), record: c.into_record() }
    }
}

#[cfg(test)]
pub(super) mod tests;
