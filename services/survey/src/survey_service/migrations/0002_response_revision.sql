-- A revision per questionnaire that changes whenever its responses change: the analysis
-- cache is keyed by it, so a new response (API, Kafka or import) invalidates the cached
-- analysis of its questionnaire. Statement-level, so an import batch of 5 000 rows bumps it
-- once; a batch whose rows were all stored before (ON CONFLICT DO NOTHING) does not bump it.

ALTER TABLE questionnaire ADD COLUMN revision bigint NOT NULL DEFAULT 0;

CREATE FUNCTION response_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE questionnaire q SET revision = q.revision + 1
     WHERE q.questionnaire_id IN (SELECT DISTINCT questionnaire_id FROM new_rows);
    RETURN NULL;
END $$;

-- Responses are not updated or deleted by the service today; if an operator does it, every
-- questionnaire's cache is invalidated rather than risk a stale analysis.
CREATE FUNCTION response_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE questionnaire SET revision = revision + 1;
    RETURN NULL;
END $$;

CREATE TRIGGER response_revision_insert AFTER INSERT ON response
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION response_inserted();
CREATE TRIGGER response_revision_change AFTER UPDATE OR DELETE OR TRUNCATE ON response
    FOR EACH STATEMENT EXECUTE FUNCTION response_changed();
