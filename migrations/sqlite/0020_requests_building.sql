-- The office's page of a building lists the requests closed there lately.
CREATE INDEX requests_building ON requests (building_id, updated_at);
