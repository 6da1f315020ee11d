//! The short backup drill of the suite: `tuoguan backup` while check-ins are written, the copy
//! opened as a fresh database, migrated and recounted (`scripts/backup-drill.sh` runs it on a
//! release build, and on PostgreSQL with `DATABASE_URL`).

use std::path::PathBuf;
use std::process::Command;

#[test]
fn a_backup_under_load_restores_with_every_earlier_check_in() {
    let loadgen = PathBuf::from(env!("CARGO_BIN_EXE_tuoguan-loadgen"));
    let server = loadgen.with_file_name("tuoguan");
    assert!(
        server.exists(),
        "{} is missing: build the workspace (scripts/test.sh does)",
        server.display()
    );
    let dir = std::env::temp_dir().join(format!("tuoguan-drill-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("drill.db").display());
    let out = Command::new(&loadgen)
        .args(["--database-url", &url, "--server-bin"])
        .arg(&server)
        .args([
            "--classes",
            "20",
            "--children",
            "10",
            "--clients",
            "16",
            "--seconds",
            "3",
        ])
        .arg("--backup-drill")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("0 acknowledged missing, integrity_check ok"),
        "{stdout}"
    );
}
