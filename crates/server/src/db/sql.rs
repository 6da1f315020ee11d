//! One way to build a query whose shape depends on its input: a scope's path ranges, an `IN`
//! list, a multi-row `VALUES`. [`Sql`] numbers every placeholder itself as a value is bound, so
//! no caller counts `$n` and no condition is renumbered after the fact; the same text runs on
//! SQLite and PostgreSQL. A query of fixed shape stays a `const SQL: &str` with `sqlx::query`.

use sqlx::AssertSqlSafe;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;

use super::{Db, Tx};
use crate::auth::Scope;
use crate::{on_db, on_tx};

/// A value bound to a placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Text(Option<String>),
    Int(Option<i64>),
    Float(Option<f64>),
    Bool(Option<bool>),
    Bytes(Option<Vec<u8>>),
}

macro_rules! arg_from {
    ($variant:ident, $t:ty, $conv:expr) => {
        impl From<$t> for Arg {
            fn from(v: $t) -> Arg {
                Arg::$variant(Some($conv(v)))
            }
        }
        impl From<Option<$t>> for Arg {
            fn from(v: Option<$t>) -> Arg {
                Arg::$variant(v.map($conv))
            }
        }
    };
}

arg_from!(Text, String, |v| v);
arg_from!(Text, &String, |v: &String| v.clone());
arg_from!(Text, &str, |v: &str| v.to_string());
arg_from!(Text, &&str, |v: &&str| v.to_string());
arg_from!(Int, i64, |v| v);
arg_from!(Int, &i64, |v: &i64| *v);
arg_from!(Int, i32, i64::from);
arg_from!(Int, u32, i64::from);
arg_from!(Float, f64, |v| v);
arg_from!(Bool, bool, |v| v);
arg_from!(Bool, &bool, |v: &bool| *v);
arg_from!(Bytes, Vec<u8>, |v| v);

impl From<&Option<String>> for Arg {
    fn from(v: &Option<String>) -> Arg {
        Arg::Text(v.clone())
    }
}

impl From<&Option<i64>> for Arg {
    fn from(v: &Option<i64>) -> Arg {
        Arg::Int(*v)
    }
}

/// Binds every argument in order to a sqlx query of either backend.
macro_rules! bind_all {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Arg::Text(v) => q.bind(v),
                Arg::Int(v) => q.bind(v),
                Arg::Float(v) => q.bind(v),
                Arg::Bool(v) => q.bind(v),
                Arg::Bytes(v) => q.bind(v),
            };
        }
        q
    }};
}

/// A row type both backends can decode.
pub trait Row:
    for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> Row for T where
    T: for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin
{
}

/// SQL text with its bound values; placeholders are numbered as values are bound.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_string(),
            args: Vec::new(),
        }
    }

    /// SQL whose placeholders (`$1`, `$2`, …) are written out, with their values in order: for a
    /// fixed statement run with values of several types (the demo's inserts).
    pub fn with_args(text: &str, args: Vec<Arg>) -> Sql {
        Sql {
            text: text.to_string(),
            args,
        }
    }

    /// Appends SQL text (never a value: values go through [`Sql::bind`]).
    pub fn push(mut self, text: &str) -> Sql {
        self.text.push_str(text);
        self
    }

    /// Appends the next placeholder and binds `v` to it.
    pub fn bind(mut self, v: impl Into<Arg>) -> Sql {
        self.args.push(v.into());
        self.text.push('$');
        self.text.push_str(&self.args.len().to_string());
        self
    }

    /// Appends `a, b, c` — one placeholder per value, for an `IN (…)` list (callers keep the
    /// list non-empty: `IN ()` is not SQL).
    pub fn list<V: Into<Arg>>(mut self, values: impl IntoIterator<Item = V>) -> Sql {
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self = self.bind(v);
        }
        self
    }

    /// Appends `(a, b), (c, d)` — the rows of a multi-row `VALUES`.
    pub fn rows<R, V>(mut self, rows: impl IntoIterator<Item = R>) -> Sql
    where
        R: IntoIterator<Item = V>,
        V: Into<Arg>,
    {
        for (i, row) in rows.into_iter().enumerate() {
            self.text.push_str(if i > 0 { ", (" } else { "(" });
            self = self.list(row).push(")");
        }
        self
    }

    /// Appends `(a = $1 AND b = $2) OR (a = $3 AND b = $4)`: one group per key, so both SQLite (a
    /// multi-index OR) and PostgreSQL (a bitmap OR) search the primary key for each — a row-value
    /// `IN` list makes SQLite scan the whole table.
    pub fn any_key<R, V>(mut self, cols: &[&str], keys: impl IntoIterator<Item = R>) -> Sql
    where
        R: IntoIterator<Item = V>,
        V: Into<Arg>,
    {
        for (i, key) in keys.into_iter().enumerate() {
            self.text.push_str(if i > 0 { " OR (" } else { "(" });
            for (j, (col, v)) in cols.iter().zip(key).enumerate() {
                if j > 0 {
                    self.text.push_str(" AND ");
                }
                self = self.push(col).push(" = ").bind(v);
            }
            self.text.push(')');
        }
        self
    }

    /// Appends a condition restricting the path column `col` to `scope`: one index range per root
    /// of the scope (`1=1` for everything, `1=0` for nothing).
    pub fn scope(self, col: &str, scope: &Scope) -> Sql {
        match scope {
            Scope::All => self.push("1=1"),
            Scope::Subtrees(roots) if roots.is_empty() => self.push("1=0"),
            Scope::Subtrees(roots) => {
                let mut q = self.push("(");
                for (i, root) in roots.iter().enumerate() {
                    let (lo, hi) = super::subtree_bounds(root);
                    q = q
                        .push(if i > 0 { " OR (" } else { "(" })
                        .push(col)
                        .push(" >= ")
                        .bind(lo)
                        .push(" AND ")
                        .push(col)
                        .push(" < ")
                        .bind(hi)
                        .push(")");
                }
                q.push(")")
            }
        }
    }

    /// The SQL text as built (for tests and `EXPLAIN`).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The values bound so far, in placeholder order.
    pub fn args(&self) -> &[Arg] {
        &self.args
    }

    pub async fn fetch_all<T: Row>(self, db: &Db) -> sqlx::Result<Vec<T>> {
        let Sql { text, args } = self;
        on_db!(db, p => bind_all!(sqlx::query_as::<_, T>(AssertSqlSafe(text)), args).fetch_all(p).await)
    }

    pub async fn fetch_optional<T: Row>(self, db: &Db) -> sqlx::Result<Option<T>> {
        let Sql { text, args } = self;
        on_db!(db, p => bind_all!(sqlx::query_as::<_, T>(AssertSqlSafe(text)), args).fetch_optional(p).await)
    }

    pub async fn fetch_one<T: Row>(self, db: &Db) -> sqlx::Result<T> {
        let Sql { text, args } = self;
        on_db!(db, p => bind_all!(sqlx::query_as::<_, T>(AssertSqlSafe(text)), args).fetch_one(p).await)
    }

    /// The first column of the one row.
    pub async fn fetch_scalar<T>(self, db: &Db) -> sqlx::Result<T>
    where
        (T,): Row,
    {
        Ok(self.fetch_one::<(T,)>(db).await?.0)
    }

    /// Rows inside a write transaction.
    /// Runs the query and hands each row to `each` as it arrives, never holding them all (the
    /// exports of a whole programme's ledger).
    pub async fn for_each<T: Row, E: From<sqlx::Error>>(
        self,
        db: &Db,
        mut each: impl FnMut(T) -> Result<(), E>,
    ) -> Result<(), E> {
        use futures_util::TryStreamExt;
        let Sql { text, args } = self;
        on_db!(db, p => {
            let mut rows = bind_all!(sqlx::query_as::<_, T>(AssertSqlSafe(text)), args).fetch(p);
            while let Some(row) = rows.try_next().await? {
                each(row)?;
            }
            Ok(())
        })
    }

    pub async fn fetch_all_tx<T: Row>(self, tx: &mut Tx) -> sqlx::Result<Vec<T>> {
        let Sql { text, args } = self;
        on_tx!(tx, c => bind_all!(sqlx::query_as::<_, T>(AssertSqlSafe(text)), args).fetch_all(&mut *c).await)
    }

    /// Runs a write inside a transaction; the number of rows it changed.
    pub async fn execute(self, tx: &mut Tx) -> sqlx::Result<u64> {
        let Sql { text, args } = self;
        on_tx!(tx, c => bind_all!(sqlx::query(AssertSqlSafe(text)), args)
            .execute(&mut *c).await.map(|r| r.rows_affected()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_as_values_are_bound() {
        let q = Sql::new("SELECT 1 FROM t WHERE a = ")
            .bind("x")
            .push(" AND b IN (")
            .list([1i64, 2, 3])
            .push(") AND ")
            .scope("o.path", &Scope::Subtrees(vec!["/a/".into(), "/b/".into()]));
        assert_eq!(
            q.text(),
            "SELECT 1 FROM t WHERE a = $1 AND b IN ($2, $3, $4) AND \
             ((o.path >= $5 AND o.path < $6) OR (o.path >= $7 AND o.path < $8))"
        );
        assert_eq!(q.args().len(), 8);
        assert_eq!(q.args()[4], Arg::from("/a/"));
        assert_eq!(q.args()[5], Arg::from("/a/~"));
    }

    /// sqlx prepares a statement per connection and per SQL text (PostgreSQL: a Parse and
    /// Describe round trip and a plan), so the text must depend only on the shape of the query —
    /// how many values each piece takes — never on the values (docs/PERFORMANCE.md, "PostgreSQL
    /// before and after").
    #[test]
    fn the_text_depends_on_the_shape_only() {
        let build = |id: &str, ids: &[&str], roots: Vec<String>| {
            Sql::new("SELECT 1 FROM t o WHERE o.id = ")
                .bind(id)
                .push(" AND o.parent_id IN (")
                .list(ids.iter().copied())
                .push(") AND ")
                .scope("o.path", &Scope::Subtrees(roots))
                .push(" LIMIT ")
                .bind(100i64)
        };
        let a = build("a", &["x", "y"], vec!["/a/".into()]);
        let b = build("b-longer", &["zz", "w"], vec!["/b/c/".into()]);
        assert_eq!(a.text(), b.text());
        assert_ne!(a.args(), b.args());
        let c = build("a", &["x", "y", "z"], vec!["/a/".into()]);
        assert_ne!(
            a.text(),
            c.text(),
            "an IN list of another length is another statement"
        );
    }

    #[test]
    fn a_statement_takes_at_most_max_binds_parameters() {
        assert_eq!(crate::db::rows_per_statement(19), 13);
        assert_eq!(crate::db::rows_per_statement(1000), 1);
    }

    #[test]
    fn rows_and_empty_scopes() {
        let q = Sql::new("INSERT INTO t (a, b) VALUES ").rows([
            vec![Arg::from("x"), Arg::from(1i64)],
            vec![Arg::from("y"), Arg::from(None::<i64>)],
        ]);
        assert_eq!(q.text(), "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)");
        let q = Sql::new("WHERE ").any_key(&["a", "b"], [["x", "y"], ["z", "w"]]);
        assert_eq!(q.text(), "WHERE (a = $1 AND b = $2) OR (a = $3 AND b = $4)");
        assert_eq!(
            Sql::new("").scope("p", &Scope::All).text(),
            "1=1",
            "everything"
        );
        assert_eq!(
            Sql::new("").scope("p", &Scope::Subtrees(vec![])).text(),
            "1=0"
        );
    }
}
