-- Rounds run as background jobs: 'running' (input fixed, solving) -> 'run' (ready for review)
-- -> 'published'; or 'running' -> 'failed' (an unexpected error, in `error`). While running,
-- `progress` holds {"phase", "done", "total"} and the result columns are null.
ALTER TABLE round DROP CONSTRAINT round_status_check;
ALTER TABLE round ADD CONSTRAINT round_status
    CHECK (status IN ('running', 'run', 'published', 'failed'));
ALTER TABLE round ALTER COLUMN status SET DEFAULT 'running';
ALTER TABLE round ALTER COLUMN result DROP NOT NULL;
ALTER TABLE round ALTER COLUMN explanations DROP NOT NULL;
ALTER TABLE round ALTER COLUMN checks DROP NOT NULL;
ALTER TABLE round ADD COLUMN progress jsonb;
ALTER TABLE round ADD COLUMN error text;
ALTER TABLE round ADD COLUMN finished_at timestamptz;
ALTER TABLE round ADD CONSTRAINT round_result_when_done CHECK (
    (status = 'running' AND result IS NULL)
    OR (status = 'failed' AND error IS NOT NULL)
    OR (status IN ('run', 'published') AND result IS NOT NULL AND checks IS NOT NULL
        AND explanations IS NOT NULL)
);
CREATE INDEX round_running ON round (created_at) WHERE status = 'running';

-- A published or failed round never changes again; a round's input (what the coordinator
-- asked for, fixed when the run was accepted) never changes; and the status only moves
-- forward: running -> run | failed, run -> published.
CREATE OR REPLACE FUNCTION round_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status IN ('published', 'failed') THEN
        RAISE EXCEPTION 'round % is % and immutable', OLD.round_id, OLD.status;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF (NEW.round_id, NEW.season_id, NEW.kind, NEW.locality, NEW.seed, NEW.input_sha256,
        NEW.instance, NEW.post_facts, NEW.student_facts, NEW.based_on, NEW.created_by,
        NEW.created_at)
       IS DISTINCT FROM
       (OLD.round_id, OLD.season_id, OLD.kind, OLD.locality, OLD.seed, OLD.input_sha256,
        OLD.instance, OLD.post_facts, OLD.student_facts, OLD.based_on, OLD.created_by,
        OLD.created_at) THEN
        RAISE EXCEPTION 'round %: its input is fixed when the run is accepted', OLD.round_id;
    END IF;
    IF NOT ((OLD.status = NEW.status)
            OR (OLD.status = 'running' AND NEW.status IN ('run', 'failed'))
            OR (OLD.status = 'run' AND NEW.status = 'published')) THEN
        RAISE EXCEPTION 'round %: status may not go from % to %',
            OLD.round_id, OLD.status, NEW.status;
    END IF;
    RETURN NEW;
END $$;
