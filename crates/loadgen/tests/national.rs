//! The national generator and read benchmark at a small scale (`scripts/national.sh` runs them at
//! national size on a release build): the dataset is generated, every page and export answers 200
//! with a body as the user who opens it, check-ins on the free days are all accepted, and the
//! dashboard's figures agree with what was generated; roster files and documents at the size
//! limits go through at once.

mod support;

#[test]
fn a_generated_country_answers_every_page_and_takes_check_ins() {
    let out = support::loadgen_steps(
        "national",
        &[
            &["--generate", "small"],
            &[
                "--read-bench",
                "--requests",
                "20",
                "--seconds",
                "1",
                "--file-rounds",
                "1",
            ],
        ],
    );
    assert!(out[0].contains("attendance: 28000"), "{}", out[0]);
    let report = &out[1];
    for page in [
        "national dashboard (API)",
        "national July report (API)",
        "unit July report (API)",
        "class roll (page)",
        "50-child roster export (.xlsx)",
    ] {
        let line = report
            .lines()
            .find(|l| l.starts_with(&format!("| {page} |")))
            .unwrap_or_else(|| panic!("no line for {page} in {report}"));
        assert!(line.ends_with("| 0 |"), "{line}");
    }
    assert!(report.contains(", 0 errors"), "{report}");
    let files = report
        .lines()
        .find(|l| l.starts_with("large files"))
        .unwrap_or_else(|| panic!("no large-file line in {report}"));
    assert!(files.ends_with("; 0 errors"), "{files}");
    assert!(
        report.contains("kept figures equal a recount (below 2,000 units): true"),
        "{report}"
    );
}
