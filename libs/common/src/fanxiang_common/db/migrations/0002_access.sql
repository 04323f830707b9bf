-- Tokens placement stopped before they expire (placement.access.v1). Every service but
-- placement (which holds the truth) keeps this copy through its access consumer and checks
-- each request's token against it: fanxiang_common.access.

CREATE TABLE revoked_token (
    jti        text        PRIMARY KEY,
    subject    text        NOT NULL,
    expires_at timestamptz NOT NULL                -- after this the token is refused anyway
);
CREATE INDEX revoked_token_expiry ON revoked_token (expires_at);

CREATE TABLE subject_access (
    subject            text        PRIMARY KEY,    -- an account id or a unit API token's id
    disabled           boolean     NOT NULL,
    reason             text        NOT NULL,       -- AccessChangedV1.reason
    tokens_valid_after timestamptz,                -- signed out everywhere at this moment
    changed_at         timestamptz NOT NULL,       -- placement's time, for people to read
    version            bigint      NOT NULL        -- the event's per-subject sequence: the
                                                   -- latest state wins, whatever the clocks
);
