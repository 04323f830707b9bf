-- Matching's own read model of placement's posts, built from placement.posts.v1.
-- `sequence` is the last applied event of the post, so a late or replayed event never
-- overwrites newer state.
CREATE TABLE post (
    post_id    text PRIMARY KEY,
    unit_id    text        NOT NULL,
    season_id  text        NOT NULL,
    title      text        NOT NULL,
    category   text        NOT NULL,
    county     text        NOT NULL,
    township   text,
    capacity   int         NOT NULL,
    open       boolean     NOT NULL,
    sequence   bigint      NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
