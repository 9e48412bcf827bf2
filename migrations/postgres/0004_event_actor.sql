-- Deleting or merging a person checks the events that name them as actor.
CREATE INDEX events_actor ON events (actor_id) WHERE actor_id IS NOT NULL;
