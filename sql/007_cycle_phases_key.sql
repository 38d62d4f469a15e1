-- cycle_phases without its three-column primary key: its five B-tree
-- entries per cycle frame cost about 6 of the ≈30 µs of PostgreSQL CPU
-- that storing one takes (core/src/db/measure-store-throughput.ts).
-- Duplicates are decided by the frames ledger in the same statement, hence
-- the same transaction (core/src/db/reading-store.ts): a (device_id, seq)
-- already in frames writes nothing, a new one writes all five phases at
-- once. So (device_id, seq, phase) stays unique by construction.
-- The partial index is the backstop: a frame's phase 1 row exists once,
-- one entry per frame instead of five; a second set of rows for a frame
-- fails the whole statement instead of doubling it.
ALTER TABLE cycle_phases DROP CONSTRAINT cycle_phases_pkey;
CREATE UNIQUE INDEX cycle_phases_frame_once ON cycle_phases (device_id, seq) WHERE phase = 1;
COMMENT ON INDEX cycle_phases_frame_once IS 'One phase 1 row per (device_id, seq): the backstop for the frames ledger, which writes a frame''s five rows once. (device_id, seq, phase) is unique by construction, not by an index (sql/007).';
