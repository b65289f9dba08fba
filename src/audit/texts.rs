//! The text of every agreement, emergency policy and schema that was ever active, by its
//! SHA-256 (the hash records already name), so that a review, a subject access answer
//! or a replay can show what a past disclosure was made under. One table on both
//! backends, written with `ON CONFLICT DO NOTHING`: a text is kept once, when it first
//! goes live, and never changed or removed (archiving records leaves it).

use super::store::{Param, Store, StoreError};

/// The table, in the SQL both backends accept (`IF NOT EXISTS`: part of every migration).
pub(crate) const TEXTS_TABLE: &str = "CREATE TABLE IF NOT EXISTS agreement_texts (
  sha256 TEXT PRIMARY KEY,
  text TEXT NOT NULL,
  first_active TEXT NOT NULL
);
";

impl Store {
    /// Keep each `(sha256, text)` not kept yet; `time` is when it first went live.
    pub async fn keep_texts(
        &self,
        texts: &[(String, String)],
        time: &str,
    ) -> Result<(), StoreError> {
        for (sha256, text) in texts {
            self.backend
                .execute(
                    "INSERT INTO agreement_texts (sha256, text, first_active) VALUES ($1, $2, $3) \
                     ON CONFLICT (sha256) DO NOTHING",
                    vec![
                        Param::Text(sha256.clone()),
                        Param::Text(text.clone()),
                        Param::Text(time.to_owned()),
                    ],
                )
                .await?;
        }
        Ok(())
    }

    /// The kept text with this SHA-256, if any.
    pub async fn text_of(&self, sha256: &str) -> Result<Option<String>, StoreError> {
        let rows = self
            .backend
            .texts(
                "SELECT text FROM agreement_texts WHERE sha256 = $1",
                vec![Param::Text(sha256.to_owned())],
            )
            .await?;
        Ok(rows.into_iter().next())
    }
}
