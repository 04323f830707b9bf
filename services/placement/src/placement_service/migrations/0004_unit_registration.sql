-- Units register themselves: pending until the committee of their place approves or rejects
-- them. Units a committee registers are active at once (and so is every existing one).
ALTER TABLE unit
    ADD COLUMN status        text NOT NULL DEFAULT 'active'
        CHECK (status IN ('pending', 'active', 'rejected')),
    ADD COLUMN decided_by    text,
    ADD COLUMN decided_at    timestamptz,
    ADD COLUMN reject_reason text;
CREATE INDEX unit_status_idx ON unit (status, county);

-- The registration's contact proves the phone with the login code flow before any account
-- exists: its code is kept under the subject 'R-<phone>', which is no account.
ALTER TABLE one_time_code DROP CONSTRAINT one_time_code_account_id_fkey;
