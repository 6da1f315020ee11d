//! Runs the load generator against the debug server binary on a throwaway SQLite file.
// Each test binary uses a part of this module.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

/// `tuoguan-loadgen` with `args` on a fresh SQLite database (20 classes × 10 children, 16
/// clients); asserts it succeeded and returns what it printed.
pub fn loadgen(name: &str, args: &[&str]) -> String {
    loadgen_steps(name, &[args]).pop().unwrap_or_default()
}

/// `tuoguan-loadgen` run once per step, each with that step's arguments, on the same fresh SQLite
/// database; asserts each succeeded and returns what each printed.
pub fn loadgen_steps(name: &str, steps: &[&[&str]]) -> Vec<String> {
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
    let mut printed = Vec::new();
    for args in steps {
        let out = Command::new(&loadgen)
            .args(["--database-url", &url, "--server-bin"])
            .arg(&server)
            .args(["--classes", "20", "--children", "10", "--clients", "16"])
            .args(*args)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            let _ = std::fs::remove_dir_all(&dir);
            panic!("{stdout}\n{stderr}");
        }
        printed.push(stdout);
    }
    let _ = std::fs::remove_dir_all(&dir);
    printed
}
