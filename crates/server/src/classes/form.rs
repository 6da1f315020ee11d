//! The class registration form: flat as HTML forms are (checkboxes arrive only when ticked), and
//! its conversion to and from [`ClassInput`].

use serde::Deserialize;
use tuoguan_domain::class_checks::{Food, FoodMode, Venue};

use super::{ClassInput, RULE_KINDS};
use crate::error::{AppError, FieldError};
use crate::ids::{OrgId, ProgrammeId};

/// A trimmed, non-empty string, or None.
pub fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// The registration form, flat as HTML forms are; checkboxes arrive only when ticked.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ClassForm {
    #[serde(default)]
    pub programme_id: String,
    #[serde(default)]
    pub host_org_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub start_date: String,
    #[serde(default)]
    pub end_date: String,
    #[serde(default)]
    pub daily_start: String,
    #[serde(default)]
    pub daily_end: String,
    #[serde(default)]
    pub capacity: String,
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub management: String,
    #[serde(default)]
    pub partners: String,
    #[serde(default)]
    pub partner_agreement: Option<String>,
    #[serde(default)]
    pub qualification_review: Option<String>,
    #[serde(default)]
    pub independent: Option<String>,
    #[serde(default)]
    pub building_fire_supervision_safe: Option<String>,
    #[serde(default)]
    pub away_from_hazards: Option<String>,
    #[serde(default)]
    pub in_production_plant: Option<String>,
    #[serde(default)]
    pub in_basement: Option<String>,
    #[serde(default)]
    pub in_warehouse: Option<String>,
    #[serde(default)]
    pub illegal_or_dangerous_building: Option<String>,
    #[serde(default)]
    pub ventilation_and_light: Option<String>,
    #[serde(default)]
    pub cameras: Option<String>,
    #[serde(default)]
    pub floor_area_m2: String,
    #[serde(default)]
    pub food_mode: String,
    #[serde(default)]
    pub caterer_name: String,
    #[serde(default)]
    pub licence_no: String,
    #[serde(default)]
    pub licence_expiry: String,
    #[serde(default)]
    pub catering_agreement: Option<String>,
    #[serde(default)]
    pub rule_pickup: Option<String>,
    #[serde(default)]
    pub rule_daily_safety: Option<String>,
    #[serde(default)]
    pub rule_food_hygiene: Option<String>,
    #[serde(default)]
    pub rule_emergency: Option<String>,
    #[serde(default)]
    pub rule_epidemic: Option<String>,
}

impl ClassForm {
    /// The form as registration input; a number or date that does not parse becomes a field error.
    pub fn input(&self) -> Result<ClassInput, AppError> {
        let mut errors = Vec::new();
        let capacity = self.capacity.trim().parse::<i64>().unwrap_or_else(|_| {
            errors.push(FieldError::new("capacity", "class.capacity_range"));
            0
        });
        let floor_area_m2 = match opt(&self.floor_area_m2) {
            None => None,
            Some(v) => v.parse::<u32>().map(Some).unwrap_or_else(|_| {
                errors.push(FieldError::new("floor_area_m2", "class.number_invalid"));
                None
            }),
        };
        let licence_expiry = match opt(&self.licence_expiry) {
            None => None,
            Some(v) => chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d")
                .map(Some)
                .unwrap_or_else(|_| {
                    errors.push(FieldError::new("licence_expiry", "calendar.date_invalid"));
                    None
                }),
        };
        let mode = FoodMode::parse(&self.food_mode).unwrap_or_else(|| {
            errors.push(FieldError::new("food_mode", "class.food_mode_invalid"));
            FoodMode::NoMeals
        });
        let programme_id = ProgrammeId::parse(self.programme_id.trim());
        if programme_id.is_none() {
            errors.push(FieldError::new("programme_id", "class.programme_not_found"));
        }
        let host_org_id = match opt(&self.host_org_id) {
            None => None,
            Some(h) => OrgId::parse(&h).or_else(|| {
                errors.push(FieldError::new("host_org_id", "user.org_not_found"));
                None
            }),
        };
        let (Some(programme_id), true) = (programme_id, errors.is_empty()) else {
            return Err(AppError::Validation(errors));
        };
        let rules = [
            &self.rule_pickup,
            &self.rule_daily_safety,
            &self.rule_food_hygiene,
            &self.rule_emergency,
            &self.rule_epidemic,
        ];
        Ok(ClassInput {
            programme_id,
            host_org_id,
            name: self.name.clone(),
            address: self.address.clone(),
            start_date: self.start_date.clone(),
            end_date: self.end_date.clone(),
            daily_start: self.daily_start.clone(),
            daily_end: self.daily_end.clone(),
            capacity,
            model: self.model.clone(),
            management: self.management.clone(),
            partners: self.partners.lines().map(str::to_string).collect(),
            partner_agreement: self.partner_agreement.is_some(),
            qualification_review: self.qualification_review.is_some(),
            venue: Venue {
                independent: self.independent.is_some(),
                building_fire_supervision_safe: self.building_fire_supervision_safe.is_some(),
                away_from_hazards: self.away_from_hazards.is_some(),
                in_production_plant: self.in_production_plant.is_some(),
                in_basement: self.in_basement.is_some(),
                in_warehouse: self.in_warehouse.is_some(),
                illegal_or_dangerous_building: self.illegal_or_dangerous_building.is_some(),
                ventilation_and_light: self.ventilation_and_light.is_some(),
                cameras: self.cameras.is_some(),
                floor_area_m2,
            },
            food: Food {
                mode,
                caterer_name: opt(&self.caterer_name),
                licence_no: opt(&self.licence_no),
                licence_expiry,
                catering_agreement: self.catering_agreement.is_some(),
            },
            rules_in_force: RULE_KINDS
                .iter()
                .zip(rules)
                .filter(|(_, v)| v.is_some())
                .map(|(k, _)| k.to_string())
                .collect(),
        })
    }

    /// The form filled from a registration (for editing).
    pub fn from_input(i: &ClassInput) -> ClassForm {
        let on = |b: bool| b.then(|| "on".to_string());
        let has = |k: &str| on(i.rules_in_force.iter().any(|r| r == k));
        ClassForm {
            programme_id: i.programme_id.to_string(),
            host_org_id: i.host_org_id.map(|h| h.to_string()).unwrap_or_default(),
            name: i.name.clone(),
            address: i.address.clone(),
            start_date: i.start_date.clone(),
            end_date: i.end_date.clone(),
            daily_start: i.daily_start.clone(),
            daily_end: i.daily_end.clone(),
            capacity: i.capacity.to_string(),
            model: i.model.clone(),
            management: i.management.clone(),
            partners: i.partners.join("\n"),
            partner_agreement: on(i.partner_agreement),
            qualification_review: on(i.qualification_review),
            independent: on(i.venue.independent),
            building_fire_supervision_safe: on(i.venue.building_fire_supervision_safe),
            away_from_hazards: on(i.venue.away_from_hazards),
            in_production_plant: on(i.venue.in_production_plant),
            in_basement: on(i.venue.in_basement),
            in_warehouse: on(i.venue.in_warehouse),
            illegal_or_dangerous_building: on(i.venue.illegal_or_dangerous_building),
            ventilation_and_light: on(i.venue.ventilation_and_light),
            cameras: on(i.venue.cameras),
            floor_area_m2: i
                .venue
                .floor_area_m2
                .map(|v| v.to_string())
                .unwrap_or_default(),
            food_mode: i.food.mode.as_str().to_string(),
            caterer_name: i.food.caterer_name.clone().unwrap_or_default(),
            licence_no: i.food.licence_no.clone().unwrap_or_default(),
            licence_expiry: i
                .food
                .licence_expiry
                .map(|d| d.to_string())
                .unwrap_or_default(),
            catering_agreement: on(i.food.catering_agreement),
            rule_pickup: has("pickup"),
            rule_daily_safety: has("daily_safety"),
            rule_food_hygiene: has("food_hygiene"),
            rule_emergency: has("emergency"),
            rule_epidemic: has("epidemic"),
        }
    }

    pub fn checked(&self, v: &Option<String>) -> bool {
        v.is_some()
    }
}
