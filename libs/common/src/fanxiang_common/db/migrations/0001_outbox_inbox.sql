-- The event plumbing every service has: the transactional outbox, per-aggregate sequences,
-- and the inbox that makes each consumer's handling idempotent.

CREATE TABLE outbox (
    position    bigserial PRIMARY KEY,             -- relay order
    event_id    uuid        NOT NULL UNIQUE,       -- minted when the fact happened
    topic       text        NOT NULL,              -- logical topic name
    key         text        NOT NULL,              -- aggregate id: the Kafka key
    event_type  text        NOT NULL,
    payload     bytea       NOT NULL,              -- the envelope exactly as it is sent
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE aggregate_sequence (
    aggregate_type text   NOT NULL,
    aggregate_id   text   NOT NULL,
    last_sequence  bigint NOT NULL,
    PRIMARY KEY (aggregate_type, aggregate_id)
);

CREATE TABLE inbox (
    consumer     text        NOT NULL,             -- the consumer group, <service>.<purpose>
    event_id     uuid        NOT NULL,
    event_type   text        NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

CREATE INDEX inbox_processed_at_idx ON inbox (processed_at);
