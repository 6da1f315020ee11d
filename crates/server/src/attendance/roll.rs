//! The roll (点名册) of a class on a day: every child enrolled that day, where their day stands,
//! and who may collect them — read in three queries whatever the class size.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::store::{self, Row};
use super::tap::{operates, operates_if_known, view};
use super::{ChildDay, store::RollRow};
use crate::app::AppState;
use crate::classes::Class;
use crate::error::AppError;
use crate::ids::{ChildId, ClassId};

/// Someone who may collect a child: a pickup person, or a guardian (`guardian:<id>`).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Collector {
    pub id: String,
    pub name: String,
    pub relationship: String,
}

/// One child on the roll.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RollChild {
    pub child_id: ChildId,
    pub name: String,
    #[schema(value_type = crate::enrolment::GradeName)]
    pub grade: String,
    /// What the roll shows in place of a photo: the given name's last two characters.
    pub initials: String,
    pub state: ChildDay,
    pub collectors: Vec<Collector>,
}

/// The roll of a day.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Roll {
    pub class_id: ClassId,
    pub class_name: String,
    pub day: String,
    /// The class operates that day (else every tap is refused).
    pub operating: bool,
    pub children: Vec<RollChild>,
    pub expected: usize,
    pub present: usize,
    pub collected: usize,
    pub absent: usize,
}

/// The characters shown in the avatar circle: a Chinese name's given name (last two
/// characters of three or more), else its first two characters.
pub fn initials(name: &str) -> String {
    let chars: Vec<char> = name.chars().filter(|c| !c.is_whitespace()).collect();
    let cjk = chars.iter().all(|c| *c as u32 >= 0x2E80);
    if cjk && chars.len() >= 3 {
        chars[chars.len() - 2..].iter().collect()
    } else {
        chars.iter().take(2).collect()
    }
}

fn state_of(class_id: ClassId, r: &RollRow, day: &str) -> ChildDay {
    view(&Row {
        in_at: r.in_at,
        in_by: r.in_by.clone().unwrap_or_default(),
        out_at: r.out_at,
        out_by: r.out_by.clone().unwrap_or_default(),
        absent_reason: r.absent_reason.clone(),
        corrected: r.corrected.unwrap_or(false),
        ..Row::empty(class_id, day, r.child_id)
    })
}

/// The pickup cards of the children on a roll, read with it: the valid codes, and the children
/// enrolled now who have none yet (the roll page issues theirs).
#[derive(Debug, Default)]
pub struct RollCards {
    pub codes: std::collections::HashMap<ChildId, String>,
    pub missing: Vec<ChildId>,
}

/// The roll of `c` on `day`.
pub async fn roll(state: &AppState, c: &Class, day: NaiveDate) -> Result<Roll, AppError> {
    Ok(roll_with_cards(state, c, day).await?.0)
}

/// [`roll`] and the pickup cards of its children, from the same query.
pub async fn roll_with_cards(
    state: &AppState,
    c: &Class,
    day: NaiveDate,
) -> Result<(Roll, RollCards), AppError> {
    let d = day.format("%Y-%m-%d").to_string();
    let rows = store::roll(&state.db, &c.id, &d).await?;
    let mut cards = RollCards::default();
    for r in &rows {
        match &r.code {
            Some(code) => {
                cards.codes.insert(r.child_id, code.clone());
            }
            None if r.enrolled => cards.missing.push(r.child_id),
            None => {}
        }
    }
    let mut who = store::collectors_of_class(&state.db, &c.id).await?;
    // Pickup persons first, then guardians; each group as added.
    who.sort_by_key(|(_, id, _, _)| id.starts_with("guardian:"));
    let operating = operates(&state.db, c, day).await?;
    let children: Vec<RollChild> = rows
        .iter()
        .map(|r| RollChild {
            child_id: r.child_id,
            name: r.name.clone(),
            grade: r.grade.clone(),
            initials: initials(&r.name),
            state: state_of(c.id, r, &d),
            collectors: who
                .iter()
                .filter(|(child, _, _, _)| *child == r.child_id)
                .map(|(_, id, name, rel)| Collector {
                    id: id.clone(),
                    name: name.clone(),
                    relationship: rel.clone(),
                })
                .collect(),
        })
        .collect();
    let n = DayCounts::of(operating, children.iter().map(|c| &c.state));
    let roll = Roll {
        class_id: c.id,
        class_name: c.name.clone(),
        day: d.clone(),
        operating,
        expected: n.expected,
        present: n.present,
        collected: n.collected,
        absent: n.absent,
        children,
    };
    Ok((roll, cards))
}

/// How a class's day stands, without the children: the staff's home page card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayCounts {
    pub operating: bool,
    pub expected: usize,
    pub present: usize,
    pub collected: usize,
    pub absent: usize,
}

/// The counts of [`roll`] for `c` on `day`, read without the collectors; none on a day the class
/// does not run (the card then says so and shows no counts).
pub async fn counts(state: &AppState, c: &Class, day: NaiveDate) -> Result<DayCounts, AppError> {
    if !operates_if_known(&state.db, c, day).await? {
        return Ok(DayCounts::of(false, std::iter::empty()));
    }
    let d = day.format("%Y-%m-%d").to_string();
    let rows = store::roll(&state.db, &c.id, &d).await?;
    let operating = true;
    let days: Vec<ChildDay> = rows.iter().map(|r| state_of(c.id, r, &d)).collect();
    Ok(DayCounts::of(operating, days.iter()))
}

impl DayCounts {
    fn of<'a>(operating: bool, days: impl Iterator<Item = &'a ChildDay>) -> DayCounts {
        let mut n = DayCounts {
            operating,
            expected: 0,
            present: 0,
            collected: 0,
            absent: 0,
        };
        for d in days {
            n.expected += 1;
            match d.status.as_str() {
                "present" => n.present += 1,
                "collected" => n.collected += 1,
                "absent" => n.absent += 1,
                _ => {}
            }
        }
        n
    }
}

/// The first day after `day`, within two weeks, on which `c` operates: what the roll shows when a
/// teacher opens it on a weekend or a holiday. A year the calendar does not hold yet ends the search
/// (nothing can be recorded on it anyway).
pub async fn next_operating_day(
    state: &AppState,
    c: &Class,
    day: NaiveDate,
) -> Result<Option<NaiveDate>, AppError> {
    let (_, end) = c.dates()?;
    for n in 1..=14 {
        let d = day + chrono::Duration::days(n);
        if d > end {
            break;
        }
        match operates(&state.db, c, d).await {
            Ok(true) => return Ok(Some(d)),
            Ok(false) => {}
            Err(AppError::Validation(_)) => return Ok(None),
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::initials;

    #[test]
    fn initials_show_the_given_name() {
        assert_eq!(initials("孙小明"), "小明");
        assert_eq!(initials("欧阳娜娜"), "娜娜");
        assert_eq!(initials("李雷"), "李雷");
        assert_eq!(initials("Tom Lee"), "To");
    }
}
