//! The results of a programme's questionnaires as an official hands them on: an .xlsx with the
//! classes, the host units and the comments, the rate written as the page shows it.

use axum::extract::State;
use axum::response::Response;

use super::pages::rate;
use super::rating_str;
use super::results::{self, Results};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::ids::{IdPath, ProgrammeId};
use crate::programmes::service as programmes;
use crate::web::Ctx;

/// The results as an official hands them on: by class, by host unit, the comments.
pub(super) async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<ProgrammeId>,
) -> Result<Response, AppError> {
    use crate::web::excel::{Cell, Sheet, download, workbook};
    let p = programmes::visible(&state, &user, &id).await?;
    let r = results::of_programme(&state, &user, &p).await?;
    let t = |k: &str| ctx.t(k);
    let n = |v: u32| Cell::Int(i64::from(v));
    let subtitle = Some(lang_rule(&ctx, &r));
    let classes = Sheet {
        name: t("questionnaire.by_class"),
        title: format!("{} {}", p.name, t("questionnaire.results")),
        subtitle: subtitle.clone(),
        headers: [
            "questionnaire.class",
            "questionnaire.unit",
            "questionnaire.enrolled",
            "questionnaire.responses_n",
            "questionnaire.satisfied_n",
            "questionnaire.rate",
            "questionnaire.host_rating",
        ]
        .map(t)
        .to_vec(),
        rows: r
            .classes
            .iter()
            .map(|c| {
                vec![
                    Cell::Text(c.class_name.clone()),
                    Cell::Text(c.host_name.clone()),
                    Cell::Int(c.enrolled),
                    n(c.guardian.responses),
                    n(c.guardian.satisfied),
                    Cell::Text(rate(&ctx, &c.guardian)),
                    Cell::Text(c.host.map_or_else(
                        || t("questionnaire.not_answered"),
                        |h| t(&format!("rating.{}", rating_str(h))),
                    )),
                ]
            })
            .collect(),
        totals: Some(vec![
            Cell::Text(t("questionnaire.total")),
            Cell::Empty,
            Cell::Int(r.classes.iter().map(|c| c.enrolled).sum()),
            n(r.total.responses),
            n(r.total.satisfied),
            Cell::Text(rate(&ctx, &r.total)),
        ]),
        footer: Vec::new(),
    };
    let units = Sheet {
        name: t("questionnaire.by_unit"),
        title: format!("{} {}", p.name, t("questionnaire.by_unit")),
        subtitle: subtitle.clone(),
        headers: [
            "questionnaire.unit",
            "questionnaire.classes",
            "questionnaire.enrolled",
            "questionnaire.responses_n",
            "questionnaire.satisfied_n",
            "questionnaire.rate",
        ]
        .map(t)
        .to_vec(),
        rows: r
            .units
            .iter()
            .map(|u| {
                vec![
                    Cell::Text(u.name.clone()),
                    Cell::Int(u.classes),
                    Cell::Int(u.enrolled),
                    n(u.guardian.responses),
                    n(u.guardian.satisfied),
                    Cell::Text(rate(&ctx, &u.guardian)),
                ]
            })
            .collect(),
        ..Default::default()
    };
    let comments = Sheet {
        name: t("questionnaire.comments"),
        title: format!("{} {}", p.name, t("questionnaire.comments")),
        subtitle: None,
        headers: [
            "questionnaire.class",
            "questionnaire.form",
            "questionnaire.comments",
        ]
        .map(t)
        .to_vec(),
        rows: r
            .comments
            .iter()
            .map(|c| {
                vec![
                    Cell::Text(c.class_name.clone()),
                    Cell::Text(t(&format!(
                        "questionnaire.audience_{}",
                        c.audience.as_str()
                    ))),
                    Cell::Text(c.comment.clone()),
                ]
            })
            .collect(),
        ..Default::default()
    };
    let book = workbook(&[classes, units, comments])?;
    let name = format!("{} {}.xlsx", p.name, t("questionnaire.results"));
    Ok(download(book, &name)?)
}

fn lang_rule(ctx: &Ctx, r: &Results) -> String {
    let args = [
        ("min", r.min_responses.to_string()),
        ("pct", r.min_satisfaction_pct.to_string()),
    ];
    ctx.lang.tf("questionnaire.rule", &args)
}
