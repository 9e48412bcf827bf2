-- The Open311 feed and the office read requests by when they were made,
-- newest first, a window at a time.
CREATE INDEX requests_created ON requests (created_at);
