//! Typed identifiers: one newtype over a UUID per kind of record (`ClassId`, `OrgId`, `ChildId`, …).
//!
//! An id is parsed once, at the edge (a path, a form field, a JSON body), and travels typed from
//! there through services and stores: a function taking `(ClassId, ChildId)` cannot be handed the
//! two the wrong way round. In the database an id is the UUID's lowercase hyphenated TEXT on both
//! backends (as every id has been stored since the first migration); a stored value that is not a
//! UUID fails the read, naming the kind, never becomes a default.
//!
//! In a URL path a malformed id is the same 404 as an id nobody can see ([`IdPath`]); in a body or
//! query it is a 422 naming the field, like every other malformed field.

use std::fmt;
use std::str::FromStr;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::error::AppError;

/// Declares `pub struct $name(Uuid)` with everything an id needs: `Display`/`FromStr` as the
/// hyphenated UUID, serde as a string, sqlx as TEXT on both backends, an OpenAPI `string` of
/// format `uuid`, and `new()` for a fresh time-ordered id.
macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Uuid);

        #[expect(
            clippy::new_without_default,
            reason = "an id made up by `Default` (e.g. `#[serde(default)]`) would name no record"
        )]
        impl $name {
            /// A new identifier (UUID v7: time-ordered, never sequential in meaning).
            pub fn new() -> $name {
                $name(Uuid::now_v7())
            }

            /// The id a text names, if it is a UUID.
            pub fn parse(s: &str) -> Option<$name> {
                Uuid::try_parse(s).ok().map($name)
            }

            /// What kind of record this id names, for messages and decode errors.
            pub const KIND: &'static str = $kind;
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<$name, InvalidId> {
                $name::parse(s).ok_or(InvalidId($kind))
            }
        }

        /// A form sends ids as text: a template compares its selection with an id directly.
        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                $name::parse(other) == Some(*self)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                $name::parse(&s).ok_or_else(|| {
                    serde::de::Error::custom(concat!("not a ", $kind, " id (a UUID)"))
                })
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                        utoipa::openapi::KnownFormat::Uuid,
                    )))
                    .description(Some(concat!("Identifier of a ", $kind, " (UUID)")))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        impl<DB: sqlx::Database> sqlx::Type<DB> for $name
        where
            for<'a> &'a str: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <&str as sqlx::Type<DB>>::type_info()
            }
            fn compatible(ty: &DB::TypeInfo) -> bool {
                <&str as sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $name
        where
            String: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as sqlx::Database>::ArgumentBuffer,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <String as sqlx::Encode<'q, DB>>::encode(self.to_string(), buf)
            }
        }

        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name
        where
            &'r str: sqlx::Decode<'r, DB>,
        {
            fn decode(
                value: <DB as sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let s = <&'r str as sqlx::Decode<'r, DB>>::decode(value)?;
                $name::parse(s).ok_or_else(|| {
                    Box::new(crate::db::UnknownValue { kind: $kind, value: s.to_string() })
                        as sqlx::error::BoxDynError
                })
            }
        }

        impl From<$name> for crate::db::Arg {
            fn from(v: $name) -> crate::db::Arg {
                crate::db::Arg::from(v.to_string())
            }
        }

        impl From<&$name> for crate::db::Arg {
            fn from(v: &$name) -> crate::db::Arg {
                crate::db::Arg::from(v.to_string())
            }
        }

        impl From<&Option<$name>> for crate::db::Arg {
            fn from(v: &Option<$name>) -> crate::db::Arg {
                crate::db::Arg::from(v.map(|v| v.to_string()))
            }
        }

        impl From<Option<$name>> for crate::db::Arg {
            fn from(v: Option<$name>) -> crate::db::Arg {
                crate::db::Arg::from(v.map(|v| v.to_string()))
            }
        }
    };
}

/// A text that is not an id of the kind asked for.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("not a {0} id")]
pub struct InvalidId(pub &'static str);

typed_id!(
    /// 工会组织 — an organisation of the tree.
    OrgId, "organisation");
typed_id!(
    /// A person who signs in.
    UserId, "user");
typed_id!(
    /// One role a user holds over an organisation (a row of `user_roles`).
    GrantId, "role grant");
typed_id!(
    /// 专案 — a programme.
    ProgrammeId, "programme");
typed_id!(
    /// A deadline of a programme.
    MilestoneId, "milestone");
typed_id!(
    /// A unit's work plan or report against a milestone.
    SubmissionId, "submission");
typed_id!(
    /// 托管班 — a class.
    ClassId, "class");
typed_id!(
    /// 师资 — a person on a class's staff roster.
    StaffId, "staff member");
typed_id!(
    /// An uploaded document or photo.
    FileId, "file");
typed_id!(
    /// A federation's inspection plan (抽查计划) for a programme.
    InspectionPlanId, "inspection plan");
typed_id!(
    /// One class to inspect in a plan (督导检查).
    InspectionId, "inspection");
typed_id!(
    /// A rectification task (整改) from an inspection's finding.
    RectificationId, "rectification");
typed_id!(
    /// 监护人 — a guardian.
    GuardianId, "guardian");
typed_id!(
    /// A child.
    ChildId, "child");
typed_id!(
    /// 接送人 — a person authorised to collect a child.
    PickupId, "pickup person");
typed_id!(
    /// An application of a child to a class.
    ApplicationId, "application");
typed_id!(
    /// A roster import.
    ImportId, "roster import");
typed_id!(
    /// A daily log entry of a class (patrol, disinfection, meal, cleaning, drill).
    LogId, "log entry");
typed_id!(
    /// 事故/不良事件 — an incident.
    IncidentId, "incident");
typed_id!(
    /// An item of a class's weekly schedule.
    ScheduleItemId, "schedule item");

typed_id!(
    /// A class's application to be named a model class (示范托管班).
    ModelApplicationId, "model-class application");
typed_id!(
    /// A public notice (公示) of the classes proposed as model classes.
    NoticeId, "notice");
typed_id!(
    /// An objection received during a notice.
    ObjectionId, "objection");

typed_id!(
    /// An entry of a class's ledger (收支明细): a receipt, a payment or a counter-entry.
    LedgerEntryId, "ledger entry");
typed_id!(
    /// A programme's subsidy rule (补助规则).
    SubsidyRuleId, "subsidy rule");
typed_id!(
    /// A batch of subsidies a federation approved (补助批次).
    SubsidyBatchId, "subsidy batch");
typed_id!(
    /// A class's line in a subsidy batch.
    SubsidyLineId, "subsidy line");

impl UserId {
    /// The platform itself acting (the command line, the demo loader): the nil UUID, which no
    /// account has.
    pub const SYSTEM: UserId = UserId(Uuid::nil());
}

impl GrantId {
    /// The one role of [`UserId::SYSTEM`].
    pub const SYSTEM: GrantId = GrantId(Uuid::nil());
}

impl OrgId {
    /// The organisation a materialised path (`/id/id/…/`) ends at.
    pub fn of_path(path: &str) -> Option<OrgId> {
        OrgId::parse(path.trim_end_matches('/').rsplit('/').next()?)
    }
}

/// An optional id from a form's text field (a select may send nothing): empty text is none, text
/// that is no id is an error of `field` with the message `key`.
pub fn from_form<T: FromStr>(
    text: &str,
    field: &'static str,
    key: &'static str,
) -> Result<Option<T>, AppError> {
    match text.trim() {
        "" => Ok(None),
        t => t.parse().map(Some).map_err(|_| AppError::field(field, key)),
    }
}

/// A path whose ids are parsed at the edge: `IdPath(id): IdPath<ClassId>`, or a tuple
/// `IdPath((class, staff)): IdPath<(ClassId, StaffId)>`. A malformed id answers 404, the same as a
/// well-formed id of a record the caller may not see, so a path tells a prober nothing.
pub struct IdPath<T>(pub T);

impl<S, T> FromRequestParts<S> for IdPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(t)) => Ok(IdPath(t)),
            Err(_) => Err(AppError::NotFound),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_reads_back_as_it_was_written() {
        let id = ClassId::new();
        assert_eq!(ClassId::parse(&id.to_string()), Some(id));
        assert_eq!(id.to_string().len(), 36);
        assert_eq!(id.to_string(), id.to_string().to_lowercase());
    }

    #[test]
    fn text_that_is_not_a_uuid_is_no_id() {
        for s in [
            "",
            "1",
            "../etc",
            "0195f7a2-0000-7000-8000-00000000000g",
            "classes",
        ] {
            assert_eq!(ClassId::parse(s), None, "{s}");
            assert!(s.parse::<ChildId>().is_err(), "{s}");
        }
    }

    #[test]
    fn an_id_in_json_is_its_text_and_a_wrong_text_is_refused() {
        let id = OrgId::new();
        let text = serde_json::to_string(&id).unwrap();
        assert_eq!(text, format!("\"{id}\""));
        assert_eq!(serde_json::from_str::<OrgId>(&text).unwrap(), id);
        assert!(serde_json::from_str::<OrgId>("\"nope\"").is_err());
    }

    #[test]
    fn an_upper_case_uuid_names_the_same_record() {
        let id = ChildId::new();
        let upper = id.to_string().to_uppercase();
        assert_eq!(ChildId::parse(&upper), Some(id));
    }
}
