-- Households and care: the vocabulary of care tags, the households of each
-- building (households.csv), the link of a registered resident to their
-- household, and the liaisons' visits.

CREATE TABLE care_tags (
    name TEXT PRIMARY KEY,
    -- The order tags are listed and stored in.
    position INTEGER NOT NULL,
    -- Shown only to the building's liaison and deputy and the community's
    -- admins (health, disability, income, children: PIPL art. 28).
    sensitive BOOLEAN NOT NULL,
    -- How often a household with the tag should be visited; NULL for never.
    visit_every_months INTEGER
);
INSERT INTO care_tags (name, position, sensitive, visit_every_months) VALUES
    ('elderly_alone', 1, FALSE, 1),
    ('empty_nest', 2, FALSE, 3),
    ('disabled', 3, TRUE, 3),
    ('chronic_illness', 4, TRUE, NULL),
    ('low_income', 5, TRUE, NULL),
    ('child_care', 6, TRUE, NULL),
    ('renter', 7, FALSE, NULL),
    ('vacant', 8, FALSE, NULL),
    ('party_member', 9, FALSE, NULL);

CREATE TABLE households (
    id INTEGER PRIMARY KEY,
    building_id INTEGER NOT NULL REFERENCES units (id),
    -- As written canonically (`301`, `2-301`), and placed on the map.
    room TEXT NOT NULL,
    entrance INTEGER,
    floor INTEGER NOT NULL,
    position INTEGER NOT NULL,
    members INTEGER NOT NULL,
    -- `;`-separated names of care_tags, in the vocabulary's order.
    tags TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    UNIQUE (building_id, room)
);

ALTER TABLE residents ADD COLUMN household_id INTEGER REFERENCES households (id) ON DELETE SET NULL;
CREATE INDEX residents_household ON residents (household_id);

CREATE TABLE visits (
    id INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    visitor_id INTEGER REFERENCES people (id) ON DELETE SET NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('all_well', 'needs_help', 'nobody_home', 'moved_out')),
    note TEXT,
    request_id INTEGER REFERENCES requests (id) ON DELETE SET NULL,
    at INTEGER NOT NULL
);
CREATE INDEX visits_household ON visits (household_id, at);
CREATE INDEX visits_at ON visits (at);

-- The monthly lists and weekly digests of visits already sent, one row per
-- round (`month`, `2026-12`; `week`, `2026-W49`), so that each goes out once
-- whichever instance and however often the daily round runs.
CREATE TABLE care_rounds (
    kind TEXT NOT NULL,
    period TEXT NOT NULL,
    PRIMARY KEY (kind, period)
);
