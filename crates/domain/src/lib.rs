//! Pure rules of tuoguan (托管), the trade union's holiday day-care classes for workers'
//! children: China's working-day calendar (工作日), resident ID numbers (居民身份证号码),
//! mainland mobile numbers (手机号码) and the password policy.
//!
//! No I/O: the shipped data files are embedded at compile time, and "today" is always passed
//! in, so everything here is deterministic and unit-tested beside the code.

pub mod calendar;
pub mod id_number;
pub mod password;
pub mod phone;

pub use calendar::{
    CalendarCsvError, CalendarDay, DayKind, WorkCalendar, WorkingDayCount, parse_calendar_csv,
    shipped_days,
};
pub use id_number::{IdNumber, IdNumberError};
pub use password::{MAX_PASSWORD_LEN, MIN_PASSWORD_LEN, PasswordError, check_password};
pub use phone::{Phone, PhoneError};
