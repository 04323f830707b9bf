-- 居民身份证号, asked at 定岗 for the insurance: only AES-GCM ciphertext (key outside the
-- database) and the masked form for display are stored.
CREATE TABLE student_id_number (
    student_id  text PRIMARY KEY REFERENCES student (student_id),
    ciphertext  bytea       NOT NULL,
    masked      text        NOT NULL,
    recorded_by text        NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
