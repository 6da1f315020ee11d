//! Idempotency-Key (PRODUCT.md §6, §15): a client that may send a write twice — a phone that lost its
//! connection before the answer arrived, a script that retries — names the write with a key of
//! its choice. The first answer is stored with the key **in the same transaction as the write**,
//! so a key is either unused or bound to a committed write and its answer; the same key again
//! gets that answer without writing, and the same key with another request is refused (422).
//!
//! Keys belong to the user who sent them (two users cannot collide) and are kept for
//! [`KEEP_SECS`] (the hourly job purges older ones).

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::auth::CurrentUser;
use crate::db::{Arg, Db, Sql, Tx};
use crate::error::AppError;
use crate::ids::UserId;
use crate::{on_db, on_tx};

/// The request header.
pub const HEADER: &str = "idempotency-key";
/// Longest key accepted.
pub const MAX_KEY: usize = 100;
/// How long a key is remembered: two days covers a phone that stayed offline over a weekend
/// night; the roll page sends its queue as soon as the network is back.
pub const KEEP_SECS: i64 = 2 * 24 * 3600;

/// A request's key: who sent it, the key, and a fingerprint of what was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub user_id: UserId,
    pub key: String,
    pub fingerprint: String,
}

/// An answer given before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub status: u16,
    pub body: String,
}

impl Key {
    /// Reads the header, if sent. `what` names the request (method and path) and `input` is the
    /// validated request body: the fingerprint is over their canonical JSON, so whitespace or
    /// key order does not make two equal requests different.
    pub fn from_request(
        headers: &HeaderMap,
        user: &CurrentUser,
        what: &str,
        input: &impl serde::Serialize,
    ) -> Result<Option<Key>, AppError> {
        let Some(v) = headers.get(HEADER) else {
            return Ok(None);
        };
        let key = v.to_str().unwrap_or("").trim();
        if key.is_empty() || key.len() > MAX_KEY || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(AppError::field(
                "Idempotency-Key",
                "idempotency.key_invalid",
            ));
        }
        let body = serde_json::to_string(input).map_err(|e| AppError::Internal(e.into()))?;
        let mut h = Sha256::new();
        h.update(what.as_bytes());
        h.update([0]);
        h.update(body.as_bytes());
        Ok(Some(Key {
            user_id: user.id,
            key: key.to_string(),
            fingerprint: hex::encode(h.finalize()),
        }))
    }

    /// The stored answer for this key: `Ok(None)` when unused, the answer when used for the same
    /// request, 422 when used for another one.
    fn check(&self, found: Option<(String, i64, String)>) -> Result<Option<Stored>, AppError> {
        match found {
            None => Ok(None),
            Some((fp, _, _)) if fp != self.fingerprint => {
                Err(AppError::field("Idempotency-Key", "idempotency.key_reused"))
            }
            Some((_, status, body)) => Ok(Some(Stored {
                status: u16::try_from(status).unwrap_or(500),
                body,
            })),
        }
    }

    /// The answer to this key among answers found by [`lookup_many`] or given earlier in the
    /// same batch: `Ok(None)` when unused, 422 when used for another request.
    pub fn answer_in(
        &self,
        found: &std::collections::HashMap<(UserId, String), (String, Stored)>,
    ) -> Result<Option<Stored>, AppError> {
        let hit = found
            .get(&(self.user_id, self.key.clone()))
            .map(|(fp, s)| (fp.clone(), i64::from(s.status), s.body.clone()));
        self.check(hit)
    }

    /// Looks the key up outside any transaction (the fast path of a repeat).
    pub async fn lookup(&self, db: &Db) -> Result<Option<Stored>, AppError> {
        let found = on_db!(db, p => sqlx::query_as(SELECT).bind(self.user_id).bind(&self.key)
            .fetch_optional(p).await)?;
        self.check(found)
    }

    /// Looks the key up inside the write's transaction (two copies sent at once: the second
    /// finds the first's answer once it committed).
    pub async fn lookup_in(&self, tx: &mut Tx) -> Result<Option<Stored>, AppError> {
        let found = on_tx!(tx, c => sqlx::query_as(SELECT).bind(self.user_id).bind(&self.key)
            .fetch_optional(&mut *c).await)?;
        self.check(found)
    }

    /// Stores the answer, in the transaction of the write it answers.
    pub async fn remember(&self, tx: &mut Tx, answer: &Stored) -> sqlx::Result<()> {
        const SQL: &str = "INSERT INTO idempotency_keys \
            (user_id, key, fingerprint, status, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)";
        on_tx!(tx, c => sqlx::query(SQL).bind(self.user_id).bind(&self.key)
            .bind(&self.fingerprint).bind(i64::from(answer.status)).bind(&answer.body)
            .bind(crate::now()).execute(&mut *c).await.map(|_| ()))
    }
}

const SELECT: &str = "SELECT fingerprint, status, body FROM idempotency_keys \
                      WHERE user_id = $1 AND key = $2";

impl Stored {
    /// A JSON answer to store and send.
    pub fn json(status: StatusCode, body: &impl serde::Serialize) -> Result<Stored, AppError> {
        Ok(Stored {
            status: status.as_u16(),
            body: serde_json::to_string(body).map_err(|e| AppError::Internal(e.into()))?,
        })
    }
}

impl IntoResponse for Stored {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            self.body,
        )
            .into_response()
    }
}

/// Forgets keys older than [`KEEP_SECS`]; run by the hourly job.
pub async fn purge(db: &Db, now: i64) -> sqlx::Result<u64> {
    const SQL: &str = "DELETE FROM idempotency_keys WHERE created_at < $1";
    on_db!(db, p => sqlx::query(SQL).bind(now - KEEP_SECS).execute(p).await.map(|r| r.rows_affected()))
}

/// The stored answers of many keys, in one statement inside the write's transaction.
pub async fn lookup_many(
    tx: &mut Tx,
    keys: &[&Key],
) -> sqlx::Result<std::collections::HashMap<(UserId, String), (String, Stored)>> {
    if keys.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<(UserId, String, String, i64, String)> =
        Sql::new("SELECT user_id, key, fingerprint, status, body FROM idempotency_keys WHERE ")
            .any_key(
                &["user_id", "key"],
                keys.iter()
                    .map(|k| [Arg::from(&k.user_id), Arg::from(&k.key)]),
            )
            .fetch_all_tx(tx)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(u, k, fp, status, body)| {
            let s = Stored {
                status: u16::try_from(status).unwrap_or(500),
                body,
            };
            ((u, k), (fp, s))
        })
        .collect())
}

/// Stores many answers, one statement.
pub async fn remember_many(tx: &mut Tx, answers: &[(&Key, &Stored)]) -> sqlx::Result<()> {
    if answers.is_empty() {
        return Ok(());
    }
    let now = crate::now();
    Sql::new("INSERT INTO idempotency_keys (user_id, key, fingerprint, status, body, created_at) VALUES ")
        .rows(answers.iter().map(|(k, s)| {
            [
                Arg::from(&k.user_id),
                Arg::from(&k.key),
                Arg::from(&k.fingerprint),
                Arg::from(i64::from(s.status)),
                Arg::from(&s.body),
                Arg::from(now),
            ]
        }))
        .execute(tx)
        .await
        .map(|_| ())
}
