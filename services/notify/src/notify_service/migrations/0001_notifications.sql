-- Notify's own tables. Contacts and post titles are notify's copy, built from placement's
-- events; notify never reads another service's tables.

-- Who can be reached where: students and units from placement's events, WeChat ids and
-- language from the person themselves.
CREATE TABLE contact (
    recipient       text PRIMARY KEY,                 -- 'student:S-1', 'unit:U-7'
    name            text,
    phone           text,
    email           text,
    wechat_openid   text,
    city            text,                             -- students: normalised study city
    language        text   NOT NULL DEFAULT 'zh',
    source_sequence bigint NOT NULL DEFAULT 0,        -- last placement event applied
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contact_city_idx ON contact (city) WHERE city IS NOT NULL;

CREATE TABLE post_ref (
    post_id         text PRIMARY KEY,
    title           text   NOT NULL,
    unit_id         text,
    source_sequence bigint NOT NULL DEFAULT 0
);

-- Channels a person does not want non-essential messages on.
CREATE TABLE opt_out (
    recipient text NOT NULL,
    channel   text NOT NULL,
    at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (recipient, channel)
);

CREATE TABLE notification (
    notification_id  uuid PRIMARY KEY,                -- uuid5 of the dedupe key
    recipient        text    NOT NULL,
    purpose          text    NOT NULL,
    source_event_id  uuid    NOT NULL,                -- or the broadcast id
    source_type      text    NOT NULL,
    template         text    NOT NULL,
    template_version int     NOT NULL,
    params           jsonb   NOT NULL DEFAULT '{}',   -- never secrets (see delivery.secret)
    essential        boolean NOT NULL,
    urgent           boolean NOT NULL,
    in_inbox         boolean NOT NULL,
    visible_at       timestamptz NOT NULL,            -- a reminder shows from its time on
    expires_at       timestamptz,
    broadcast_id     uuid,
    created_at       timestamptz NOT NULL DEFAULT now(),
    read_at          timestamptz,
    -- Exactly once per (recipient, purpose, source event), whatever the inboxes say.
    CONSTRAINT notification_once UNIQUE (recipient, purpose, source_event_id)
);
CREATE INDEX notification_inbox_idx ON notification (recipient, visible_at DESC)
    WHERE in_inbox;
CREATE INDEX notification_unread_idx ON notification (recipient)
    WHERE in_inbox AND read_at IS NULL;
CREATE INDEX notification_broadcast_idx ON notification (broadcast_id)
    WHERE broadcast_id IS NOT NULL;

CREATE TABLE delivery (
    delivery_id     bigserial PRIMARY KEY,
    notification_id uuid NOT NULL REFERENCES notification ON DELETE CASCADE,
    recipient       text NOT NULL,                    -- for rate limits
    channel         text NOT NULL,
    address         text,                             -- from the event (a code's phone)
    secret          jsonb,                            -- sending-only values; erased when final
    status          text NOT NULL,
    attempts        int  NOT NULL DEFAULT 0,
    due_at          timestamptz NOT NULL,
    lease_until     timestamptz,
    sent_at         timestamptz,
    provider_ref    text,
    last_error      text,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (notification_id, channel)
);
CREATE INDEX delivery_due_idx ON delivery (due_at) WHERE status = 'queued';
CREATE INDEX delivery_lease_idx ON delivery (lease_until) WHERE status = 'sending';
CREATE INDEX delivery_dead_idx ON delivery (updated_at DESC) WHERE status = 'dead';
CREATE INDEX delivery_sent_idx ON delivery (recipient, channel, sent_at)
    WHERE sent_at IS NOT NULL;

-- The trail: every state a delivery went through, and why.
CREATE TABLE delivery_step (
    delivery_id bigint NOT NULL REFERENCES delivery ON DELETE CASCADE,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    status      text NOT NULL,
    attempt     int  NOT NULL DEFAULT 0,
    detail      text
);
CREATE INDEX delivery_step_idx ON delivery_step (delivery_id, at);
