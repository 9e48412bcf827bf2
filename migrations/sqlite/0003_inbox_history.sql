-- Counting a person's recent updates (the flood limit) and pruning old
-- finished jobs both look jobs up by lane and time.
CREATE INDEX jobs_lane_created ON jobs (queue, lane, created_at);
CREATE INDEX jobs_finished ON jobs (queue, finished_at) WHERE status <> 'pending';
