-- Trigger: deletes the chunks of a large payload with the lean delivery row that holds its body
-- (V24: content_type set, payload NULL). Rows of the shared form fire nothing.
CREATE OR REPLACE FUNCTION spool_drop_lean_chunks()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    DELETE FROM spool_chunks WHERE msg_id = OLD.msg_id;
    RETURN NULL;
END $function$;

DROP TRIGGER IF EXISTS spool_deliveries_chunks ON spool_deliveries;
CREATE TRIGGER spool_deliveries_chunks AFTER DELETE ON spool_deliveries
    FOR EACH ROW WHEN (OLD.content_type IS NOT NULL AND OLD.payload IS NULL) EXECUTE FUNCTION spool_drop_lean_chunks();
