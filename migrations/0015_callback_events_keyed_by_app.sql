-- Callback events keyed by (app, id): the key serves the pull feed's and the settle's
-- lookups, so the separate (app_key, id) index goes, and every event written (one per routed
-- message) maintains one index fewer (docs/callbacks.md "Cost").
ALTER TABLE callback_events DROP CONSTRAINT callback_events_pkey;
ALTER TABLE callback_events ADD PRIMARY KEY (app_key, id);
DROP INDEX callback_events_by_app;
