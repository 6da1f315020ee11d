-- Foundation: organisation tree, users and roles, sessions, working-day calendar, audit log.
-- Portable types: TEXT ids (UUID), BIGINT unix-second timestamps, TEXT 'YYYY-MM-DD' dates.

CREATE TABLE orgs (
    id          TEXT PRIMARY KEY,
    parent_id   TEXT REFERENCES orgs(id),
    -- byte order, so that subtree range queries (path >= p AND path < p || '~') are exact
    path        TEXT COLLATE "C" NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    unit_type   TEXT,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX orgs_parent ON orgs(parent_id);
CREATE UNIQUE INDEX orgs_sibling_name ON orgs(parent_id, name);

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    org_id         TEXT REFERENCES orgs(id),
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    failed_logins  BIGINT NOT NULL DEFAULT 0,
    locked_until   BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX users_org ON users(org_id);

CREATE TABLE user_roles (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role        TEXT NOT NULL,
    org_id      TEXT REFERENCES orgs(id),
    created_at  BIGINT NOT NULL
);
CREATE INDEX user_roles_user ON user_roles(user_id);
CREATE UNIQUE INDEX user_roles_unique ON user_roles(user_id, role, COALESCE(org_id, ''));

CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE calendar_days (
    day         TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    updated_by  TEXT
);

CREATE TABLE audit_log (
    id           TEXT PRIMARY KEY,
    at           BIGINT NOT NULL,
    actor_id     TEXT,
    actor_name   TEXT,
    action       TEXT NOT NULL,
    target_type  TEXT,
    target_id    TEXT,
    detail       TEXT NOT NULL DEFAULT '',
    ip           TEXT,
    request_id   TEXT
);
CREATE INDEX audit_at ON audit_log(at);

-- The audit log is append-only.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
