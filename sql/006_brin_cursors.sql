-- The stored_at cursors (005) as BRIN indexes: rows arrive in stored_at
-- order, so a block-range index answers "stored since t" as well as a
-- B-tree for the alert client and the dashboard, at a fraction of the
-- cost per inserted row (measured: bench/README.md, "bench:ingest").
DROP INDEX readings_stored_at;
CREATE INDEX readings_stored_at ON readings USING brin (stored_at) WITH (pages_per_range = 16);
DROP INDEX cycle_phases_stored_at;
CREATE INDEX cycle_phases_stored_at ON cycle_phases USING brin (stored_at) WITH (pages_per_range = 16);
