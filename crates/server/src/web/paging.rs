//! Long lists a page at a time (issue 6): at national size a list of units, users or classes runs
//! to tens of thousands of rows, so list pages read one page with `LIMIT`/`OFFSET` (and one row
//! more, to know whether another follows) and show where the reader is (`101–200`) with links
//! either way; the API's lists return at most 1,000 rows a call.

use serde::Deserialize;

/// Rows on one page of a list.
pub const PER_PAGE: i64 = 100;

/// `?page=N` (1-based; out of range means the nearest page).
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    pub page: Option<i64>,
}

/// Most rows one call of a JSON list returns.
pub const API_MAX: i64 = 1_000;

/// `?limit=&offset=` of the API's lists: a caller pages on until a call returns fewer than `limit`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Rows to return, 1–1000 (default 1000)
    #[serde(default)]
    pub limit: Option<i64>,
    /// Rows to skip first (default 0)
    #[serde(default)]
    pub offset: Option<i64>,
}

impl ListQuery {
    pub fn limit(&self) -> i64 {
        self.limit.unwrap_or(API_MAX).clamp(1, API_MAX)
    }

    pub fn offset(&self) -> i64 {
        self.offset.unwrap_or(0).max(0)
    }
}

/// Where a list page is, and the links to its neighbours. Lists read one row more than a page
/// to know whether another page follows, so no list counts its whole length.
#[derive(Debug, Clone)]
pub struct Pager {
    pub page: i64,
    /// Rows on this page.
    pub rows: i64,
    pub more: bool,
    /// The list's URL without `page` (it may carry other query parameters).
    pub base: String,
}

impl Pager {
    /// The page asked for (1 when absent or below 1), before reading it.
    pub fn asked(page: Option<i64>, base: impl Into<String>) -> Pager {
        Pager {
            page: page.unwrap_or(1).max(1),
            rows: 0,
            more: false,
            base: base.into(),
        }
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1).saturating_mul(PER_PAGE)
    }

    /// What to read: a page and one row more.
    pub fn limit(&self) -> i64 {
        PER_PAGE + 1
    }

    /// Keeps a page of what was read and notes whether more follow.
    pub fn take<T>(&mut self, mut read: Vec<T>) -> Vec<T> {
        self.more = read.len() as i64 > PER_PAGE;
        read.truncate(PER_PAGE as usize);
        self.rows = read.len() as i64;
        read
    }

    fn href(&self, page: i64) -> String {
        let sep = if self.base.contains('?') { '&' } else { '?' };
        format!("{}{sep}page={page}", self.base)
    }

    pub fn prev(&self) -> Option<String> {
        (self.page > 1).then(|| self.href(self.page - 1))
    }

    pub fn next(&self) -> Option<String> {
        self.more.then(|| self.href(self.page + 1))
    }

    /// Whether there is more than one page to move between.
    pub fn shown(&self) -> bool {
        self.page > 1 || self.more
    }

    /// `101–200`.
    pub fn position(&self) -> String {
        if self.rows == 0 {
            return "0".into();
        }
        format!("{}–{}", self.offset() + 1, self.offset() + self.rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_knows_its_neighbours_without_counting() {
        let mut p = Pager::asked(Some(2), "/users");
        assert_eq!((p.offset(), p.limit()), (100, 101));
        let page = p.take((0..101).collect::<Vec<_>>());
        assert_eq!(page.len(), 100);
        assert_eq!(p.position(), "101–200");
        assert_eq!(p.prev().as_deref(), Some("/users?page=1"));
        assert_eq!(p.next().as_deref(), Some("/users?page=3"));
        let mut last = Pager::asked(Some(3), "/p?x=1");
        last.take(vec![1, 2, 3]);
        assert_eq!(
            (last.next(), last.position()),
            (None, "201–203".to_string())
        );
        assert_eq!(last.prev().as_deref(), Some("/p?x=1&page=2"));
        let mut only = Pager::asked(None, "/users");
        only.take(vec![1]);
        assert!(!only.shown());
    }
}
