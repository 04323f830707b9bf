-- Liaison broadcasts (在外联络员): a message for the students studying in one city.
CREATE TABLE broadcast (
    broadcast_id  uuid PRIMARY KEY,
    liaison       text NOT NULL,                    -- the liaison's account id
    city          text NOT NULL,                    -- normalised study city
    city_label    text NOT NULL,                    -- as the liaison's account spells it
    title         text NOT NULL,
    body          text NOT NULL,
    status        text NOT NULL,                    -- pending | rejected | sent
    created_at    timestamptz NOT NULL DEFAULT now(),
    decided_by    text,
    decided_at    timestamptz,
    decision_note text,
    sent_at       timestamptz,
    recipients    int
);
CREATE INDEX broadcast_liaison_idx ON broadcast (liaison, created_at DESC);
CREATE INDEX broadcast_pending_idx ON broadcast (created_at) WHERE status = 'pending';

-- Switches the coordinator sets at run time (over the environment's defaults).
CREATE TABLE notify_setting (
    key        text PRIMARY KEY,
    value      jsonb NOT NULL,
    set_by     text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
