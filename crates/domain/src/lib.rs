//! Pure rules of tuoguan (托管), the trade union's holiday day-care classes for workers'
//! children: China's working-day calendar (工作日), resident ID numbers (居民身份证号码),
//! mainland mobile numbers (手机号码), the password policy, programme rules and milestones
//! (专案), class approval checks (审核检查) and operating days (托管天数).
//!
//! No I/O: the shipped data files are embedded at compile time, and "today" is always passed
//! in, so everything here is deterministic and unit-tested beside the code.

pub mod attendance;
pub mod calendar;
pub mod class_checks;
pub mod enrolment;
pub mod evaluation;
pub mod funding;
pub mod id_number;
pub mod inspection;
pub mod operating_days;
pub mod password;
pub mod phone;
pub mod programme;

pub use calendar::{
    CalendarCsvError, CalendarDay, DayKind, WorkCalendar, WorkingDayCount, parse_calendar_csv,
    shipped_days,
};
pub use class_checks::{
    CHECK_CODES, Check, ClassFacts, ClassModel, Food, FoodMode, Level, Management, Venue,
    approvable, approval_checks, running_warnings,
};
pub use id_number::{IdNumber, IdNumberError};
pub use operating_days::{operating_dates, operating_days, ranges_overlap};
pub use password::{MAX_PASSWORD_LEN, MIN_PASSWORD_LEN, PasswordError, check_password};
pub use phone::{Phone, PhoneError};
pub use programme::{
    MilestoneKind, MilestoneStatus, ProgrammeRules, RULE_CODES, Season, SubmissionState, Targets,
    default_milestones, milestone_status, reminder_due,
};
