//! Multi-row INSERTs for seeding, on either backend, inside the caller's transaction: rows of
//! bound values in as few statements as the bind limit allows ([`insert`]), or, for the national
//! dataset's millions of rows, literal values generated here ([`Insert`]), which skip binding.

use anyhow::Context;
use tuoguan::db::{Arg, Sql, Tx};

/// At most this many bound values in one statement (SQLite allows 32,766, PostgreSQL 65,535).
const MAX_BINDS: usize = 10_000;

/// Columns of `org` rows as the seeders write them.
pub const ORG_COLS: [&str; 8] = [
    "id",
    "parent_id",
    "path",
    "name",
    "kind",
    "unit_type",
    "created_at",
    "updated_at",
];

/// Columns of `user` rows as the seeders write them.
pub const USER_COLS: [&str; 7] = [
    "id",
    "username",
    "display_name",
    "password_hash",
    "org_id",
    "created_at",
    "updated_at",
];

/// Columns of `role` rows as the seeders write them.
pub const ROLE_COLS: [&str; 5] = ["id", "user_id", "role", "org_id", "created_at"];

/// Columns of `programme` rows as the seeders write them.
pub const PROGRAMME_COLS: [&str; 14] = [
    "id",
    "org_id",
    "name",
    "season",
    "year",
    "start_date",
    "end_date",
    "target_units",
    "target_families",
    "target_model_classes",
    "rules",
    "reminder_days",
    "created_at",
    "updated_at",
];

/// Columns of `class` rows as the seeders write them.
pub const CLASS_COLS: [&str; 17] = [
    "id",
    "programme_id",
    "host_org_id",
    "name",
    "address",
    "start_date",
    "end_date",
    "daily_start",
    "daily_end",
    "capacity",
    "model",
    "management",
    "venue",
    "food",
    "status",
    "created_at",
    "updated_at",
];

/// Columns of `child` rows as the seeders write them.
pub const CHILD_COLS: [&str; 8] = [
    "id",
    "name",
    "gender",
    "birth_date",
    "school",
    "grade",
    "created_at",
    "updated_at",
];

/// Columns of `app` rows as the seeders write them.
pub const APP_COLS: [&str; 7] = [
    "id",
    "child_id",
    "class_id",
    "status",
    "priority",
    "applied_at",
    "updated_at",
];

/// One bound value of a multi-row INSERT.
pub enum V {
    T(String),
    I(i64),
    B(bool),
    N,
}

/// A text value.
pub fn t(s: impl Into<String>) -> V {
    V::T(s.into())
}

impl V {
    fn arg(&self) -> Arg {
        match self {
            V::T(s) => Arg::from(s.as_str()),
            V::I(i) => Arg::from(*i),
            V::B(b) => Arg::from(*b),
            V::N => Arg::Text(None),
        }
    }
}

/// Inserts `rows` into `table` in as few statements as the bind limit allows.
pub async fn insert(
    tx: &mut Tx,
    table: &str,
    cols: &[&str],
    rows: &[Vec<V>],
) -> anyhow::Result<()> {
    let per = (MAX_BINDS / cols.len()).max(1);
    for chunk in rows.chunks(per) {
        Sql::new(&format!(
            "INSERT INTO {table} ({}) VALUES ",
            cols.join(", ")
        ))
        .rows(chunk.iter().map(|row| row.iter().map(V::arg)))
        .execute(tx)
        .await
        .with_context(|| format!("seeding {table}"))?;
    }
    Ok(())
}

/// One literal SQL value.
pub enum L<'a> {
    T(&'a str),
    I(i64),
    B(bool),
    N,
}

/// Multi-row INSERT statements of literal values, cut every `per` rows.
pub struct Insert {
    head: String,
    per: usize,
    sql: String,
    rows: usize,
    done: Vec<String>,
}

impl Insert {
    pub fn new(table: &str, cols: &[&str]) -> Insert {
        Insert {
            head: format!("INSERT INTO {table} ({}) VALUES ", cols.join(", ")),
            per: 2_000,
            sql: String::new(),
            rows: 0,
            done: Vec::new(),
        }
    }

    pub fn row(&mut self, vals: &[L]) {
        use std::fmt::Write;
        self.sql
            .push_str(if self.rows == 0 { &self.head } else { ", " });
        self.sql.push('(');
        for (i, v) in vals.iter().enumerate() {
            if i > 0 {
                self.sql.push(',');
            }
            let _ = match v {
                L::T(s) => write!(self.sql, "'{}'", s.replace('\'', "''")),
                L::I(n) => write!(self.sql, "{n}"),
                L::B(b) => write!(self.sql, "{}", if *b { "TRUE" } else { "FALSE" }),
                L::N => write!(self.sql, "NULL"),
            };
        }
        self.sql.push(')');
        self.rows += 1;
        if self.rows == self.per {
            self.done.push(std::mem::take(&mut self.sql));
            self.rows = 0;
        }
    }

    pub async fn run(mut self, tx: &mut Tx) -> anyhow::Result<()> {
        if self.rows > 0 {
            self.done.push(std::mem::take(&mut self.sql));
        }
        for sql in self.done {
            tuoguan::on_tx!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *c).await.map(|_| ()))
                .with_context(|| format!("running {}…", &self.head[..self.head.len().min(40)]))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_rows_are_quoted_and_cut() {
        let mut ins = Insert::new("t", &["a", "b"]);
        ins.per = 2;
        for v in ["x", "o'k", "z"] {
            ins.row(&[L::T(v), L::I(1)]);
        }
        assert_eq!(
            ins.done,
            ["INSERT INTO t (a, b) VALUES ('x',1), ('o''k',1)"]
        );
        assert_eq!(ins.sql, "INSERT INTO t (a, b) VALUES ('z',1)");
    }
}
