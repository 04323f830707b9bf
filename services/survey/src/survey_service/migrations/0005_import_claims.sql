-- Several service instances may share one database: an interrupted import is resumed by one
-- of them only. heartbeat_at is refreshed with every stored batch (and set to -infinity by a
-- clean stop); an instance claims a running import whose heartbeat is older than the stale
-- period with one conditional UPDATE, so two instances never both claim it. upload_host says
-- where the kept file is, for instances whose upload folders are not shared.
ALTER TABLE import ADD COLUMN heartbeat_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE import ADD COLUMN upload_host text;
