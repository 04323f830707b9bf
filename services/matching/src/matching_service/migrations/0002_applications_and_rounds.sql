-- Matching's read model of placement's applications (placement.applications.v1) and its rounds.
-- `sequence` is the last applied event of the application (or of the application's entry for
-- one post), so a late or replayed event never overwrites newer state.
CREATE TABLE application (
    application_id text PRIMARY KEY,
    student_id     text        NOT NULL,
    season_id      text        NOT NULL,
    home_county    text        NOT NULL,
    home_township  text,
    choices        text[]      NOT NULL,
    eligible       boolean,              -- null: the home county has not decided yet
    withdrawn      boolean     NOT NULL DEFAULT false,
    sequence       bigint      NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX application_season ON application (season_id, student_id);

-- A unit's verdict on one applicant for one post: the interview score and/or 不录用.
CREATE TABLE application_post (
    application_id text        NOT NULL,
    post_id        text        NOT NULL,
    score          double precision,
    refused        boolean     NOT NULL DEFAULT false,
    sequence       bigint      NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (application_id, post_id)
);

-- A round: its exact input (replayable: `instance` is a contract-4 document), the seed and
-- the input's hash, the result, the checks, and whether it was published (then immutable).
CREATE TABLE round (
    round_id       text PRIMARY KEY,
    season_id      text        NOT NULL,
    kind           text        NOT NULL DEFAULT 'main',
    locality       text        NOT NULL,
    seed           bigint      NOT NULL,
    input_sha256   text        NOT NULL,
    instance       jsonb       NOT NULL,
    post_facts     jsonb       NOT NULL,  -- post id -> county, unit, category, title
    student_facts  jsonb       NOT NULL,  -- student id -> application id, home county
    result         jsonb       NOT NULL,  -- contract-4 result: assignments, unmatched, stats
    explanations   jsonb       NOT NULL,
    checks         jsonb       NOT NULL,  -- feasibility problems and blocking pairs (both empty)
    status         text        NOT NULL DEFAULT 'run' CHECK (status IN ('run', 'published')),
    created_by     text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    published_by   text,
    published_at   timestamptz,
    accept_by      timestamptz
);

-- A published round never changes again.
CREATE FUNCTION round_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'published' THEN
        RAISE EXCEPTION 'round % is published and immutable', OLD.round_id;
    END IF;
    RETURN COALESCE(NEW, OLD);
END $$;
CREATE TRIGGER round_immutable BEFORE UPDATE OR DELETE ON round
    FOR EACH ROW EXECUTE FUNCTION round_immutable();
