-- Signing in to the office dashboard from chat: single-use links and the
-- sessions they open. Only hashes of tokens and session ids are kept, so a
-- copy of the database opens no session.
CREATE TABLE web_sign_ins (
    token_hash TEXT PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

CREATE TABLE web_sessions (
    id_hash TEXT PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    ended_at BIGINT
);
CREATE INDEX web_sessions_person ON web_sessions (person_id);
