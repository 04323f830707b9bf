-- The placement service proper: seasons, units and accounts, students and consents, the post
-- lifecycle, applications with ranked choices, interviews, offers and onboarding, audit and
-- idempotent requests. (0001 is the walking skeleton's post table; extended here.)

CREATE TABLE season (
    season_id          text PRIMARY KEY,
    name               text        NOT NULL,
    posts_open         timestamptz NOT NULL,
    posts_close        timestamptz NOT NULL,
    applications_open  timestamptz NOT NULL,
    applications_close timestamptz NOT NULL,
    interviews_open    timestamptz NOT NULL,
    interviews_close   timestamptz NOT NULL,
    on_post_start      date        NOT NULL,
    on_post_end        date        NOT NULL,
    max_choices        int         NOT NULL DEFAULT 5 CHECK (max_choices BETWEEN 1 AND 20),
    closed             boolean     NOT NULL DEFAULT false,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE unit (
    unit_id       text PRIMARY KEY,
    name          text        NOT NULL,
    unit_type     text        NOT NULL,
    county        text        NOT NULL,
    township      text,
    address       text,
    contact_name  text,
    contact_phone text,
    contact_email text,
    created_by    text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX unit_county_idx ON unit (county);

-- Everyone who signs in with a phone and a one-time code. A student's account id is their
-- student id. One role per phone number.
CREATE TABLE account (
    account_id text PRIMARY KEY,
    phone      text        NOT NULL UNIQUE,
    role       text        NOT NULL,
    name       text,
    unit_id    text REFERENCES unit (unit_id),
    county     text,
    city       text,
    active     boolean     NOT NULL DEFAULT true,
    created_by text,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A unit's systems submit posts with an API token; only its sha256 is kept.
CREATE TABLE unit_api_token (
    token_id   text PRIMARY KEY,
    unit_id    text        NOT NULL REFERENCES unit (unit_id),
    token_hash text        NOT NULL UNIQUE,
    label      text        NOT NULL,
    created_by text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

-- One live code per account and purpose; a new request replaces the old one.
CREATE TABLE one_time_code (
    account_id text        NOT NULL REFERENCES account (account_id),
    purpose    text        NOT NULL,
    code_hash  text        NOT NULL,
    sent_at    timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    attempts   int         NOT NULL DEFAULT 0,
    used       boolean     NOT NULL DEFAULT false,
    PRIMARY KEY (account_id, purpose)
);

CREATE TABLE student (
    student_id          text PRIMARY KEY REFERENCES account (account_id),
    name                text        NOT NULL,
    phone               text        NOT NULL,
    email               text,
    university          text        NOT NULL,
    university_city     text        NOT NULL,
    university_province text        NOT NULL,
    grade               text        NOT NULL,
    major               text        NOT NULL,
    discipline          text,
    home_county         text        NOT NULL,
    home_township       text,
    political_status    text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX student_home_idx ON student (home_county);

-- Consent history, append-only: the latest row per (student, purpose) is in force.
CREATE TABLE consent (
    consent_id  bigserial PRIMARY KEY,
    student_id  text        NOT NULL REFERENCES student (student_id),
    purpose     text        NOT NULL,
    granted     boolean     NOT NULL,
    version     text        NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consent_latest_idx ON consent (student_id, purpose, consent_id DESC);

ALTER TABLE post
    ADD COLUMN managing_org   text,
    ADD COLUMN need           text,
    ADD COLUMN duties         text,
    ADD COLUMN address        text,
    ADD COLUMN starts_on      date,
    ADD COLUMN ends_on        date,
    ADD COLUMN hours          text,
    ADD COLUMN majors         text[] NOT NULL DEFAULT '{}',
    ADD COLUMN supervisor     text,
    ADD COLUMN subsidy        text,
    ADD COLUMN meals          text,
    ADD COLUMN safety_notes   text,
    ADD COLUMN filled         int    NOT NULL DEFAULT 0 CHECK (filled >= 0),
    ADD COLUMN return_reason  text,
    ADD COLUMN status_reason  text,
    ADD COLUMN created_by     text,
    ADD COLUMN submitted_at   timestamptz,
    ADD COLUMN approved_by    text,
    ADD COLUMN approved_at    timestamptz;
-- NOT VALID: posts a walking-skeleton stack published before units existed stay readable.
ALTER TABLE post ADD CONSTRAINT post_unit_fk FOREIGN KEY (unit_id) REFERENCES unit (unit_id) NOT VALID;
ALTER TABLE post ADD CONSTRAINT post_season_fk FOREIGN KEY (season_id) REFERENCES season (season_id) NOT VALID;
CREATE INDEX post_list_idx ON post (season_id, status, county, category);
CREATE INDEX post_unit_idx ON post (unit_id);
CREATE INDEX post_managing_org_idx ON post (managing_org, status);
CREATE INDEX post_majors_idx ON post USING gin (majors);

CREATE TABLE application (
    application_id   text PRIMARY KEY,
    student_id       text        NOT NULL REFERENCES student (student_id),
    season_id        text        NOT NULL REFERENCES season (season_id),
    status           text        NOT NULL,
    home_county      text        NOT NULL,
    home_township    text,
    status_reason    text,
    decided_by       text,
    decided_at       timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
-- One live application per student and season; a withdrawn one may be followed by a new one.
CREATE UNIQUE INDEX application_live_idx ON application (student_id, season_id)
    WHERE status <> 'withdrawn';
CREATE INDEX application_county_idx ON application (season_id, home_county, status);

CREATE TABLE application_choice (
    application_id text NOT NULL REFERENCES application (application_id),
    rank           int  NOT NULL CHECK (rank >= 1),
    post_id        text NOT NULL REFERENCES post (post_id),
    PRIMARY KEY (application_id, rank),
    UNIQUE (application_id, post_id)
);
CREATE INDEX application_choice_post_idx ON application_choice (post_id);

CREATE TABLE interview (
    application_id text        NOT NULL REFERENCES application (application_id),
    post_id        text        NOT NULL REFERENCES post (post_id),
    scheduled_at   timestamptz,
    place          text,
    scores         jsonb,
    weights        jsonb,
    overall        double precision,
    scored_by      text,
    refused        boolean     NOT NULL DEFAULT false,
    refusal_reason text,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (application_id, post_id)
);

-- An offer from matching and the onboarding that follows it.
CREATE TABLE placement (
    placement_id    text PRIMARY KEY,
    application_id  text        NOT NULL REFERENCES application (application_id),
    student_id      text        NOT NULL REFERENCES student (student_id),
    post_id         text        NOT NULL REFERENCES post (post_id),
    unit_id         text        NOT NULL,
    season_id       text        NOT NULL,
    round_id        text,
    accept_by       timestamptz,
    status          text        NOT NULL,
    offered_at      timestamptz NOT NULL DEFAULT now(),
    decided_at      timestamptz,
    decline_reason  text,
    trained_at      timestamptz,
    committed_at    timestamptz,
    fixed_at        timestamptz,
    on_post_at      timestamptz,
    completed_at    timestamptz,
    unit_rating     int CHECK (unit_rating BETWEEN 1 AND 5),
    unit_comment    text,
    student_rating  int CHECK (student_rating BETWEEN 1 AND 5),
    student_comment text,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (student_id, post_id, round_id)
);
CREATE INDEX placement_post_idx ON placement (post_id, status);
CREATE INDEX placement_student_idx ON placement (student_id);

CREATE TABLE commitment (
    placement_id text PRIMARY KEY REFERENCES placement (placement_id),
    typed_name   text        NOT NULL,
    text         text        NOT NULL,
    text_sha256  text        NOT NULL,
    text_version text        NOT NULL,
    signed_at    timestamptz NOT NULL
);

-- Who saw or did what sensitive: phone reveals, exports, overrides.
CREATE TABLE audit (
    audit_id bigserial PRIMARY KEY,
    at       timestamptz NOT NULL DEFAULT now(),
    actor    text        NOT NULL,
    role     text        NOT NULL,
    action   text        NOT NULL,
    subject  text        NOT NULL,
    reason   text,
    detail   jsonb
);
CREATE INDEX audit_subject_idx ON audit (subject);

-- POSTs with an Idempotency-Key: the first response is kept and replayed to retries.
CREATE TABLE idempotent_request (
    principal   text        NOT NULL,
    key         text        NOT NULL,
    method      text        NOT NULL,
    path        text        NOT NULL,
    status_code int,
    body        jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal, key)
);
