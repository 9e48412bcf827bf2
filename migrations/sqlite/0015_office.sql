-- Signing in to the office dashboard from chat: single-use links and the
-- sessions they open. Only hashes of tokens and session ids are kept, so a
-- copy of the database opens no session.
CREATE TABLE web_sign_ins (
    token_hash TEXT PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);

CREATE TABLE web_sessions (
    id_hash TEXT PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    ended_at INTEGER
);
CREATE INDEX web_sessions_person ON web_sessions (person_id);
