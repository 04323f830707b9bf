-- Interview slots a unit publishes for a post, and the applicants' bookings (one per
-- application and post). `booked` is kept with the slot so that a booking is one guarded
-- UPDATE (never above capacity, even for concurrent bookings).
CREATE TABLE interview_slot (
    slot_id    text PRIMARY KEY,
    post_id    text        NOT NULL REFERENCES post (post_id),
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz NOT NULL,
    place      text,
    online_url text,
    capacity   int         NOT NULL CHECK (capacity BETWEEN 1 AND 500),
    booked     int         NOT NULL DEFAULT 0 CHECK (booked >= 0 AND booked <= capacity),
    created_by text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at),
    CHECK (place IS NOT NULL OR online_url IS NOT NULL)
);
CREATE INDEX interview_slot_post_idx ON interview_slot (post_id, starts_at);

CREATE TABLE interview_booking (
    application_id text        NOT NULL REFERENCES application (application_id),
    post_id        text        NOT NULL REFERENCES post (post_id),
    slot_id        text        NOT NULL REFERENCES interview_slot (slot_id),
    student_id     text        NOT NULL,
    booked_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (application_id, post_id)
);
CREATE INDEX interview_booking_slot_idx ON interview_booking (slot_id);
