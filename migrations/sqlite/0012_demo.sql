-- The state of `community-desk demo`, in the demo's own database. The row is
-- written before seeding starts and marked seeded in the seed's last
-- transaction, so that a demo database a crash left half-seeded is seeded
-- again rather than used, and a database without the row is not a demo's
-- and is never reset. The clock's offset from real time survives a restart;
-- the count of runs keeps each run's chats numbering their messages apart
-- from the runs before, whose message ids the database still holds.
CREATE TABLE demo_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seeded_at BIGINT,
    clock_offset_ms BIGINT NOT NULL DEFAULT 0,
    runs BIGINT NOT NULL DEFAULT 0
);

-- The people who have a phone on the demo page, in the order the page shows
-- them: the seeded ones and those added with "Add a person".
CREATE TABLE demo_people (
    telegram_id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    language TEXT NOT NULL,
    part TEXT NOT NULL,
    added_at BIGINT NOT NULL
);
