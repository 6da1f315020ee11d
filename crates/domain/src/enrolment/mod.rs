//! Children and enrolment (儿童与报名), PRODUCT.md §5: who may take a place, how places are drawn when
//! applications exceed them, and the validation of one row of a roster import.

mod cells;
pub mod eligibility;
pub mod lottery;
pub mod priority;
pub mod roster_row;

pub use eligibility::{ClassLoad, Grade, Ineligible, OtherPlacement, check};
pub use lottery::{Applicant, Draw, draw, seed_from};
pub use priority::Priority;
pub use roster_row::{
    COLUMN_KEYS, Gender, RawCell, RosterRow, RowError, TEMPLATE_HEADERS, child_key, dedupe_key,
    parse_row,
};
