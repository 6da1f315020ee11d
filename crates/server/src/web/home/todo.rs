//! The to-do items of the home page (issue 15), per role: each a count, a sentence and one link.
//! Every number comes from the function the page it links to uses (the matrix's overdue count, the
//! roll, the maintained class tallies), never a second way of counting.

use chrono::NaiveDate;

use crate::app::AppState;
use crate::auth::{Capability, CurrentUser, Role, Scope, Visible};
use crate::classes::{Class, ClassStatus, service as classes, staff};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::ids::{ChildId, ClassId};
use crate::programmes::{Milestone, Programme, reminders, service as programmes};

/// How urgent an item is: the badge it wears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Bad,
    Warn,
    Info,
    Ok,
}

impl Tone {
    pub fn class(self) -> &'static str {
        match self {
            Tone::Bad => "badge badge-bad",
            Tone::Warn => "badge badge-warn",
            Tone::Info => "badge badge-info",
            Tone::Ok => "badge badge-ok",
        }
    }
}

/// One thing to do: a count, what it is, where to go.
#[derive(Debug, Clone)]
pub struct Item {
    /// A stable id for tests and anchors (`todo-overdue-<programme>`).
    pub id: String,
    pub count: i64,
    pub text: String,
    pub href: String,
    /// The link's words ("去点名", "去处理").
    pub action: String,
    pub tone: Tone,
}

/// A class of today for its staff: one big link to the roll.
#[derive(Debug, Clone)]
pub struct RollCard {
    pub class_id: ClassId,
    pub class_name: String,
    pub operating: bool,
    pub expected: usize,
    pub present: usize,
    pub collected: usize,
    pub absent: usize,
}

/// A parent's child today.
#[derive(Debug, Clone)]
pub struct ChildCard {
    pub child_id: ChildId,
    pub name: String,
    /// One line per class running: "已到 08:07（妈妈送）" …
    pub today: Vec<(String, String, &'static str)>,
    pub missing: Vec<String>,
}

/// The paths of the user's grants of `roles`: the units they work in (not a federation's subtree).
fn units_of(user: &CurrentUser, roles: &[Role]) -> Scope {
    let mut paths: Vec<String> = user
        .grants
        .iter()
        .filter(|g| roles.contains(&g.role))
        .filter_map(|g| g.org_path.clone())
        .collect();
    paths.sort();
    paths.dedup();
    Scope::Subtrees(paths)
}

fn has_units(s: &Scope) -> bool {
    matches!(s, Scope::Subtrees(r) if !r.is_empty())
}

/// The units whose running classes get a roll card (class staff, managers, unit admins).
fn roll_units(user: &CurrentUser) -> Scope {
    if user.scope(Capability::RunClasses).is_none() {
        return Scope::Subtrees(Vec::new());
    }
    units_of(
        user,
        &[Role::ClassStaff, Role::ClassManager, Role::GrassrootsAdmin],
    )
}

/// The units whose live classes' staff rosters the home checks (unit admins, managers).
fn keeper_units(user: &CurrentUser) -> Scope {
    if user.scope(Capability::ManageStaff).is_none() {
        return Scope::Subtrees(Vec::new());
    }
    units_of(user, &[Role::GrassrootsAdmin, Role::ClassManager])
}

/// At most this many live classes are read for the home (a unit hosts a few).
const LIVE_LIMIT: i64 = 40;

/// The live (approved or running) classes of the units the user works in, read once for the roll
/// cards and the staff items when both cover the same units (a unit admin's, a manager's); the
/// soonest first.
pub struct Live {
    rolls: Vec<Visible<Class>>,
    kept: Vec<Visible<Class>>,
}

pub async fn live(state: &AppState, user: &CurrentUser) -> Result<Live, AppError> {
    let (rolls, kept) = (roll_units(user), keeper_units(user));
    const LIVE: &[ClassStatus] = &[ClassStatus::Approved, ClassStatus::Running];
    let read = |scope: Scope, statuses: &'static [ClassStatus], limit| async move {
        if has_units(&scope) {
            classes::with_status_in(state, &scope, statuses, limit).await
        } else {
            Ok(Vec::new())
        }
    };
    if rolls == kept {
        let all = read(rolls, LIVE, LIVE_LIMIT).await?;
        let rolls = all
            .iter()
            .filter(|c| c.status == ClassStatus::Running)
            .take(12)
            .cloned()
            .collect();
        let kept = all.into_iter().take(20).collect();
        return Ok(Live { rolls, kept });
    }
    Ok(Live {
        rolls: read(rolls, &[ClassStatus::Running], 12).await?,
        kept: read(kept, LIVE, 20).await?,
    })
}

/// Today's roll of each running class of the user's units (class staff, managers, unit admins).
pub async fn rolls(
    state: &AppState,
    live: &Live,
    today: NaiveDate,
) -> Result<Vec<RollCard>, AppError> {
    let mut out = Vec::new();
    for c in &live.rolls {
        let r = crate::attendance::roll::counts(state, c, today).await?;
        out.push(RollCard {
            class_id: c.id,
            class_name: c.name.clone(),
            operating: r.operating,
            expected: r.expected,
            present: r.present,
            collected: r.collected,
            absent: r.absent,
        });
    }
    // The classes running today first: at 8 a.m. the first card is the roll to open.
    out.sort_by_key(|r| !r.operating);
    Ok(out)
}

/// Reports overdue per programme, counted by the milestone matrix's own function over the
/// user's scope (a unit: its own reports; a federation: its subtree's), with a link to the matrix.
async fn overdue(
    state: &AppState,
    user: &CurrentUser,
    lang: Lang,
    visible: &[Programme],
    milestones: &[Milestone],
    counted: Option<&(Scope, i64)>,
    today: NaiveDate,
) -> Result<Vec<Item>, AppError> {
    if user.scope(Capability::ViewOrgs).is_none() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for p in visible {
        let own: Vec<Milestone> = milestones
            .iter()
            .filter(|m| m.programme_id == p.id)
            .cloned()
            .collect();
        let count =
            crate::programmes::matrix::overdue(state, user, p, &own, today, counted).await?;
        if count > 0 {
            out.push(Item {
                id: format!("todo-overdue-{}", p.id),
                count,
                text: lang.tf("home.todo_overdue", &[("programme", p.name.clone())]),
                href: format!("/programmes/{}/milestones", p.id),
                action: lang.t("home.go_matrix"),
                tone: Tone::Bad,
            });
        }
    }
    Ok(out)
}

/// What a unit has to do: deadlines coming, applications waiting, paperwork and staff checks.
async fn unit_items(
    state: &AppState,
    user: &CurrentUser,
    lang: Lang,
    live: &Live,
    listed: &[Programme],
    milestones: &[Milestone],
    today: NaiveDate,
) -> Result<Vec<Item>, AppError> {
    let mut out = Vec::new();
    for r in reminders::for_user(state, user, listed, milestones, today)
        .await?
        .into_iter()
        .filter(|r| !r.overdue)
    {
        out.push(Item {
            id: format!("todo-due-{}", r.milestone_id),
            count: 1,
            text: lang.tf(
                "home.todo_due",
                &[
                    ("what", lang.t(&format!("milestone.{}", r.kind))),
                    ("date", r.due_date.clone()),
                ],
            ),
            href: format!(
                "/programmes/{}/milestones/{}",
                r.programme_id, r.milestone_id
            ),
            action: lang.t("home.go_report"),
            tone: Tone::Warn,
        });
    }
    let deciders = units_of(user, &[Role::GrassrootsAdmin, Role::ClassManager]);
    if has_units(&deciders) && user.scope(Capability::ManageEnrolment).is_some() {
        for q in crate::enrolment::todo::queues(state, &deciders).await? {
            let href = format!("/classes/{}/enrolment", q.class_id);
            let name = ("class", q.class_name.clone());
            if q.applied > 0 {
                out.push(Item {
                    id: format!("todo-applied-{}", q.class_id),
                    count: q.applied,
                    text: lang.tf("home.todo_applied", std::slice::from_ref(&name)),
                    href: href.clone(),
                    action: lang.t("home.go_decide"),
                    tone: Tone::Warn,
                });
            }
            if q.accepted > 0 {
                out.push(Item {
                    id: format!("todo-paperwork-{}", q.class_id),
                    count: q.accepted,
                    text: lang.tf("home.todo_paperwork", &[name]),
                    href,
                    action: lang.t("home.go_look"),
                    tone: Tone::Info,
                });
            }
        }
    }
    if !live.kept.is_empty() {
        let ids: Vec<ClassId> = live.kept.iter().map(|c| c.id).collect();
        let mut rosters = staff::rosters(&state.db, &ids).await?;
        for c in &live.kept {
            let roster = rosters.remove(&c.id).unwrap_or_default();
            let unchecked = roster
                .iter()
                .filter(|s| s.active && s.check_done_on.is_none())
                .count();
            let flags = staff::flags(&roster);
            let href = format!("/classes/{}#staff", c.id);
            let name = ("class", c.name.clone());
            if flags.contains(&"staff.no_leader") {
                out.push(Item {
                    id: format!("todo-leader-{}", c.id),
                    count: 1,
                    text: lang.tf("home.todo_no_leader", std::slice::from_ref(&name)),
                    href: href.clone(),
                    action: lang.t("home.go_staff"),
                    tone: Tone::Bad,
                });
            }
            if unchecked > 0 {
                out.push(Item {
                    id: format!("todo-checks-{}", c.id),
                    count: unchecked as i64,
                    text: lang.tf("home.todo_checks", &[name]),
                    href,
                    action: lang.t("home.go_staff"),
                    tone: Tone::Warn,
                });
            }
        }
    }
    Ok(out)
}

/// What a federation has to do: classes to approve, incidents to acknowledge.
async fn federation_items(
    state: &AppState,
    user: &CurrentUser,
    lang: Lang,
    visible: &[Programme],
) -> Result<Vec<Item>, AppError> {
    let Some(scope) = user.scope(Capability::Supervise) else {
        return Ok(Vec::new());
    };
    let pending = crate::dashboard::tallies::pending_of_scope(&state.db, &scope).await?;
    let mut out = Vec::new();
    for p in pending.iter().filter(|p| p.submitted > 0) {
        let pid = p.programme_id;
        let name = visible
            .iter()
            .find(|v| v.id == pid)
            .map(|v| v.name.clone())
            .unwrap_or_default();
        out.push(Item {
            id: format!("todo-approve-{pid}"),
            count: p.submitted,
            text: lang.tf("home.todo_approve", &[("programme", name)]),
            href: format!("/programmes/{pid}#classes"),
            action: lang.t("home.go_review"),
            tone: Tone::Warn,
        });
    }
    let incidents: i64 = pending.iter().map(|p| p.unacknowledged).sum();
    if incidents > 0 {
        out.push(Item {
            id: "todo-incidents".into(),
            count: incidents,
            text: lang.t("home.todo_incidents"),
            href: "/incidents".into(),
            action: lang.t("home.go_acknowledge"),
            tone: Tone::Bad,
        });
    }
    Ok(out)
}

/// Rectification tasks: the unit's to fix, the inspector's to check, anyone's overdue.
async fn rectification_items(
    state: &AppState,
    user: &CurrentUser,
    lang: Lang,
) -> Result<Vec<Item>, AppError> {
    use crate::inspections::rectify;
    let concerned = user.has_role(Role::Inspector)
        || [
            Capability::Supervise,
            Capability::RegisterClasses,
            Capability::RunClasses,
        ]
        .into_iter()
        .any(|c| user.scope(c).is_some());
    if !concerned {
        return Ok(Vec::new());
    }
    let rows = rectify::listed(state, user, None).await?;
    let count =
        |f: &dyn Fn(&rectify::Rectification) -> bool| rows.iter().filter(|r| f(r)).count() as i64;
    let to_fix = count(&|r| r.status == "open" && rectify::fixes(user, &r.host_path));
    let to_check = count(&|r| r.status == "fixed" && r.inspector_id == Some(user.id));
    let overdue = count(&|r| r.overdue);
    let mut out = Vec::new();
    for (id, n, key, tone) in [
        (
            "todo-rectifications-overdue",
            overdue,
            "home.todo_rectifications_overdue",
            Tone::Bad,
        ),
        (
            "todo-rectifications-fix",
            to_fix,
            "home.todo_rectifications_fix",
            Tone::Warn,
        ),
        (
            "todo-rectifications-check",
            to_check,
            "home.todo_rectifications_check",
            Tone::Warn,
        ),
    ] {
        if n > 0 {
            out.push(Item {
                id: id.into(),
                count: n,
                text: lang.t(key),
                href: "/rectifications".into(),
                action: lang.t("home.go_rectify"),
                tone,
            });
        }
    }
    Ok(out)
}

/// Questionnaires waiting: a guardian's, a host unit's.
async fn questionnaire_items(
    state: &AppState,
    user: &CurrentUser,
    lang: Lang,
    today: NaiveDate,
) -> Result<Vec<Item>, AppError> {
    use crate::questionnaires::todo;
    let mut out = Vec::new();
    let guardian = todo::guardian(state, user, today).await?;
    if let Some(first) = guardian.first() {
        out.push(Item {
            id: "todo-questionnaires".into(),
            count: guardian.len() as i64,
            text: lang.t("home.todo_questionnaires"),
            href: format!("/applications/{first}/questionnaire"),
            action: lang.t("home.go_answer"),
            tone: Tone::Warn,
        });
    }
    let host = todo::host(state, user, today).await?;
    if let Some(first) = host.first() {
        out.push(Item {
            id: "todo-host-questionnaires".into(),
            count: host.len() as i64,
            text: lang.t("home.todo_host_questionnaires"),
            href: format!("/classes/{first}/host-questionnaire"),
            action: lang.t("home.go_answer"),
            tone: Tone::Warn,
        });
    }
    Ok(out)
}

/// Every to-do of the user, the most urgent kinds first.
/// `counted`: the user's organisation scope with its active organisations, as the home page
/// counted them (the overdue count reuses it).
pub async fn items(
    state: &AppState,
    user: &CurrentUser,
    lang: Lang,
    live: &Live,
    counted: Option<&(Scope, i64)>,
    today: NaiveDate,
) -> Result<Vec<Item>, AppError> {
    // The programmes the user sees, read once: for the federation's and the matrix's items, and
    // for the deadlines of the units the user submits for.
    let views = user.scope(Capability::ViewOrgs).is_some();
    let listed = if views || !user.acting_orgs(Capability::SubmitPlans).is_empty() {
        programmes::list(state, user).await?
    } else {
        Vec::new()
    };
    let milestones = crate::programmes::milestones_of(&state.db, &listed).await?;
    let visible: &[Programme] = if views { &listed } else { &[] };
    let mut out = federation_items(state, user, lang, visible).await?;
    out.extend(overdue(state, user, lang, visible, &milestones, counted, today).await?);
    out.extend(unit_items(state, user, lang, live, &listed, &milestones, today).await?);
    out.extend(rectification_items(state, user, lang).await?);
    out.extend(questionnaire_items(state, user, lang, today).await?);
    if user.has_role(Role::ExpertReviewer) {
        let waiting = crate::model_classes::service::to_score(state, user).await?;
        if let Some((programme, _)) = waiting.first() {
            out.push(Item {
                id: "todo-model-scores".into(),
                count: waiting.len() as i64,
                text: lang.t("home.todo_model_scores"),
                href: format!("/programmes/{programme}/model-classes"),
                action: lang.t("home.go_score"),
                tone: Tone::Warn,
            });
        }
    }
    if let Some((count, batch)) = crate::funding::todo::unpaid(state, user).await? {
        out.push(Item {
            id: "todo-subsidies".into(),
            count,
            text: lang.t("home.todo_subsidies"),
            href: format!("/subsidy-batches/{batch}"),
            action: lang.t("home.go_pay"),
            tone: Tone::Warn,
        });
    }
    if user.has_role(Role::Inspector) {
        let planned = crate::inspections::service::planned_for(state, user).await?;
        if planned > 0 {
            out.push(Item {
                id: "todo-inspections".into(),
                count: planned,
                text: lang.t("home.todo_inspections"),
                href: "/inspections".into(),
                action: lang.t("home.go_inspect"),
                tone: Tone::Warn,
            });
        }
    }
    Ok(out)
}

/// A parent's children: each one's day today and what is missing.
pub async fn children(
    state: &AppState,
    user: &CurrentUser,
    lang: Lang,
) -> Result<Vec<ChildCard>, AppError> {
    if !user.has_role(Role::Parent) {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for k in crate::enrolment::todo::of_parent(state, user).await? {
        let days = crate::attendance::family::today_of_child(state, user, &k.child_id, &k.enrolled)
            .await?;
        let today = days
            .iter()
            .map(|t| {
                let (text, tone) = day_line(lang, t);
                (t.class_name.clone(), text, tone)
            })
            .collect();
        let mut missing = Vec::new();
        for class in &k.to_sign {
            missing.push(lang.tf("home.child_sign", &[("class", class.clone())]));
        }
        for class in &k.uninsured {
            missing.push(lang.tf("home.child_insurance", &[("class", class.clone())]));
        }
        if k.pickups == 0 {
            missing.push(lang.t("home.child_no_pickups"));
        }
        out.push(ChildCard {
            child_id: k.child_id,
            name: k.name,
            today,
            missing,
        });
    }
    Ok(out)
}

/// "已到 08:07（妈妈送）", "已接走 17:02（王芳接）", "缺勤：病假", "还没到", with its badge class.
fn day_line(lang: Lang, t: &crate::attendance::family::ChildToday) -> (String, &'static str) {
    let d = &t.day;
    let by = |who: &str| {
        if who.is_empty() {
            String::new()
        } else {
            lang.tf("home.child_by", &[("who", who.to_string())])
        }
    };
    if !t.operating {
        return (lang.t("home.child_no_class_today"), Tone::Info.class());
    }
    match d.status.as_str() {
        "collected" => (
            lang.tf(
                "home.child_collected",
                &[
                    ("in", d.arrived_at.clone().unwrap_or_default()),
                    ("out", d.left_at.clone().unwrap_or_default()),
                    ("by", by(&d.collected_by)),
                ],
            ),
            Tone::Ok.class(),
        ),
        "present" => (
            lang.tf(
                "home.child_present",
                &[
                    ("in", d.arrived_at.clone().unwrap_or_default()),
                    ("by", by(&d.brought_by)),
                ],
            ),
            Tone::Ok.class(),
        ),
        "absent" => (
            lang.tf(
                "home.child_absent",
                &[(
                    "reason",
                    d.absent_reason
                        .as_deref()
                        .map(|r| lang.t(&format!("roll.reason_{r}")))
                        .unwrap_or_default(),
                )],
            ),
            Tone::Warn.class(),
        ),
        _ => (lang.t("home.child_not_yet"), Tone::Info.class()),
    }
}
