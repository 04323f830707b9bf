-- Posts (岗位) offered by units. The full post lifecycle (draft → submitted → approved …)
-- arrives with the placement issue; the walking skeleton publishes posts directly.
CREATE TABLE post (
    post_id      text PRIMARY KEY,
    unit_id      text        NOT NULL,
    season_id    text        NOT NULL,
    title        text        NOT NULL,
    category     text        NOT NULL,
    county       text        NOT NULL,
    township     text,
    capacity     int         NOT NULL CHECK (capacity >= 0),
    status       text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- A client's Idempotency-Key maps to the response it got, so a retry creates nothing new.
CREATE TABLE idempotency_key (
    principal   text        NOT NULL,
    key         text        NOT NULL,
    resource_id text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal, key)
);
