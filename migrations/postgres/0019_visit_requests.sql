-- The requests a visit made: the Open311 feed and the export look each
-- request up here, to keep the visit's note (its description) out of them.
CREATE INDEX visits_request ON visits (request_id) WHERE request_id IS NOT NULL;
