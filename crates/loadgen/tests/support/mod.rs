//! Runs the load generator against the debug server binary on a throwaway SQLite file.

use std::path::PathBuf;
use std::process::Command;

/// `tuoguan-loadgen` with `args` on a fresh SQLite database (20 classes × 10 children, 16
/// clients); asserts it succeeded and returns what it printed.
pub fn loadgen(name: &str, args: &[&str]) -> String {
    let loadgen = PathBuf::from(env!("CARGO_BIN_EXE_tuoguan-loadgen"));
    // The server binary is built beside this one by the workspace test build.
    let server = loadgen.with_file_name("tuoguan");
    assert!(
        server.exists(),
        "{} is missing: build the workspace (scripts/test.sh does)",
        server.display()
    );
    let dir = std::env::temp_dir().join(format!("tuoguan-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join(format!("{name}.db")).display());
    let out = Command::new(&loadgen)
        .args(["--database-url", &url, "--server-bin"])
        .arg(&server)
        .args(["--classes", "20", "--children", "10", "--clients", "16"])
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    stdout
}
