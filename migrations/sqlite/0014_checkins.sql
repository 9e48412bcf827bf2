-- Daily check-ins: a resident's own choice of hour (or pause, or off), the
-- proposals of their liaison waiting for their answer, each day's ladder and
-- its alert, and the relatives linked through /family.

CREATE TABLE checkins (
    person_id INTEGER PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    -- Minutes after local midnight by which the resident checks in.
    minute INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('on', 'paused', 'off')),
    -- The last local day of a pause (YYYY-MM-DD).
    paused_until TEXT,
    updated_at INTEGER NOT NULL
);

-- A liaison's proposal; nothing runs until the resident accepts.
CREATE TABLE checkin_proposals (
    person_id INTEGER PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    proposed_by INTEGER REFERENCES people (id) ON DELETE SET NULL,
    minute INTEGER NOT NULL,
    at INTEGER NOT NULL
);

-- One day's ladder of one resident, made when its greeting goes out.
CREATE TABLE checkin_days (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    deadline INTEGER NOT NULL,
    -- The rungs taken, comma-separated.
    rungs TEXT NOT NULL DEFAULT '',
    checked_in_at INTEGER,
    -- Who checked in: the resident, or a relative on their behalf.
    checked_in_by INTEGER REFERENCES people (id) ON DELETE SET NULL,
    -- The liaison who is going to the door.
    going_id INTEGER REFERENCES people (id) ON DELETE SET NULL,
    nobody_answered BOOLEAN NOT NULL DEFAULT FALSE,
    -- Comma-separated ids of everyone alerted, who hear "all clear".
    alerted TEXT NOT NULL DEFAULT '',
    outcome TEXT CHECK (outcome IN ('late', 'away', 'needed_help', 'hospital', 'nobody_answered')),
    closed_at INTEGER,
    UNIQUE (person_id, deadline)
);
CREATE INDEX checkin_days_deadline ON checkin_days (deadline);

-- A relative of a resident: a single-use link until someone opens it.
CREATE TABLE family_links (
    id INTEGER PRIMARY KEY,
    resident_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    relative_id INTEGER REFERENCES people (id) ON DELETE CASCADE,
    token TEXT UNIQUE,
    created_at INTEGER NOT NULL,
    linked_at INTEGER
);
CREATE INDEX family_links_resident ON family_links (resident_id);
CREATE INDEX family_links_relative ON family_links (relative_id);
