-- hc's initial schema (MySQL and MariaDB). Keep in step with ../../postgres and ../../sqlite.
-- Times are UTC; intervals are BIGINT seconds (timeout, grace, nag_period) or
-- microseconds (durations). MySQL has no partial indexes, so flips_unprocessed
-- indexes every row; utf8mb4_bin keeps comparisons case-sensitive as on the others.

CREATE TABLE users (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    username VARCHAR(150) NOT NULL,
    email VARCHAR(254) NOT NULL,
    password VARCHAR(255) NOT NULL DEFAULT '',
    is_active BOOLEAN NOT NULL DEFAULT 1,
    is_staff BOOLEAN NOT NULL DEFAULT 0,
    is_superuser BOOLEAN NOT NULL DEFAULT 0,
    date_joined DATETIME(6) NOT NULL,
    last_login DATETIME(6) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE UNIQUE INDEX users_username ON users (username);
CREATE UNIQUE INDEX users_email ON users (email);

CREATE TABLE profiles (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    next_report_date DATETIME(6) NULL,
    reports VARCHAR(10) NOT NULL DEFAULT 'monthly',
    nag_period BIGINT NOT NULL DEFAULT 0,
    next_nag_date DATETIME(6) NULL,
    ping_log_limit BIGINT NOT NULL DEFAULT 100,
    check_limit BIGINT NOT NULL DEFAULT 10000,
    sort VARCHAR(20) NOT NULL DEFAULT 'created',
    tz VARCHAR(36) NOT NULL DEFAULT 'UTC',
    theme VARCHAR(10) NULL,
    deletion_notice_date DATETIME(6) NULL,
    deletion_scheduled_date DATETIME(6) NULL,
    last_active_date DATETIME(6) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE UNIQUE INDEX profiles_user ON profiles (user_id);

CREATE TABLE projects (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    code VARCHAR(36) NOT NULL,
    name VARCHAR(200) NOT NULL DEFAULT '',
    owner_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    api_key VARCHAR(128) NOT NULL DEFAULT '',
    api_key_readonly VARCHAR(128) NOT NULL DEFAULT '',
    badge_key VARCHAR(150) NOT NULL,
    ping_key VARCHAR(128) NULL,
    show_slugs BOOLEAN NOT NULL DEFAULT 0,
    created DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE UNIQUE INDEX projects_code ON projects (code);
CREATE UNIQUE INDEX projects_badge_key ON projects (badge_key);
CREATE UNIQUE INDEX projects_ping_key ON projects (ping_key);
CREATE INDEX projects_owner ON projects (owner_id);
CREATE INDEX projects_api_key ON projects (api_key);
CREATE INDEX projects_api_key_readonly ON projects (api_key_readonly);

CREATE TABLE members (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    role VARCHAR(1) NOT NULL DEFAULT 'w',
    transfer_request_date DATETIME(6) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE UNIQUE INDEX members_user_project ON members (user_id, project_id);
CREATE INDEX members_project ON members (project_id);

CREATE TABLE checks (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    code VARCHAR(36) NOT NULL,
    project_id BIGINT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name VARCHAR(100) NOT NULL DEFAULT '',
    slug VARCHAR(100) NOT NULL DEFAULT '',
    tags VARCHAR(500) NOT NULL DEFAULT '',
    description LONGTEXT NOT NULL,
    kind VARCHAR(10) NOT NULL DEFAULT 'simple',
    timeout BIGINT NOT NULL DEFAULT 86400,
    grace BIGINT NOT NULL DEFAULT 3600,
    schedule VARCHAR(100) NOT NULL DEFAULT '* * * * *',
    tz VARCHAR(36) NOT NULL DEFAULT 'UTC',
    filter_subject BOOLEAN NOT NULL DEFAULT 0,
    filter_body BOOLEAN NOT NULL DEFAULT 0,
    filter_http_body BOOLEAN NOT NULL DEFAULT 0,
    filter_default_fail BOOLEAN NOT NULL DEFAULT 0,
    start_kw VARCHAR(200) NOT NULL DEFAULT '',
    success_kw VARCHAR(200) NOT NULL DEFAULT '',
    failure_kw VARCHAR(200) NOT NULL DEFAULT '',
    methods VARCHAR(30) NOT NULL DEFAULT '',
    manual_resume BOOLEAN NOT NULL DEFAULT 0,
    badge_key VARCHAR(36) NOT NULL,
    n_pings BIGINT NOT NULL DEFAULT 0,
    last_ping DATETIME(6) NULL,
    last_start DATETIME(6) NULL,
    last_start_rid VARCHAR(36) NULL,
    last_duration BIGINT NULL,
    has_confirmation_link BOOLEAN NOT NULL DEFAULT 0,
    alert_after DATETIME(6) NULL,
    status VARCHAR(6) NOT NULL DEFAULT 'new',
    created DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE UNIQUE INDEX checks_code ON checks (code);
CREATE UNIQUE INDEX checks_badge_key ON checks (badge_key);
CREATE INDEX checks_project_slug ON checks (project_id, slug);
CREATE INDEX checks_alert_after ON checks (alert_after);

CREATE TABLE pings (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    check_id BIGINT NOT NULL REFERENCES checks (id) ON DELETE CASCADE,
    n BIGINT NULL,
    created DATETIME(6) NOT NULL,
    kind VARCHAR(6) NULL,
    scheme VARCHAR(10) NOT NULL DEFAULT 'http',
    remote_addr VARCHAR(45) NULL,
    method VARCHAR(10) NOT NULL DEFAULT '',
    ua VARCHAR(200) NOT NULL DEFAULT '',
    body LONGBLOB NULL,
    exitstatus INTEGER NULL,
    rid VARCHAR(36) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX pings_check_n ON pings (check_id, n);

CREATE TABLE flips (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    check_id BIGINT NOT NULL REFERENCES checks (id) ON DELETE CASCADE,
    created DATETIME(6) NOT NULL,
    processed DATETIME(6) NULL,
    old_status VARCHAR(8) NOT NULL,
    new_status VARCHAR(8) NOT NULL,
    reason VARCHAR(8) NOT NULL DEFAULT ''
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX flips_unprocessed ON flips (processed);
CREATE INDEX flips_check_created ON flips (check_id, created);

CREATE TABLE channels (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    code VARCHAR(36) NOT NULL,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name VARCHAR(100) NOT NULL DEFAULT '',
    kind VARCHAR(20) NOT NULL,
    value TEXT NOT NULL,
    email_verified BOOLEAN NOT NULL DEFAULT 0,
    disabled BOOLEAN NOT NULL DEFAULT 0,
    last_notify DATETIME(6) NULL,
    last_notify_duration BIGINT NULL,
    last_error VARCHAR(200) NOT NULL DEFAULT '',
    created DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE UNIQUE INDEX channels_code ON channels (code);
CREATE INDEX channels_project ON channels (project_id);

CREATE TABLE channel_checks (
    channel_id BIGINT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    check_id BIGINT NOT NULL REFERENCES checks (id) ON DELETE CASCADE,
    PRIMARY KEY (channel_id, check_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX channel_checks_check ON channel_checks (check_id);

CREATE TABLE notifications (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    code VARCHAR(36) NOT NULL,
    check_id BIGINT NULL REFERENCES checks (id) ON DELETE CASCADE,
    channel_id BIGINT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    flip_id BIGINT NULL REFERENCES flips (id) ON DELETE CASCADE,
    check_status VARCHAR(6) NOT NULL,
    created DATETIME(6) NOT NULL,
    status VARCHAR(10) NOT NULL DEFAULT 'sent',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt DATETIME(6) NULL,
    claimed_until DATETIME(6) NULL,
    error VARCHAR(200) NOT NULL DEFAULT ''
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE UNIQUE INDEX notifications_code ON notifications (code);
CREATE UNIQUE INDEX notifications_flip_channel ON notifications (flip_id, channel_id);
CREATE INDEX notifications_check_created ON notifications (check_id, created);
CREATE INDEX notifications_channel ON notifications (channel_id);
CREATE INDEX notifications_status_next ON notifications (status, next_attempt);

CREATE TABLE token_buckets (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    value VARCHAR(80) NOT NULL,
    tokens DOUBLE PRECISION NOT NULL DEFAULT 1.0,
    updated DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE UNIQUE INDEX token_buckets_value ON token_buckets (value);

CREATE TABLE login_tokens (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash VARCHAR(128) NOT NULL,
    purpose VARCHAR(20) NOT NULL,
    created DATETIME(6) NOT NULL,
    expires DATETIME(6) NOT NULL,
    used DATETIME(6) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE UNIQUE INDEX login_tokens_hash ON login_tokens (token_hash);
CREATE INDEX login_tokens_user ON login_tokens (user_id);

CREATE TABLE emails (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    code VARCHAR(36) NOT NULL,
    from_email VARCHAR(254) NOT NULL,
    to_email VARCHAR(254) NOT NULL,
    subject TEXT NOT NULL,
    body_text MEDIUMTEXT NOT NULL,
    body_html MEDIUMTEXT NOT NULL,
    headers TEXT NOT NULL,
    status VARCHAR(10) NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt DATETIME(6) NULL,
    error VARCHAR(200) NOT NULL DEFAULT '',
    created DATETIME(6) NOT NULL,
    sent DATETIME(6) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE UNIQUE INDEX emails_code ON emails (code);
CREATE INDEX emails_status_next ON emails (status, next_attempt);
CREATE INDEX emails_sent ON emails (sent);
