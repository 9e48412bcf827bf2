-- The admin console: invitations to a role, notices to residents and who
-- received and acknowledged them.

CREATE TABLE invitations (
    code TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    created_by INTEGER REFERENCES people (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_by INTEGER REFERENCES people (id) ON DELETE SET NULL,
    used_at INTEGER
);

CREATE TABLE broadcasts (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    author_id INTEGER REFERENCES people (id) ON DELETE SET NULL,
    text TEXT NOT NULL,
    recipients INTEGER NOT NULL,
    -- The author's chat and the outbox job of the progress message there;
    -- the job's result is the message id that later edits replace.
    progress_chat INTEGER NOT NULL,
    progress_job INTEGER,
    progress_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE broadcast_deliveries (
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'unreachable')),
    acked_at INTEGER,
    PRIMARY KEY (broadcast_id, person_id)
);
