//! The short crash test of the suite: three SIGKILLs of the real server under check-in load;
//! no acknowledged check-in may be lost, none applied twice, and the SQLite file must pass
//! `PRAGMA integrity_check`. `scripts/crash-test.sh` runs the long one (20 kills, release build).

use std::path::PathBuf;
use std::process::Command;

#[test]
fn three_kills_under_load_lose_no_acknowledged_check_in() {
    let loadgen = PathBuf::from(env!("CARGO_BIN_EXE_tuoguan-loadgen"));
    // The server binary is built beside this one by the workspace test build.
    let server = loadgen.with_file_name("tuoguan");
    assert!(
        server.exists(),
        "{} is missing: build the workspace (scripts/test.sh does)",
        server.display()
    );
    let dir = std::env::temp_dir().join(format!("tuoguan-crash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("crash.db").display());
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
            "--crash-kills",
            "3",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("lost 0, duplicated 0"), "{stdout}");
    assert!(stdout.contains("integrity_check ok"), "{stdout}");
}
