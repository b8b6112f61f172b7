-- Each running hc-ping keeps a row here fresh, so that sendalerts can tell an outage
-- of hc itself (no receiver alive) from jobs that stopped pinging.
CREATE TABLE receiver_heartbeats (
    id BIGSERIAL PRIMARY KEY,
    code VARCHAR(36) NOT NULL,
    started TIMESTAMP NOT NULL,
    last_seen TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX receiver_heartbeats_code ON receiver_heartbeats (code);
CREATE INDEX receiver_heartbeats_last_seen ON receiver_heartbeats (last_seen);

-- Messages to the operators that must go out once, whichever daemon notices first.
CREATE TABLE operator_notices (
    id BIGSERIAL PRIMARY KEY,
    kind VARCHAR(100) NOT NULL,
    created TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX operator_notices_kind ON operator_notices (kind);

-- Alerts name the other checks of the project that are down.
CREATE INDEX checks_project_status ON checks (project_id, status);
