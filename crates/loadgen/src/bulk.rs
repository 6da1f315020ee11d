//! Multi-row INSERTs for seeding: rows of bound values written in as few statements as the
//! backend's bind limit allows, on either backend, inside the caller's transaction.

use anyhow::Context;
use tuoguan::db::Tx;

/// At most this many bound values in one statement (SQLite allows 32,766, PostgreSQL 65,535).
const MAX_BINDS: usize = 10_000;

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

/// `INSERT INTO table (cols) VALUES ($1, …), (…)` for `rows` rows.
fn values_sql(table: &str, cols: &[&str], rows: usize) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", cols.join(", "));
    let mut n = 0;
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..cols.len() {
            n += 1;
            if c > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("${n}"));
        }
        sql.push(')');
    }
    sql
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
        let sql = values_sql(table, cols, chunk.len());
        tuoguan::on_tx!(tx, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for v in chunk.iter().flatten() {
                q = match v {
                    V::T(s) => q.bind(s.as_str()),
                    V::I(i) => q.bind(*i),
                    V::B(b) => q.bind(*b),
                    V::N => q.bind(None::<String>),
                };
            }
            q.execute(&mut *c).await.with_context(|| format!("seeding {table}"))?;
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_sql_numbers_every_placeholder() {
        assert_eq!(
            values_sql("t", &["a", "b"], 2),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
    }
}
