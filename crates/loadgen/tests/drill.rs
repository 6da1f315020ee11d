//! The short backup drill of the suite: `tuoguan backup` while check-ins are written, the copy
//! opened as a fresh database, migrated and recounted (`scripts/backup-drill.sh` runs it on a
//! release build, and on PostgreSQL with `DATABASE_URL`).

mod support;

#[test]
fn a_backup_under_load_restores_with_every_earlier_check_in() {
    let out = support::loadgen("drill", &["--seconds", "3", "--backup-drill"]);
    assert!(
        out.contains("0 acknowledged missing, integrity_check ok"),
        "{out}"
    );
}
