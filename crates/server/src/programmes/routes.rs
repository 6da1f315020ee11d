//! HTML pages of programmes: list, opening form, programme page, milestone matrix, a unit's
//! submission form and the reviewer's page.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{
    Form, Router,
    routing::{get, post},
};
use serde::Deserialize;
use tuoguan_domain::programme::{MilestoneKind, ProgrammeRules, Season, Targets};

use super::{CopyProgramme, Milestone, NewProgramme, Programme, service, store};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::{Capability, CurrentUser};
use crate::classes::{Listed, service as classes};
use crate::error::{AppError, FieldError, Query};
use crate::ids::{IdPath, ProgrammeId};
use crate::web::{Ctx, field_error, render, render_status};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/programmes", get(list))
        .route("/programmes/new", get(new_form).post(create))
        .route("/programmes/{id}", get(show))
        .route("/programmes/{id}/copy", post(copy))
}

#[derive(Template)]
#[template(path = "programmes/list.html")]
struct ListPage {
    ctx: Ctx,
    programmes: Vec<Programme>,
    can_open: bool,
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let programmes = service::list(&state, &user).await?;
    render(&ListPage {
        ctx,
        programmes,
        can_open: user.scope(Capability::OpenProgrammes).is_some(),
    })
}

/// The opening form: flat fields; rules start from a preset and any field may be changed.
#[derive(Debug, Clone, Deserialize)]
struct ProgrammeForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    season: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    start_date: String,
    #[serde(default)]
    end_date: String,
    #[serde(default)]
    theme: String,
    #[serde(default)]
    target_units: String,
    #[serde(default)]
    target_families: String,
    #[serde(default)]
    target_model_classes: String,
    #[serde(default)]
    min_class_size: String,
    #[serde(default)]
    min_operating_days: String,
    #[serde(default)]
    min_attendance_pct: String,
    #[serde(default)]
    min_satisfaction_pct: String,
    #[serde(default)]
    kindergarten_max_pct: String,
    #[serde(default)]
    min_grade: String,
    #[serde(default)]
    max_grade: String,
    #[serde(default)]
    bar_below_attendance_pct: String,
    #[serde(default)]
    max_children_per_staff: String,
    #[serde(default)]
    retention_days: String,
    #[serde(default)]
    inspection_coverage_pct: String,
    #[serde(default)]
    min_satisfaction_responses: String,
    #[serde(default)]
    model_requires_no_incident: Option<String>,
    #[serde(default)]
    union_funds_may_pay_insurance: Option<String>,
    #[serde(default)]
    reminder_days: String,
    /// Due dates that replace the plan's defaults (empty keeps the default).
    #[serde(default)]
    due_work_plan: String,
    #[serde(default)]
    due_preparation: String,
    #[serde(default)]
    due_summary: String,
    #[serde(default)]
    due_model_application: String,
}

impl ProgrammeForm {
    fn from_rules(r: &ProgrammeRules, t: Targets, year: i32) -> ProgrammeForm {
        let on = |b: bool| b.then(|| "on".to_string());
        ProgrammeForm {
            name: String::new(),
            season: "summer".into(),
            year: year.to_string(),
            start_date: format!("{year}-07-01"),
            end_date: format!("{year}-08-31"),
            theme: String::new(),
            target_units: t.units.to_string(),
            target_families: t.families.to_string(),
            target_model_classes: t.model_classes.to_string(),
            min_class_size: r.min_class_size.to_string(),
            min_operating_days: r.min_operating_days.to_string(),
            min_attendance_pct: r.min_attendance_pct.to_string(),
            min_satisfaction_pct: r.min_satisfaction_pct.to_string(),
            kindergarten_max_pct: r.kindergarten_max_pct.to_string(),
            min_grade: r.min_grade.to_string(),
            max_grade: r.max_grade.to_string(),
            bar_below_attendance_pct: r
                .bar_below_attendance_pct
                .map(|v| v.to_string())
                .unwrap_or_default(),
            max_children_per_staff: r
                .max_children_per_staff
                .map(|v| v.to_string())
                .unwrap_or_default(),
            retention_days: r.retention_days.to_string(),
            inspection_coverage_pct: r.inspection_coverage_pct.to_string(),
            min_satisfaction_responses: r.min_satisfaction_responses.to_string(),
            model_requires_no_incident: on(r.model_requires_no_incident),
            union_funds_may_pay_insurance: on(r.union_funds_may_pay_insurance),
            reminder_days: "7".into(),
            due_work_plan: String::new(),
            due_preparation: String::new(),
            due_summary: String::new(),
            due_model_application: String::new(),
        }
    }

    /// The form as input; a number that does not parse is named.
    fn input(&self) -> Result<NewProgramme, AppError> {
        let mut errors = Vec::new();
        let mut num = |v: &str, field: &'static str| -> u32 {
            v.trim().parse::<u32>().unwrap_or_else(|_| {
                errors.push(FieldError::new(field, "class.number_invalid"));
                0
            })
        };
        let year = num(&self.year, "year");
        let targets = Targets {
            units: num(&self.target_units, "target_units"),
            families: num(&self.target_families, "target_families"),
            model_classes: num(&self.target_model_classes, "target_model_classes"),
        };
        let min_grade = num(&self.min_grade, "min_grade");
        let max_grade = num(&self.max_grade, "max_grade");
        let rules = ProgrammeRules {
            min_grade: u8::try_from(min_grade).unwrap_or(0),
            max_grade: u8::try_from(max_grade).unwrap_or(0),
            kindergarten_max_pct: num(&self.kindergarten_max_pct, "kindergarten_max_pct"),
            min_class_size: num(&self.min_class_size, "min_class_size"),
            min_operating_days: num(&self.min_operating_days, "min_operating_days"),
            min_attendance_pct: num(&self.min_attendance_pct, "min_attendance_pct"),
            min_satisfaction_pct: num(&self.min_satisfaction_pct, "min_satisfaction_pct"),
            model_requires_no_incident: self.model_requires_no_incident.is_some(),
            union_funds_may_pay_insurance: self.union_funds_may_pay_insurance.is_some(),
            bar_below_attendance_pct: (!self.bar_below_attendance_pct.trim().is_empty())
                .then(|| num(&self.bar_below_attendance_pct, "bar_below_attendance_pct")),
            max_children_per_staff: (!self.max_children_per_staff.trim().is_empty())
                .then(|| num(&self.max_children_per_staff, "max_children_per_staff")),
            // A form without the field (older bookmarks, scripts) keeps the default.
            retention_days: if self.retention_days.trim().is_empty() {
                ProgrammeRules::seed_003().retention_days
            } else {
                num(&self.retention_days, "retention_days")
            },
            inspection_coverage_pct: if self.inspection_coverage_pct.trim().is_empty() {
                ProgrammeRules::seed_003().inspection_coverage_pct
            } else {
                num(&self.inspection_coverage_pct, "inspection_coverage_pct")
            },
            min_satisfaction_responses: if self.min_satisfaction_responses.trim().is_empty() {
                ProgrammeRules::seed_003().min_satisfaction_responses
            } else {
                num(
                    &self.min_satisfaction_responses,
                    "min_satisfaction_responses",
                )
            },
        };
        let reminder_days = num(&self.reminder_days, "reminder_days");
        let milestones = self.milestones(year, &mut errors);
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        Ok(NewProgramme {
            org_id: None,
            name: Some(self.name.clone()),
            season: self.season.clone(),
            year: year.into(),
            start_date: self.start_date.clone(),
            end_date: self.end_date.clone(),
            targets: Some(targets),
            preset: None,
            rules: Some(rules),
            reminder_days: Some(reminder_days.into()),
            theme: Some(self.theme.clone()),
            milestones,
        })
    }

    /// The season's default milestones with any dates the official typed instead; None when none was.
    fn milestones(
        &self,
        year: u32,
        errors: &mut Vec<FieldError>,
    ) -> Option<Vec<super::MilestoneInput>> {
        let given = [
            (
                MilestoneKind::WorkPlan,
                &self.due_work_plan,
                "due_work_plan",
            ),
            (
                MilestoneKind::Preparation,
                &self.due_preparation,
                "due_preparation",
            ),
            (MilestoneKind::Summary, &self.due_summary, "due_summary"),
            (
                MilestoneKind::ModelApplication,
                &self.due_model_application,
                "due_model_application",
            ),
        ];
        if given.iter().all(|(_, v, _)| v.trim().is_empty()) {
            return None;
        }
        let season = Season::parse(&self.season)?;
        let mut list = tuoguan_domain::programme::default_milestones(season, year as i32);
        for (kind, value, field) in given {
            let v = value.trim();
            if v.is_empty() {
                continue;
            }
            match chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d") {
                Ok(d) => list
                    .iter_mut()
                    .filter(|(k, _)| *k == kind)
                    .for_each(|m| m.1 = d),
                Err(_) => errors.push(FieldError::new(field, "calendar.date_invalid")),
            }
        }
        Some(
            list.into_iter()
                .map(|(k, d)| super::MilestoneInput {
                    kind: k.as_str().into(),
                    due_date: d.to_string(),
                })
                .collect(),
        )
    }
}

#[derive(Template)]
#[template(path = "programmes/new.html")]
struct NewPage {
    ctx: Ctx,
    form: ProgrammeForm,
    preset: String,
    errors: Vec<FieldError>,
}

impl NewPage {
    fn err(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field, self.ctx.lang)
    }
    fn presets(&self) -> Vec<(String, String)> {
        ProgrammeRules::PRESETS
            .iter()
            .map(|p| (p.to_string(), self.ctx.t(&format!("preset.{p}"))))
            .collect()
    }
    fn seasons(&self) -> Vec<(String, String)> {
        Season::ALL
            .iter()
            .map(|s| {
                (
                    s.as_str().to_string(),
                    self.ctx.t(&format!("season.{}", s.as_str())),
                )
            })
            .collect()
    }
}

#[derive(Debug, Default, Deserialize)]
struct PresetQuery {
    #[serde(default)]
    preset: String,
}

async fn new_form(
    ctx: Ctx,
    user: CurrentUser,
    crate::error::Query(q): crate::error::Query<PresetQuery>,
) -> Result<Response, AppError> {
    user.require(Capability::OpenProgrammes)?;
    let preset = if q.preset.is_empty() {
        "seed_003".to_string()
    } else {
        q.preset
    };
    let rules = ProgrammeRules::preset(&preset).unwrap_or_default();
    let year = chrono::Datelike::year(&crate::calendar::today());
    let form = ProgrammeForm::from_rules(&rules, Targets::seed_003(), year);
    render(&NewPage {
        ctx,
        form,
        preset,
        errors: Vec::new(),
    })
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    Form(form): Form<ProgrammeForm>,
) -> Result<Response, AppError> {
    let result = match form.input() {
        Ok(input) => service::open(&state, &user, &client, &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(p) => Ok(Redirect::to(&format!("/programmes/{}?ok=created", p.id)).into_response()),
        Err(AppError::Validation(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &NewPage {
                ctx,
                form,
                preset: String::new(),
                errors,
            },
        ),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "programmes/show.html")]
struct ShowPage {
    ctx: Ctx,
    p: Programme,
    rules: ProgrammeRules,
    milestones: Vec<Milestone>,
    classes: Vec<Listed>,
    pager: crate::web::paging::Pager,
    can_register: bool,
    can_copy: bool,
    can_supervise: bool,
    /// The caller reads the programme's money (the federation running it, units and
    /// federations below with the funds capability).
    can_money: bool,
    /// Milestones the user's unit submits for (below the programme's federation).
    can_submit: bool,
    errors: Vec<FieldError>,
}

impl ShowPage {
    fn is_report(&self, m: &Milestone) -> bool {
        crate::reports::is_report(m)
    }
    fn label(&self, prefix: &str, v: &str) -> String {
        self.ctx.t(&format!("{prefix}.{v}"))
    }
    fn err(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field, self.ctx.lang)
    }
    fn opt(&self, v: &Option<u32>) -> String {
        v.map(|x| x.to_string())
            .unwrap_or_else(|| self.ctx.t("common.off"))
    }
    fn yes_no(&self, v: &bool) -> String {
        self.ctx.t(if *v {
            "common.yes_short"
        } else {
            "common.no_short"
        })
    }
}

async fn show_page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: &ProgrammeId,
    page: Option<i64>,
    errors: Vec<FieldError>,
) -> Result<ShowPage, AppError> {
    let p = service::visible(state, user, id).await?;
    let milestones = store::milestones(&state.db, &p).await?;
    let mut pager = crate::web::paging::Pager::asked(page, format!("/programmes/{}", p.id));
    let classes = classes::of_programme(state, user, &p, pager.offset(), pager.limit()).await?;
    let classes = pager.take(classes);
    let below = |cap| {
        user.acting_orgs(cap).iter().any(|g| {
            g.org_path
                .as_deref()
                .is_some_and(|op| op.starts_with(&p.org_path) && op != p.org_path)
        })
    };
    Ok(ShowPage {
        rules: p.rules()?,
        can_register: below(Capability::RegisterClasses),
        can_copy: user
            .scope(Capability::OpenProgrammes)
            .is_some_and(|s| s.contains(&p.org_path)),
        can_money: crate::funding::rules::area(user, &p).is_ok(),
        can_supervise: user.scope(Capability::Supervise).is_some_and(|s| {
            s.contains(&p.org_path)
                || user.acting_orgs(Capability::Supervise).iter().any(|g| {
                    g.org_path
                        .as_deref()
                        .is_some_and(|op| op.starts_with(&p.org_path))
                })
        }),
        can_submit: below(Capability::SubmitPlans),
        ctx,
        p,
        milestones,
        classes,
        pager,
        errors,
    })
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<ProgrammeId>,
    Query(q): Query<crate::web::paging::PageQuery>,
) -> Result<Response, AppError> {
    render(&show_page(&state, ctx, &user, &id, q.page, Vec::new()).await?)
}

#[derive(Debug, Deserialize)]
struct CopyForm {
    season: String,
    year: String,
    start_date: String,
    end_date: String,
    #[serde(default)]
    name: String,
}

async fn copy(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ProgrammeId>,
    Form(f): Form<CopyForm>,
) -> Result<Response, AppError> {
    let year = match f.year.trim().parse::<i64>() {
        Ok(y) => y,
        Err(_) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &show_page(
                    &state,
                    ctx,
                    &user,
                    &id,
                    None,
                    vec![FieldError::new("year", "class.number_invalid")],
                )
                .await?,
            );
        }
    };
    let input = CopyProgramme {
        season: f.season,
        year,
        start_date: f.start_date,
        end_date: f.end_date,
        name: (!f.name.trim().is_empty()).then_some(f.name),
    };
    match service::copy(&state, &user, &client, &id, &input).await {
        Ok(p) => Ok(Redirect::to(&format!("/programmes/{}?ok=created", p.id)).into_response()),
        Err(AppError::Validation(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &show_page(&state, ctx, &user, &id, None, errors).await?,
        ),
        Err(e) => Err(e),
    }
}
