//! The class page (its template struct and how it is read): the registration first, then every
//! check with its evidence, then the actions; the links its state gives something to show.

use askama::Template;

use super::detail::ClassDetail;
use super::files;
use super::service::{self, Action};
use super::staff::{STAFF_ROLES, Staff};
use crate::app::AppState;
use crate::auth::{Capability, CurrentUser};
use crate::error::{AppError, FieldError};
use crate::ids::ClassId;
use crate::programmes::Programme;
use crate::web::{Ctx, field_error};

#[derive(Template)]
#[template(path = "classes/show.html")]
pub struct ShowPage {
    ctx: Ctx,
    d: ClassDetail,
    programme: Programme,
    roster: Vec<Staff>,
    actions: Vec<&'static str>,
    can_edit: bool,
    can_staff: bool,
    can_upload: bool,
    can_days: bool,
    /// A safety incident was recorded: marked for the rest of the programme.
    safety_incident: bool,
    /// The caller registers classes at the host: it answers the host's questionnaire.
    hosts: bool,
    /// The caller runs the class's days or its enrolment: it prints the questionnaire's QR slips.
    runs: bool,
    /// The caller reads the class's money (its unit, a federation above).
    money: bool,
    /// Every check with its evidence (blocking, warning, passed).
    review: Vec<super::review::ReviewLine>,
    /// What closing means, with its numbers (shown before closing).
    close_consequence: String,
    errors: Vec<FieldError>,
}

impl ShowPage {
    fn err(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field, self.ctx.lang)
    }

    fn label(&self, prefix: &str, v: &str) -> String {
        self.ctx.t(&format!("{prefix}.{v}"))
    }

    fn staff_roles(&self) -> Vec<(String, String)> {
        STAFF_ROLES
            .iter()
            .map(|r| (r.to_string(), self.label("staff_role", r)))
            .collect()
    }

    fn file_kinds(&self) -> Vec<(String, String)> {
        files::FILE_KINDS
            .iter()
            .map(|k| (k.to_string(), self.label("file_kind", k)))
            .collect()
    }

    fn time(&self, t: &i64) -> String {
        self.ctx.prose_time(t)
    }

    fn error_messages(&self) -> Vec<String> {
        self.errors
            .iter()
            .map(|e| e.msg.render(self.ctx.lang))
            .collect()
    }

    fn can_approve(&self) -> bool {
        self.actions.contains(&"approve")
    }

    fn has_blocks(&self) -> bool {
        self.d.checks.iter().any(|c| c.level == "block")
    }

    /// The class has been approved: enrolment, the schedule and incidents have something to show.
    fn approved_or_later(&self) -> bool {
        use super::ClassStatus::*;
        matches!(self.d.class.status, Approved | Running | Closed)
    }

    /// The class runs or ran: its roll, month grid and logs have days to show.
    fn has_days(&self) -> bool {
        use super::ClassStatus::*;
        matches!(self.d.class.status, Running | Closed)
    }

    /// The venue checklist as asked and answered (是/否), for the registration details.
    fn venue_answers(&self) -> Vec<(String, String)> {
        let v = &self.d.class.registration.venue;
        let yn = |b: bool| self.ctx.t(if b { "review.yes" } else { "review.no" });
        [
            ("independent", v.independent),
            (
                "building_fire_supervision_safe",
                v.building_fire_supervision_safe,
            ),
            ("away_from_hazards", v.away_from_hazards),
            ("ventilation_and_light", v.ventilation_and_light),
            ("cameras", v.cameras),
            ("in_production_plant", v.in_production_plant),
            ("in_basement", v.in_basement),
            ("in_warehouse", v.in_warehouse),
            (
                "illegal_or_dangerous_building",
                v.illegal_or_dangerous_building,
            ),
        ]
        .into_iter()
        .map(|(k, b)| (self.label("venue", k), yn(b)))
        .chain(
            v.floor_area_m2
                .map(|a| (self.label("venue", "floor_area_m2"), a.to_string())),
        )
        .collect()
    }

    /// The word on a check line's badge.
    fn level_word(&self, level: &str) -> String {
        self.ctx.t(match level {
            "block" => "review.blocks",
            "warn" => "review.warns",
            "pass" => "review.passed",
            _ => "review.info",
        })
    }

    fn is_closed(&self) -> bool {
        self.d.class.status == super::ClassStatus::Closed
    }

    fn is_running(&self) -> bool {
        self.d.class.status == super::ClassStatus::Running
    }
}

pub async fn show_page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: &ClassId,
    errors: Vec<FieldError>,
) -> Result<ShowPage, AppError> {
    let super::detail::ClassRead {
        class: c,
        programme,
        roster,
        detail: d,
        found,
    } = super::detail::read(state, user, id, ctx.lang).await?;
    let review = super::review::lines(ctx.lang, &c, &found, &roster, &d.files);
    let close_consequence = if service::allowed_from(Action::Close, c.status()) {
        close_consequence(state, &ctx, &c).await?
    } else {
        String::new()
    };
    let (from, _) = (c.status(), ());
    let actions = [
        ("submit", Action::Submit),
        ("approve", Action::Approve),
        ("return", Action::Return),
        ("start", Action::Start),
        ("close", Action::Close),
    ]
    .into_iter()
    .filter(|(_, a)| service::may(user, &c, *a) && service::allowed_from(*a, from))
    .map(|(n, _)| n)
    .collect();
    let host = |cap| user.scope(cap).is_some_and(|s| s.contains(&c.host_path));
    let (_, safety) = crate::attendance::incident_counts(state, &c).await?;
    Ok(ShowPage {
        safety_incident: safety > 0,
        review,
        close_consequence,
        ctx,
        can_edit: host(Capability::RegisterClasses) && c.status().editable(),
        can_staff: host(Capability::ManageStaff) && c.status() != super::ClassStatus::Closed,
        can_upload: host(Capability::RegisterClasses),
        hosts: host(Capability::RegisterClasses),
        runs: host(Capability::RunClasses) || host(Capability::ManageEnrolment),
        money: host(Capability::ViewFunds),
        can_days: service::may(user, &c, Action::Start),
        d,
        programme,
        roster,
        actions,
        errors,
    })
}

/// What closing `c` means, with its numbers: the sentence of the confirmation page and dialog.
pub async fn close_consequence(
    state: &AppState,
    ctx: &Ctx,
    c: &crate::auth::Visible<super::Class>,
) -> Result<String, AppError> {
    let n = crate::enrolment::todo::enrolled_count(state, c).await?;
    Ok(ctx.lang.tf("confirm.close_class", &[("n", n.to_string())]))
}
