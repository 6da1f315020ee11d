//! The design language's words and times (docs/UI.md), read from the HTML a person gets: Beijing
//! time instead of RFC 3339, no raw codes, 退出登录 in the header, a flash once, and a refused
//! pickup that says which child it was about.

use serde_json::json;

use crate::attendance::{hospital_class, roll, tap};
use crate::both;
use crate::support::web::WebSession;
use crate::support::{Backend, TestApp};

/// The text a person sees: tags (and their attributes, such as `<time datetime>`) removed.
fn visible(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(ch),
            _ => {}
        }
    }
    out
}

/// An RFC 3339 instant such as `2026-12-01T22:43:38Z` in `text`.
fn has_rfc3339(text: &str) -> bool {
    let b = text.as_bytes();
    b.windows(16).any(|w| {
        let d = |i: usize| w[i].is_ascii_digit();
        (0..4).all(d)
            && w[4] == b'-'
            && d(5)
            && d(6)
            && w[7] == b'-'
            && d(8)
            && d(9)
            && w[10] == b'T'
            && d(11)
            && d(12)
            && w[13] == b':'
            && d(14)
            && d(15)
    })
}

both!(
    pages_show_beijing_time_and_the_interfaces_own_words,
    words_and_times
);
async fn words_and_times(b: Backend) {
    let app = TestApp::spawn(b).await;
    let class = hospital_class(&app).await;
    let unit = WebSession::login(&app, "hospital_admin").await;
    let (_, page) = unit.get(&format!("/classes/{class}?ok=created")).await;
    let text = visible(&page);
    assert!(!has_rfc3339(&text), "the class page shows a UTC time");
    assert!(text.contains("退出登录"), "sign-out says 退出登录");
    assert_eq!(text.matches("已创建。").count(), 1, "a flash once");
    assert!(
        page.contains("badge badge-ok\" id=\"class-status\""),
        "运行中 is ok-toned"
    );

    let admin = WebSession::login(&app, "admin").await;
    let (_, audit) = admin.get("/audit").await;
    assert!(
        !has_rfc3339(&visible(&audit)),
        "the audit log shows UTC times"
    );

    // The demo parent's paperwork: the channel in words, printing as a button.
    let parent = WebSession::login(&app, "parent").await;
    let (_, children) = parent.get("/children").await;
    let at = children
        .find("/applications/")
        .expect("an application link");
    let id: String = children[at + "/applications/".len()..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    let (_, application) = parent.get(&format!("/applications/{id}")).await;
    let text = visible(&application);
    assert!(
        !text.contains("Ctrl+P"),
        "printing is a button, not a shortcut"
    );
    assert!(application.contains("data-print"), "{application}");
    for raw in ["paper", "system", " web", "withdrawn"] {
        assert!(!text.contains(raw), "raw {raw:?} in the Chinese page");
    }
}

both!(a_refused_pickup_on_the_roll_names_the_child, refused_pickup);
async fn refused_pickup(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.token("class_staff").await;
    let class = hospital_class(&app).await;
    let day = "2026-07-20";
    let r = roll(&app, &staff, &class, day).await;
    let child = &r["children"][0];
    let (id, name) = (
        child["child_id"].as_str().unwrap(),
        child["name"].as_str().unwrap(),
    );
    let stranger = json!({"child_id": id, "action": "check_out", "day": day,
        "at": format!("{day}T17:00"), "person": "陌生人张三"});
    let (status, _) = tap(&app, &staff, &class, Some("k-refused"), stranger).await;
    assert_eq!(status.as_u16(), 409);
    let web = WebSession::login(&app, "class_staff").await;
    let (_, page) = web.get(&format!("/classes/{class}/roll?day={day}")).await;
    let events = &page[page.find("roll-events").expect("the refusals section")..];
    let line = &events[..events.find("</li>").expect("one refusal")];
    assert!(
        line.contains(name) && line.contains("陌生人张三"),
        "the record names the child: {line}"
    );
}
