//! Sign-in, authentication of a request, sign-out: the rules, over the store.

use rand::RngCore;
use sha2::{Digest, Sha256};

use super::store;
use super::{AuthVia, CurrentUser};
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::error::AppError;
use crate::ids::UserId;

/// A session's `last_seen_at` is written at most this often.
const TOUCH_EVERY_SECS: i64 = 60;

/// What a session is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// Browser cookie: idle and absolute timeouts.
    Web,
    /// API bearer token: absolute lifetime.
    Api,
}

impl SessionKind {
    fn as_str(self) -> &'static str {
        match self {
            SessionKind::Web => "web",
            SessionKind::Api => "api",
        }
    }
}

/// A new secret for the client, and the hash we keep.
fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A successful sign-in.
#[derive(Debug)]
pub struct LoggedIn {
    pub token: String,
    pub expires_at: i64,
    pub user_id: UserId,
}

/// Checks the password (off the runtime), applies the sign-in throttle (`throttle`), opens a
/// session, and audits every outcome. An unknown or inactive username takes the same path as a
/// wrong password: the same answers in the same order, an argon2 verification of the same cost.
pub async fn login(
    state: &AppState,
    username: &str,
    password: &str,
    kind: SessionKind,
    client: &Client,
) -> Result<LoggedIn, AppError> {
    let now = crate::now();
    let username = username.trim();
    let address = client.ip.as_deref().unwrap_or("");
    let user = store::find_login(&state.db, username)
        .await?
        .filter(|u| u.active);
    let entry = |action, detail: &str| Entry {
        actor_id: user.as_ref().map(|u| &u.id),
        actor_name: Some(user.as_ref().map_or(username, |u| u.username.as_str())),
        action,
        target_type: "user",
        target_id: user.as_ref().map(|u| u.id.to_string()),
        detail: detail.to_string(),
    };
    if let Some(retry_after_secs) = state.throttle.refused_for(address, username) {
        let refused = entry("login.locked", "attempt while this address is shut out");
        state.journal.record(&refused, client).await?;
        return Err(AppError::RateLimited { retry_after_secs });
    }
    // Unknown names are verified against a dummy hash, so timing does not tell which exist.
    let hash = user
        .as_ref()
        .map_or(state.dummy_hash.as_str(), |u| u.password_hash.as_str());
    let verified = state.hasher.verify(password, hash).await?;
    let Some(user) = user.as_ref().filter(|_| verified) else {
        let shut = state.throttle.failed(address, username);
        let mut detail = if user.is_some() {
            "wrong password".to_string()
        } else {
            "unknown or inactive account".to_string()
        };
        if shut {
            detail.push_str("; this address is shut out for 15 minutes");
        }
        state
            .journal
            .record(&entry("login.failure", &detail), client)
            .await?;
        return Err(AppError::InvalidCredentials);
    };
    state.throttle.succeeded(address, username);
    let (token, hash) = new_token();
    let expires_at = match kind {
        SessionKind::Web => now + state.config.session_max_hours * 3600,
        SessionKind::Api => now + state.config.token_hours * 3600,
    };
    let mut tx = state.db.begin().await?;
    store::create_session(&mut tx, &hash, &user.id, kind.as_str(), now, expires_at).await?;
    let action = if kind == SessionKind::Web {
        "login.success"
    } else {
        "token.issue"
    };
    audit::record(&mut tx, &entry(action, ""), client).await?;
    tx.commit().await?;
    Ok(LoggedIn {
        token,
        expires_at,
        user_id: user.id,
    })
}

/// The user behind a session cookie or bearer token, if it is live; expired sessions are removed.
pub async fn authenticate(
    state: &AppState,
    token: &str,
    via: AuthVia,
) -> Result<Option<CurrentUser>, AppError> {
    let now = crate::now();
    let hash = token_hash(token);
    let Some((s, grants)) = store::session_user(&state.db, &hash).await? else {
        return Ok(None);
    };
    let wanted = if via == AuthVia::Cookie { "web" } else { "api" };
    let idle_limit = state.config.session_idle_minutes * 60;
    let idle_expired = s.kind == "web" && now - s.last_seen_at > idle_limit;
    if s.kind != wanted {
        return Ok(None);
    }
    if s.expires_at <= now || idle_expired {
        store::delete_expired_session(&state.db, &s.session_id).await?;
        return Ok(None);
    }
    if s.kind == "web" && now - s.last_seen_at >= TOUCH_EVERY_SECS {
        store::touch_session(&state.db, &s.session_id, now).await?;
    }
    Ok(Some(CurrentUser {
        id: s.user_id,
        username: s.username,
        display_name: s.display_name,
        home_org_id: s.org_id,
        grants,
        session_id: s.session_id,
        via,
    }))
}

/// Ends the session or token the request came with.
pub async fn logout(state: &AppState, user: &CurrentUser, client: &Client) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    store::delete_session(&mut tx, &user.session_id).await?;
    let action = if user.via == AuthVia::Cookie {
        "logout"
    } else {
        "token.revoke"
    };
    audit::record(
        &mut tx,
        &Entry::by(user, action, "user").target(user.id),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
