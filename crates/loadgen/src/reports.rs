//! The national dataset's reports (issue 15): the programme's milestones and the grassroots
//! units' submissions against them, so that the federations' homes have reports overdue to count.

use tuoguan::db::Tx;

use crate::bulk::{Insert, L};

/// The programme's milestones (seed 003's timeline for a summer: work plan, preparation, month
/// reports, summary, model application, all past by the autumn) and each grassroots unit's reports:
/// fewer units done the later the milestone, a few returned, so that every federation's home has
/// reports overdue to count. Returns how many submissions were written, and the July report's
/// milestone (the one the read benchmark compiles).
pub async fn write(
    tx: &mut Tx,
    units: &[String],
    programme_id: &str,
    now: i64,
) -> anyhow::Result<(usize, String)> {
    use tuoguan_domain::programme::{Season, default_milestones};
    let mut milestones = Insert::new(
        "milestones",
        &["id", "programme_id", "kind", "due_date", "created_at"],
    );
    let mut ids = Vec::new();
    let mut july = String::new();
    for (kind, due) in default_milestones(Season::Summer, 2026) {
        let id = tuoguan::new_id();
        if kind.as_str() == "monthly_report" && due.to_string() == "2026-07-31" {
            july = id.clone();
        }
        milestones.row(&[
            L::T(&id),
            L::T(programme_id),
            L::T(kind.as_str()),
            L::T(&due.to_string()),
            L::I(now),
        ]);
        ids.push(id);
    }
    milestones.run(tx).await?;
    let mut subs = Insert::new(
        "submissions",
        &[
            "id",
            "milestone_id",
            "org_id",
            "version",
            "status",
            "narrative",
            "submitted_at",
            "decided_at",
            "created_at",
            "updated_at",
        ],
    );
    let mut n = 0;
    for (i, unit) in units.iter().enumerate() {
        for (k, milestone) in ids.iter().enumerate() {
            // The k-th milestone is left undone by k units in ten (the last two by all); one unit
            // in twenty has its report returned.
            let status = match (k, i % 20) {
                (6.., _) => continue,
                (_, r) if r < k * 2 => continue,
                (_, 19) => "returned",
                (0 | 1, _) => "approved",
                _ => "submitted",
            };
            let decided = if status == "submitted" {
                L::N
            } else {
                L::I(now)
            };
            subs.row(&[
                L::T(&tuoguan::new_id()),
                L::T(milestone),
                L::T(unit),
                L::I(1),
                L::T(status),
                L::T("按计划推进。"),
                L::I(now),
                decided,
                L::I(now),
                L::I(now),
            ]);
            n += 1;
        }
    }
    subs.run(tx).await?;
    Ok((n, july))
}
