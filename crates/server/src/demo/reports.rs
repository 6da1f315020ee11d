//! Last summer's July report gone up the tree: the hospital's and the power company's unions
//! submitted theirs (each with a one-page PDF standing for the stamped scan) and 东城区 approved them, marked its other units missing and submitted its own,
//! which waits for the city (`city_admin` approves it and reads the roll-up).

use anyhow::Context;

use super::{app_err, system};
use crate::audit::Client;
use crate::auth::{CurrentUser, Grant, Role};

use crate::ids::{GrantId, OrgId};
use crate::orgs::Org;
use crate::programmes::attachments;
use crate::programmes::submissions::{self, SubmissionInput};
use crate::web::upload::Spooled;

/// The platform acting with `role` at `org` (audited as `system`).
pub(super) fn acting(org: &Org, role: Role) -> CurrentUser {
    let mut me = system();
    me.grants = vec![Grant {
        id: GrantId::SYSTEM,
        role,
        org_id: Some(org.id),
        org_path: Some(org.path.clone()),
        org_name: Some(org.name.clone()),
    }];
    me
}

pub(super) async fn july(
    state: &crate::app::AppState,
    district: &Org,
    units: &[Org],
) -> anyhow::Result<()> {
    let client = Client::default();
    let p = crate::programmes::service::list(state, &system())
        .await
        .map_err(app_err)?
        .into_iter()
        .find(|p| p.year == 2026 && p.season().as_str() == "summer")
        .context("last summer's programme")?;
    let m = crate::programmes::milestones_of(&state.db, std::slice::from_ref(&p))
        .await?
        .into_iter()
        .find(|m| m.kind == "monthly_report" && m.due_date == "2026-07-31")
        .context("July's report")?;
    let send = |narrative: &str| SubmissionInput {
        narrative: narrative.into(),
        submit: true,
        ..Default::default()
    };
    let reviewer = acting(district, Role::FederationAdmin);
    for (unit, words) in [
        (
            &units[0],
            "七月托管班按计划运行，家长反馈良好；已落实每日安全巡查和配餐留样。",
        ),
        (&units[1], "七月托管班运行平稳，八月中旬结束。"),
    ] {
        let me = acting(unit, Role::GrassrootsAdmin);
        let scan = Spooled::from_bytes("七月托管情况报表（盖章）.pdf", &one_page_pdf())?;
        let (h, at) = (axum::http::HeaderMap::new(), (&p.id, &m.id));
        attachments::upload(state, &me, &client, &h, at, Some(unit.id), scan)
            .await
            .map_err(app_err)?;
        let s = submissions::save(state, &me, &client, &p.id, &m.id, &send(words))
            .await
            .map_err(app_err)?;
        submissions::review(state, &reviewer, &client, &s.id, true, "")
            .await
            .map_err(app_err)?;
    }
    let taken: Vec<OrgId> = units[..2].iter().map(|u| u.id).collect();
    for unit in units
        .iter()
        .filter(|u| u.parent_id == Some(district.id) && !taken.contains(&u.id))
    {
        crate::reports::service::mark_missing(
            state,
            &reviewer,
            &client,
            (&p.id, &m.id),
            &unit.id,
            "本月未开班",
        )
        .await
        .map_err(app_err)?;
    }
    let words = "东城区七月共两个托管班运行，其余基层工会本月未开班。";
    submissions::save(state, &reviewer, &client, &p.id, &m.id, &send(words))
        .await
        .map_err(app_err)?;
    Ok(())
}

/// A valid one-page PDF (A4, one line of Latin text: the demo has no CJK font to embed) standing
/// for the stamped scan a unit attaches to its report.
pub(super) fn one_page_pdf() -> Vec<u8> {
    let text = "BT /F1 14 Tf 72 770 Td (July 2026 report - signed and stamped copy) Tj ET";
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_string(),
        format!("<< /Length {} >>\nstream\n{text}\nendstream", text.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend(format!("{} 0 obj\n{o}\nendobj\n", i + 1).bytes());
    }
    let xref = pdf.len();
    pdf.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).bytes());
    for at in offsets {
        pdf.extend(format!("{at:010} 00000 n \n").bytes());
    }
    let trailer = format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    );
    pdf.extend(trailer.bytes());
    pdf
}
