-- Survey's own data: questionnaires (versioned definitions), responses from the HTTP API,
-- Kafka (survey.responses.v1) and file imports, and the imports themselves.
-- No personal data: IP, user id and nickname columns never reach these tables.

CREATE TABLE questionnaire (
    questionnaire_id text        PRIMARY KEY,
    version          text        NOT NULL,
    definition       jsonb       NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE import (
    import_id     text        PRIMARY KEY,
    questionnaire_id text     NOT NULL REFERENCES questionnaire,
    file_name     text        NOT NULL,
    status        text        NOT NULL DEFAULT 'running'
                  CHECK (status IN ('running', 'finished', 'failed')),
    progress      int         NOT NULL DEFAULT 0,  -- data rows read so far
    data_rows     int         NOT NULL DEFAULT 0,
    responses     int         NOT NULL DEFAULT 0,
    stored        int         NOT NULL DEFAULT 0,
    duplicates    int         NOT NULL DEFAULT 0,
    rejected      int         NOT NULL DEFAULT 0,
    blank         int         NOT NULL DEFAULT 0,
    warnings      int         NOT NULL DEFAULT 0,
    report        jsonb,                      -- ImportReport.as_dict(): problems by row/column
    error         text,
    requested_by  text        NOT NULL,
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz
);

CREATE TABLE response (
    response_id      text        PRIMARY KEY,
    questionnaire_id text        NOT NULL REFERENCES questionnaire,
    fingerprint      text        NOT NULL,
    source           text        NOT NULL CHECK (source IN ('api', 'kafka', 'import')),
    answers          jsonb       NOT NULL,
    student_id       text,
    county           text,       -- the respondent's home county code, for county scoping
    submitted_at     timestamptz,
    duration_s       double precision,
    import_id        text        REFERENCES import,
    stored_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (questionnaire_id, fingerprint)
);
CREATE INDEX response_by_county ON response (questionnaire_id, county);
