//! Integration tests: user stories against the real app, each on SQLite and on PostgreSQL.

mod support;

mod advisories;
mod api_contract;
mod attendance;
mod attendance_rates;
mod audit;
mod auth;
mod auth_throttle;
mod browser;
mod browser_enrolment;
mod browser_roll;
mod browser_roll_phone;
mod calendar;
mod capabilities;
mod class_records;
mod classes;
mod csrf_sweep;
mod enrolment;
mod enrolment_rights;
mod fuzz;
mod fuzz_import;
mod openapi_types;
mod operations;
mod operations_pages;
mod orgs;
mod process;
mod programmes;
mod roster_import;
mod schemathesis;
mod scope_sweep;
mod scope_sweep_pages;
mod tallies;
mod uploads;
mod users;
