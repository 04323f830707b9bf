-- Sign-in sessions: the browser holds a random id in an HttpOnly cookie; only its sha256 is
-- kept here, beside the bearer token placement issued (never sent to the browser).
CREATE TABLE web_session (
    session_hash text        PRIMARY KEY,
    token        text        NOT NULL,
    subject      text        NOT NULL,
    role         text        NOT NULL,
    unit_id      text,
    county       text,
    city         text,
    phone        text        NOT NULL,  -- masked
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX web_session_expires_idx ON web_session (expires_at);

-- A student's 志愿 list while they build it, before (and between) submissions to placement.
CREATE TABLE choice_draft (
    subject    text        NOT NULL,
    season_id  text        NOT NULL,
    choices    text[]      NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject, season_id)
);
