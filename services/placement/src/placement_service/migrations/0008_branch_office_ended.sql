-- An office can end before the season does: the holder steps down or the coordinator
-- removes them ('ended'; the student may nominate themself again).
ALTER TABLE branch_nomination DROP CONSTRAINT branch_nomination_status_check;
ALTER TABLE branch_nomination ADD CONSTRAINT branch_nomination_status_check
    CHECK (status IN ('pending', 'approved', 'rejected', 'ended'));
ALTER TABLE branch_nomination ADD COLUMN ended_by text, ADD COLUMN ended_at timestamptz,
    ADD COLUMN end_reason text;
