//! 工会组织 — the organisation tree: federations at every level and grassroots unions.
//! Each organisation keeps its materialised path (`/root-id/…/own-id/`) so a subtree is one range.

pub mod api;
pub mod routes;
pub mod service;
mod store;

/// The reads other domains use; each takes the caller's [`crate::auth::Scope`].
use crate::ids::OrgId;
pub use store::{active_page, children_in, get, list, search};

use serde::{Deserialize, Serialize};

/// The level of an organisation. Depth is not fixed: a grassroots union may sit under a city.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// 全国总工会
    National,
    /// 省总工会
    Province,
    /// 市总工会
    City,
    /// 县(区)总工会
    District,
    /// 基层工会
    Grassroots,
}

impl OrgKind {
    pub const ALL: [OrgKind; 5] = [
        OrgKind::National,
        OrgKind::Province,
        OrgKind::City,
        OrgKind::District,
        OrgKind::Grassroots,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::National => "national",
            OrgKind::Province => "province",
            OrgKind::City => "city",
            OrgKind::District => "district",
            OrgKind::Grassroots => "grassroots",
        }
    }

    pub fn parse(s: &str) -> Option<OrgKind> {
        OrgKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    fn rank(self) -> u8 {
        self as u8
    }

    /// A child sits below its parent's level; grassroots unions may group grassroots unions
    /// (a building's joint union, 楼宇联合工会, over its member companies' unions).
    pub fn may_contain(self, child: OrgKind) -> bool {
        child.rank() > self.rank() || (self == OrgKind::Grassroots && child == OrgKind::Grassroots)
    }

    pub fn is_federation(self) -> bool {
        self != OrgKind::Grassroots
    }
}

/// What kind of grassroots union it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnitType {
    /// 企事业单位工会
    Employer,
    /// 社区工会
    Community,
    /// 街道工会
    Street,
    /// 产业园区工会
    Park,
    /// 楼宇联合工会
    Building,
    /// 其他
    Other,
}

impl UnitType {
    pub const ALL: [UnitType; 6] = [
        UnitType::Employer,
        UnitType::Community,
        UnitType::Street,
        UnitType::Park,
        UnitType::Building,
        UnitType::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UnitType::Employer => "employer",
            UnitType::Community => "community",
            UnitType::Street => "street",
            UnitType::Park => "park",
            UnitType::Building => "building",
            UnitType::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<UnitType> {
        UnitType::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

crate::stored_as_text!(OrgKind, "organisation kind");

/// An organisation as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Org {
    pub id: OrgId,
    pub parent_id: Option<OrgId>,
    pub path: String,
    pub name: String,
    pub kind: OrgKind,
    pub unit_type: Option<String>,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Org {
    pub fn kind(&self) -> OrgKind {
        self.kind
    }

    /// Number of levels from the tree's top (a root is 0).
    pub fn depth(&self) -> usize {
        self.path.matches('/').count().saturating_sub(2)
    }
}

/// 工会 JSON view.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrgView {
    pub id: OrgId,
    pub parent_id: Option<OrgId>,
    pub name: String,
    pub kind: OrgKind,
    pub unit_type: Option<UnitType>,
    pub active: bool,
    /// RFC 3339, UTC
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Org> for OrgView {
    fn from(o: &Org) -> Self {
        OrgView {
            id: o.id,
            parent_id: o.parent_id,
            name: o.name.clone(),
            kind: o.kind(),
            unit_type: o.unit_type.as_deref().and_then(UnitType::parse),
            active: o.active,
            created_at: crate::web::pages::rfc3339(o.created_at),
            updated_at: crate::web::pages::rfc3339(o.updated_at),
        }
    }
}

/// Input of a new organisation (form or JSON).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NewOrg {
    /// Parent organisation; empty only for a new top-level organisation (system admin).
    #[serde(default)]
    #[schema(value_type = Option<OrgId>)]
    pub parent_id: Option<String>,
    pub name: String,
    /// Any other value is refused with a field error (422).
    #[schema(value_type = OrgKind)]
    pub kind: String,
    /// For grassroots unions only.
    #[serde(default)]
    #[schema(value_type = Option<UnitType>)]
    pub unit_type: Option<String>,
}

/// A change to an organisation; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct OrgPatch {
    #[serde(default)]
    pub name: Option<String>,
    /// Move the unit (with its subtree) under another parent.
    #[serde(default)]
    #[schema(value_type = Option<OrgId>)]
    pub parent_id: Option<String>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    #[schema(value_type = Option<UnitType>)]
    pub unit_type: Option<String>,
}
