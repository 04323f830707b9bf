-- The season's temporary League branch (临时团支部). Its members are not stored: they are the
-- students whose placement in the season is on post or completed. Stored: self-nominations
-- for its offices (the approved ones are the officers), its activities, sign-ups, attendance.

CREATE TABLE branch_nomination (
    nomination_id text PRIMARY KEY,
    season_id     text        NOT NULL REFERENCES season (season_id),
    student_id    text        NOT NULL REFERENCES student (student_id),
    office        text        NOT NULL
        CHECK (office IN ('secretary', 'deputy_secretary', 'committee_member')),
    statement     text,
    status        text        NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'rejected')),
    reason        text,
    decided_by    text,
    decided_at    timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);
-- One live (pending or approved) nomination per student and season: one office each.
CREATE UNIQUE INDEX branch_nomination_live_idx ON branch_nomination (season_id, student_id)
    WHERE status IN ('pending', 'approved');
-- At most one secretary, whatever the code does.
CREATE UNIQUE INDEX branch_secretary_idx ON branch_nomination (season_id)
    WHERE status = 'approved' AND office = 'secretary';

CREATE TABLE branch_activity (
    activity_id   text PRIMARY KEY,
    season_id     text        NOT NULL REFERENCES season (season_id),
    title         text        NOT NULL,
    kind          text        NOT NULL
        CHECK (kind IN ('lecture', 'sports', 'volunteer', 'forum', 'other')),
    starts_at     timestamptz NOT NULL,
    ends_at       timestamptz NOT NULL CHECK (ends_at > starts_at),
    place         text        NOT NULL,
    capacity      int         NOT NULL CHECK (capacity BETWEEN 1 AND 1000),
    signed_up     int         NOT NULL DEFAULT 0 CHECK (signed_up BETWEEN 0 AND capacity),
    description   text,
    status        text        NOT NULL DEFAULT 'announced'
        CHECK (status IN ('announced', 'cancelled')),
    cancel_reason text,
    created_by    text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX branch_activity_season_idx ON branch_activity (season_id, starts_at);

CREATE TABLE branch_signup (
    activity_id  text        NOT NULL REFERENCES branch_activity (activity_id),
    student_id   text        NOT NULL REFERENCES student (student_id),
    signed_up_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (activity_id, student_id)
);

-- Who an officer saw there (signed up or walked in).
CREATE TABLE branch_attendance (
    activity_id text        NOT NULL REFERENCES branch_activity (activity_id),
    student_id  text        NOT NULL REFERENCES student (student_id),
    marked_by   text        NOT NULL,
    marked_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (activity_id, student_id)
);
CREATE INDEX branch_attendance_student_idx ON branch_attendance (student_id);

-- The branch's members: placements of a season by state.
CREATE INDEX placement_season_status_idx ON placement (season_id, status, student_id);
