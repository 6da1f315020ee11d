//! The confirmation of a consequential step (issue 15, PRODUCT.md "Irreversible steps"): closing a
//! class, withdrawing or rejecting an application, deactivating a user, reissuing a pickup card.
//!
//! Without JavaScript the step's form posts without `confirm=1`; the handler then renders
//! [`ConfirmPage`] — the consequence with its numbers, 确认 (the same post with `confirm=1`) and
//! 返回 — and changes nothing. With JavaScript, `static/confirm.js` shows the same sentence (the
//! button's `data-confirm`) in a `<dialog>` and posts with `confirm=1` itself. The JSON API does not
//! confirm: scripts know what they ask for.

use askama::Template;
use axum::response::Response;

use super::{Ctx, render};
use crate::error::AppError;

/// Whether a form carries the confirmation (`confirm=1`).
pub fn confirmed(v: &Option<String>) -> bool {
    v.as_deref() == Some("1")
}

/// The page that asks before a step is taken.
#[derive(Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    pub ctx: Ctx,
    /// What is about to happen ("结束托管班").
    pub title: String,
    /// What it means, with numbers ("结束后不能再签到；本班有 6 名在册儿童。").
    pub consequence: String,
    /// Where 确认 posts (the step's own form action).
    pub action: String,
    /// The step's form fields, posted again with `confirm=1`.
    pub fields: Vec<(String, String)>,
    /// The confirming button's words.
    pub confirm_label: String,
    /// Where 返回 leads.
    pub back: String,
}

impl ConfirmPage {
    /// Renders the question (200: nothing was refused, nothing was done).
    pub fn render(self) -> Result<Response, AppError> {
        render(&self)
    }
}
