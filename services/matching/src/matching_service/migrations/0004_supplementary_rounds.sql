-- Supplementary rounds (补录, like the NRMP's SOAP): students not placed by a published round
-- of the season, into the seats still open or freed by declines and expired offers.

-- Students' answers to offers, from placement.applications.v1 (accepted, declined, expired).
CREATE TABLE offer_answer (
    application_id text        NOT NULL,
    post_id        text        NOT NULL,
    student_id     text        NOT NULL,
    round_id       text,
    status         text        NOT NULL CHECK (status IN ('accepted', 'declined', 'expired')),
    sequence       bigint      NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (application_id, post_id)
);

-- The season's published rounds a round was computed against: publishing it is refused
-- when another round of the season was published since (its seats would be counted twice).
ALTER TABLE round ADD COLUMN based_on text[] NOT NULL DEFAULT '{}';

-- Only one main round per season; supplementary rounds may follow one another.
DROP INDEX round_one_published;
CREATE UNIQUE INDEX round_one_published_main ON round (season_id)
    WHERE status = 'published' AND kind = 'main';
ALTER TABLE round ADD CONSTRAINT round_kind CHECK (kind IN ('main', 'supplementary'));
