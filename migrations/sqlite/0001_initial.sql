-- The whole schema of community-desk on SQLite. Times are Unix epoch
-- milliseconds (INTEGER) on both backends, so that the same queries compare
-- and index them the same way.

CREATE TABLE units (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES units (id),
    level TEXT NOT NULL CHECK (level IN ('community', 'grid', 'estate', 'building')),
    name TEXT NOT NULL,
    code TEXT UNIQUE,
    households INTEGER,
    -- Request numbers are per community; only communities use this counter.
    next_request_number INTEGER NOT NULL DEFAULT 1001
);
CREATE UNIQUE INDEX units_child_name ON units (COALESCE(parent_id, 0), name);

CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    telegram_id INTEGER UNIQUE,
    name TEXT NOT NULL DEFAULT '',
    phone TEXT UNIQUE,
    locale TEXT,
    reachable BOOLEAN NOT NULL DEFAULT TRUE,
    away_until INTEGER,
    created_at INTEGER NOT NULL
);

CREATE TABLE roles (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    -- A comma-separated list of categories, or NULL for all of them.
    categories TEXT,
    UNIQUE (person_id, role, unit_id)
);
CREATE INDEX roles_unit ON roles (unit_id);

CREATE TABLE residents (
    person_id INTEGER PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    building_id INTEGER NOT NULL REFERENCES units (id),
    room TEXT,
    registered_at INTEGER NOT NULL
);
CREATE INDEX residents_building ON residents (building_id);

CREATE TABLE requests (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES units (id),
    number INTEGER NOT NULL,
    resident_id INTEGER REFERENCES people (id),
    building_id INTEGER NOT NULL REFERENCES units (id),
    room TEXT,
    category TEXT NOT NULL,
    urgency TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    assignee_id INTEGER REFERENCES people (id),
    assignee_role TEXT,
    escalation_level INTEGER NOT NULL DEFAULT 0,
    accept_due_at INTEGER,
    resolve_due_at INTEGER,
    rating INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (community_id, number)
);
CREATE INDEX requests_resident ON requests (resident_id, created_at);
CREATE INDEX requests_assignee ON requests (assignee_id, status);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    file_id TEXT,
    latitude REAL,
    longitude REAL
);
CREATE INDEX attachments_request ON attachments (request_id, position);

-- The append-only story of every request (and of admin actions, with
-- request_id NULL). Timelines, statistics and audit read from here.
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    request_id INTEGER REFERENCES requests (id),
    actor_id INTEGER REFERENCES people (id),
    kind TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '{}',
    at INTEGER NOT NULL
);
CREATE INDEX events_request ON events (request_id, id);

CREATE TABLE dialogues (
    person_id INTEGER PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- One durable work queue for the update inbox, the notification outbox and
-- the timers. A pending job is claimable once due_at has passed; claiming
-- moves due_at forward by the lease, so work abandoned by a crashed process
-- becomes due again by itself. Jobs of one lane run one at a time, in order.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    queue TEXT NOT NULL,
    lane TEXT,
    dedupe_key TEXT UNIQUE,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    due_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_token TEXT,
    -- The instance holding the lease. A restarted instance takes back at
    -- once what its previous run held, instead of waiting for the lease.
    lease_owner TEXT,
    last_error TEXT,
    result TEXT,
    request_id INTEGER,
    created_at INTEGER NOT NULL,
    finished_at INTEGER
);
CREATE INDEX jobs_due ON jobs (queue, due_at) WHERE status = 'pending';
CREATE INDEX jobs_lane ON jobs (queue, lane, id) WHERE status = 'pending';
CREATE INDEX jobs_request ON jobs (request_id) WHERE request_id IS NOT NULL;
