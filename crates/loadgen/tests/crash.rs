//! The short crash test of the suite: three SIGKILLs of the real server under check-in load;
//! no acknowledged check-in may be lost, none applied twice, and the SQLite file must pass
//! `PRAGMA integrity_check`. `scripts/crash-test.sh` runs the long one (20 kills, release build).

mod support;

#[test]
fn three_kills_under_load_lose_no_acknowledged_check_in() {
    let out = support::loadgen("crash", &["--crash-kills", "3"]);
    assert!(out.contains("lost 0, duplicated 0"), "{out}");
    assert!(out.contains("integrity_check ok"), "{out}");
}
