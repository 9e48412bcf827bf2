-- Many reporters of one problem: followers of a request, merges of
-- duplicates, known outages, estate-wide categories and recurring problems.

-- A merged request keeps the status it had, so that an unmerge restores it.
ALTER TABLE requests ADD COLUMN merged_into INTEGER REFERENCES requests (id);
ALTER TABLE requests ADD COLUMN merged_at INTEGER;
ALTER TABLE requests ADD COLUMN status_before_merge TEXT;
-- When the request's cards were last edited for new followers, or are due
-- to be: they change at most every ten seconds however many join.
ALTER TABLE requests ADD COLUMN cards_edited_at INTEGER;

-- Residents who follow a request besides its reporter ("me too", a known
-- outage, or a merge: then `via_request` is the merged request they came
-- with, and an unmerge takes them back).
CREATE TABLE followers (
    request_id INTEGER NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    via_request INTEGER REFERENCES requests (id) ON DELETE CASCADE,
    since INTEGER NOT NULL,
    -- A follower rates the fix like the reporter, once.
    rating INTEGER,
    PRIMARY KEY (request_id, person_id)
);
CREATE INDEX followers_person ON followers (person_id);
CREATE INDEX followers_via ON followers (via_request) WHERE via_request IS NOT NULL;

-- Categories whose open requests are offered estate-wide rather than only
-- in the reporter's building (a water main, the power).
CREATE TABLE estate_wide_categories (
    category TEXT PRIMARY KEY
);

-- A request declared a known outage of a unit (an estate, a building):
-- new reports of its category there follow it instead of opening cards.
CREATE TABLE outages (
    request_id INTEGER NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    category TEXT NOT NULL,
    declared_by INTEGER REFERENCES people (id) ON DELETE SET NULL,
    declared_at INTEGER NOT NULL,
    ended_at INTEGER,
    PRIMARY KEY (request_id, unit_id)
);
CREATE INDEX outages_unit ON outages (unit_id, category) WHERE ended_at IS NULL;

-- The same category coming back in a building, for the estate group leader.
-- A new request of it joins the problem while the problem's latest request
-- is within the rule's look-back, and opens a new one after.
CREATE TABLE recurring_problems (
    id INTEGER PRIMARY KEY,
    building_id INTEGER NOT NULL REFERENCES units (id),
    category TEXT NOT NULL,
    leader_id INTEGER REFERENCES people (id) ON DELETE SET NULL,
    reason TEXT NOT NULL,
    opened_at INTEGER NOT NULL
);
CREATE INDEX recurring_problems_building ON recurring_problems (building_id, category);
CREATE INDEX recurring_problems_opened ON recurring_problems (opened_at);

CREATE TABLE recurring_problem_requests (
    problem_id INTEGER NOT NULL REFERENCES recurring_problems (id) ON DELETE CASCADE,
    request_id INTEGER NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    PRIMARY KEY (problem_id, request_id)
);

-- The numbers of the recurring-problem rule (one row).
CREATE TABLE recurring_rule (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    window_days INTEGER NOT NULL,
    min_requests INTEGER NOT NULL,
    min_households INTEGER NOT NULL,
    after_close_days INTEGER NOT NULL
);
INSERT INTO recurring_rule (id, window_days, min_requests, min_households, after_close_days) VALUES (1, 30, 3, 2, 60);
