-- Service levels and the escalation clock.

CREATE TABLE service_levels (
    urgency TEXT PRIMARY KEY,
    accept_ms INTEGER NOT NULL,
    resolve_ms INTEGER NOT NULL,
    service_hours_only BOOLEAN NOT NULL
);
INSERT INTO service_levels (urgency, accept_ms, resolve_ms, service_hours_only) VALUES
    ('emergency', 600000, 7200000, FALSE),
    ('urgent', 900000, 86400000, FALSE),
    ('normal', 1800000, 604800000, TRUE),
    ('complex', 1800000, 1296000000, TRUE);

-- Days (local dates, YYYY-MM-DD) on which service-hours clocks do not run.
CREATE TABLE holidays (
    day TEXT PRIMARY KEY
);

-- Who has been alerted above the assignee, and how many top-level reminders
-- have gone out since.
ALTER TABLE requests ADD COLUMN escalated_to INTEGER REFERENCES people (id);
ALTER TABLE requests ADD COLUMN reminders_sent INTEGER NOT NULL DEFAULT 0;
