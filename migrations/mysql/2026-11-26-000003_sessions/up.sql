-- Dashboard sessions, kept in the database so that logging out, changing the
-- password or deactivating a user ends them at once, on every hc-web instance.
-- The cookie carries a random key; only its SHA-256 is stored here.
CREATE TABLE sessions (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    key_hash VARCHAR(64) NOT NULL,
    user_id BIGINT NULL REFERENCES users (id) ON DELETE CASCADE,
    created DATETIME(6) NOT NULL,
    last_seen DATETIME(6) NOT NULL,
    expires DATETIME(6) NOT NULL,
    data TEXT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE UNIQUE INDEX sessions_key_hash ON sessions (key_hash);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires);
