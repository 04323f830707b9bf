-- The uploaded file of an import is kept (upload_path) until the import is finished or
-- failed, so an import interrupted by a stop is run again at the next start (importing the
-- same rows twice stores nothing: responses are unique per questionnaire and fingerprint).
ALTER TABLE import ADD COLUMN upload_path text;
ALTER TABLE import ADD COLUMN resumed int NOT NULL DEFAULT 0;  -- times restarted after a stop
CREATE INDEX import_running ON import (status) WHERE status = 'running';
CREATE INDEX response_by_import ON response (import_id) WHERE import_id IS NOT NULL;
