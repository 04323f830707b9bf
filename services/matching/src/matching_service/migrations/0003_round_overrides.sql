-- Coordinator overrides of a round before it is published (audited): who moved which student
-- from where to where, why, and the blocking pairs the change left (re-checked each time).
-- `result` always holds the round's current placements; `checks` stays the solver's own.
ALTER TABLE round ADD COLUMN overrides jsonb NOT NULL DEFAULT '[]'::jsonb;

-- One published round of each kind per season (two publishers racing: one wins, one gets 409).
CREATE UNIQUE INDEX round_one_published ON round (season_id, kind) WHERE status = 'published';
