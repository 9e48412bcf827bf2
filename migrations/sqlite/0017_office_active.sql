-- The office's Community and Queues pages read every open or accepted
-- request, oldest first: a few thousand among a hundred thousand. Only those
-- are indexed, in the order the pages read them, so the read no longer walks
-- the whole table (the statement must keep this exact WHERE to use it).
CREATE INDEX requests_active ON requests (created_at, id) WHERE status IN ('open', 'accepted');
