-- Dashboard sessions, kept in the database so that logging out, changing the
-- password or deactivating a user ends them at once, on every hc-web instance.
-- The cookie carries a random key; only its SHA-256 is stored here.
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    key_hash VARCHAR(64) NOT NULL,
    user_id BIGINT NULL REFERENCES users (id) ON DELETE CASCADE,
    created TIMESTAMP NOT NULL,
    last_seen TIMESTAMP NOT NULL,
    expires TIMESTAMP NOT NULL,
    data TEXT NOT NULL
);
CREATE UNIQUE INDEX sessions_key_hash ON sessions (key_hash);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires);
