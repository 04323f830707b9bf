-- The season questionnaire answered online: one row per student and questionnaire, written in
-- the transaction that puts the response on the outbox (survey.responses.v1), so a student
-- submits once and the response reaches survey even when survey is down at that moment.
CREATE TABLE survey_submission (
    subject          text        NOT NULL,
    questionnaire_id text        NOT NULL,
    response_id      text        NOT NULL UNIQUE,
    submitted_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject, questionnaire_id)
);
