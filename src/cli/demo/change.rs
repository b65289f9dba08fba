//! The tour's last step: a proposed change to the sample agreements, diffed against the
//! live set and replayed on the transfers the tour just made (`agreements diff` with its
//! impact, in process). The change is made to a copy: the live set is never touched.

use serde_json::json;

use crate::agreements::diff::render::{render_human, DiffReport};
use crate::agreements::diff::{diff, impact, Window};
use crate::audit::Store;
use crate::policy::{Policy, PolicyCell};

/// Print what a change would do: research extracts carrying postcode sectors instead of
/// districts, and referrals no longer allowed for safeguarding.
pub async fn show(policy: &PolicyCell, store: &Store) -> anyhow::Result<()> {
    let live = policy.current();
    let mut set = live.set.clone();
    if let Some(schema) = set.schemas.get_mut("research-extract.v1.json") {
        if let Some(postcode) = schema.json.pointer_mut("/$defs/case/properties/postcode") {
            postcode["x-isagate-transform"] = json!("postcode-sector");
        }
        // As if the file had been edited: a new hash, so the replay sees a changed schema.
        schema.sha256 = crate::digest::sha256_hex(schema.json.to_string().as_bytes());
    }
    for a in &mut set.agreements {
        for flow in a.agreement.flows.iter_mut().filter(|f| f.id == "referral") {
            flow.purposes.retain(|p| p != "safeguarding");
        }
    }
    let changed = Policy::build(set)?;
    let found = diff(&live, &changed);
    let window = Window { until: jiff::Timestamp::now(), days: 1, agencies: Vec::new() };
    let impact = impact(store, &changed, &found, &window).await?;
    println!("== a proposed change, as `isagate agreements diff OLD NEW --store ...` shows it:");
    println!("   (research extracts get postcode sectors; referrals no longer for safeguarding)");
    let report = DiffReport { diff: found, impact: Some(impact) };
    println!("{}", super::indent(&render_human(&report)));
    Ok(())
}
