//! A report's lines as the page and the .xlsx show them, and the workbook an official hands on:
//! title, unit, period, the figures, the narrative, the attachments' names, the subordinates, and the signature lines.

use super::{Compiled, Figures, NOT_RECORDED, ReportView};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::web::excel::{Book, Cell, Sheet, workbook};

/// One line of the figures table: its label, the organisation's own classes and the total.
#[derive(Debug, Clone)]
pub struct Line {
    pub label: String,
    pub own: String,
    pub total: String,
}

/// A figure of [`Figures`], by name.
type Count = (&'static str, fn(&Figures) -> i64);
/// Records kept against records owed.
type Kept = (&'static str, fn(&Figures) -> (i64, i64));

fn kept(kept: i64, owed: i64) -> String {
    format!("{kept} / {owed}")
}

/// The figures table, in the order of the paper report.
pub fn lines(c: &Compiled, lang: Lang) -> Vec<Line> {
    let counts: [Count; 11] = [
        ("units_reporting", |f| f.units_reporting),
        ("classes_open", |f| f.classes_open),
        ("places", |f| f.places),
        ("children", |f| f.children),
        ("families", |f| f.families),
        ("operating_days", |f| f.operating_days),
        ("child_days_expected", |f| f.child_days_expected),
        ("child_days_present", |f| f.child_days_present),
        ("incidents", |f| f.incidents),
        ("safety_incidents", |f| f.safety_incidents),
        ("staff", |f| f.staff),
    ];
    let label = |k: &str| lang.t(&format!("report.fig.{k}"));
    let mut out: Vec<Line> = counts
        .iter()
        .map(|(k, get)| Line {
            label: label(k),
            own: get(&c.own).to_string(),
            total: get(&c.total).to_string(),
        })
        .collect();
    let rate = |f: &Figures| {
        let r = f.rate(c.min_attendance_pct);
        match r.rate {
            Some(pct) if r.meets_rule => pct,
            Some(pct) => format!("{pct} ({})", lang.t("report.below_rule")),
            None => "—".into(),
        }
    };
    out.insert(
        8,
        Line {
            label: format!("{} (≥{}%)", label("attendance"), c.min_attendance_pct),
            own: rate(&c.own),
            total: rate(&c.total),
        },
    );
    let pairs: [Kept; 4] = [
        ("patrol_days", |f| (f.patrol_days, f.operating_days)),
        ("ventilation_days", |f| {
            (f.ventilation_days, f.operating_days)
        }),
        ("meal_days", |f| (f.meal_days, f.meal_days_owed)),
        ("staff_checked", |f| (f.staff_checked, f.staff)),
    ];
    out.extend(pairs.iter().map(|(k, get)| {
        let (a, b) = get(&c.own);
        let (x, y) = get(&c.total);
        Line {
            label: label(k),
            own: kept(a, b),
            total: kept(x, y),
        }
    }));
    let yuan = tuoguan_domain::funding::yuan;
    let money: [Count; 2] = [
        ("funds_received", |f| f.funds_received_fen),
        ("funds_spent", |f| f.funds_spent_fen),
    ];
    for (k, get) in money {
        out.push(Line {
            label: label(k),
            own: yuan(get(&c.own)),
            total: yuan(get(&c.total)),
        });
    }
    // Each source either side booked, received then spent from it.
    let of = |f: &Figures, s: tuoguan_domain::funding::Source| {
        f.funds_by_source
            .iter()
            .find(|x| x.source == s)
            .map_or((0, 0), |x| (x.received_fen, x.spent_fen))
    };
    for s in tuoguan_domain::funding::Source::ALL {
        let (own, total) = (of(&c.own, s), of(&c.total, s));
        if own == (0, 0) && total == (0, 0) {
            continue;
        }
        let name = lang.t(&format!("source.{s}"));
        out.push(Line {
            label: lang.tf("report.fig.funds_of", &[("source", name)]),
            own: format!("{} / {}", yuan(own.0), yuan(own.1)),
            total: format!("{} / {}", yuan(total.0), yuan(total.1)),
        });
    }
    out.extend(NOT_RECORDED.iter().map(|k| Line {
        label: label(k),
        own: lang.t("report.not_recorded"),
        total: lang.t("report.not_recorded"),
    }));
    out
}

/// A count stays a number in the sheet; anything else is text.
fn cell(s: &str) -> Cell {
    s.parse()
        .map_or_else(|_| Cell::Text(s.to_string()), Cell::Int)
}

/// The period as the title line shows it.
pub fn period_text(c: &Compiled, lang: Lang) -> String {
    match &c.period_from {
        Some(from) => format!("{from} – {}", c.period_to),
        None => format!("{} {}", lang.t("report.season_to"), c.period_to),
    }
}

/// The report as a workbook: the figures sheet with the narrative and signature lines, and the
/// subordinates sheet.
pub fn book(r: &ReportView, programme: &str, lang: Lang) -> Result<Book, AppError> {
    let c = &r.compiled;
    let kind = lang.t(&format!("milestone.{}", r.kind));
    let taken = match r.taken_at {
        Some(at) => format!(
            "{} {}",
            lang.t("report.frozen_at"),
            crate::web::when::table(&at)
        ),
        None => format!(
            "{} {}",
            lang.t("report.live_at"),
            crate::calendar::now_local().format("%Y-%m-%d %H:%M")
        ),
    };
    let mut footer = Vec::new();
    if !r.narrative.is_empty() {
        footer.push(format!("{}：{}", lang.t("field.narrative"), r.narrative));
    }
    if !r.attachments.is_empty() {
        let names: Vec<&str> = r.attachments.iter().map(|a| a.name.as_str()).collect();
        footer.push(format!(
            "{}：{}",
            lang.t("attachment.title"),
            names.join("、")
        ));
    }
    footer.extend(
        [
            "report.sign_filled",
            "report.sign_checked",
            "report.sign_seal",
        ]
        .iter()
        .map(|k| lang.t(k)),
    );
    let figures = Sheet {
        name: kind.clone(),
        title: format!("{} · {} · {}", r.org_name, programme, kind),
        subtitle: Some(format!(
            "{}：{} ({} {}) · {}",
            lang.t("report.period"),
            period_text(c, lang),
            lang.t("report.as_of"),
            c.as_of,
            taken
        )),
        headers: vec![
            lang.t("report.item"),
            lang.t("report.own"),
            lang.t("report.total"),
        ],
        rows: lines(c, lang)
            .into_iter()
            .map(|l| vec![Cell::Text(l.label), cell(&l.own), cell(&l.total)])
            .collect(),
        totals: None,
        footer,
    };
    let units = Sheet {
        name: lang.t("report.subordinates"),
        title: format!("{} · {}", r.org_name, lang.t("report.subordinates")),
        subtitle: None,
        headers: [
            "report.unit",
            "report.status",
            "report.fig.children",
            "report.fig.families",
            "report.fig.child_days_expected",
            "report.fig.child_days_present",
            "report.fig.attendance",
            "report.reason",
        ]
        .iter()
        .map(|k| lang.t(k))
        .collect(),
        rows: c
            .units
            .iter()
            .map(|u| {
                let f = u.figures.clone().unwrap_or_default();
                let n = |v: i64| u.figures.as_ref().map_or(Cell::Empty, |_| Cell::Int(v));
                vec![
                    Cell::Text(u.org_name.clone()),
                    Cell::Text(lang.t(&format!("milestone_status.{}", u.status))),
                    n(f.children),
                    n(f.families),
                    n(f.child_days_expected),
                    n(f.child_days_present),
                    Cell::Text(f.rate(c.min_attendance_pct).rate.unwrap_or_default()),
                    Cell::Text(u.reason.clone().unwrap_or_default()),
                ]
            })
            .collect(),
        totals: None,
        footer: Vec::new(),
    };
    Ok(workbook(&[figures, units])?)
}
