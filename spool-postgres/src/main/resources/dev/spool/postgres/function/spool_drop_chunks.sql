-- Trigger: deletes the chunks of a large payload with its body row.
CREATE OR REPLACE FUNCTION spool_drop_chunks()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    DELETE FROM spool_chunks WHERE msg_id = OLD.id;
    RETURN NULL;
END $function$;

-- Chunks of a deleted large payload go with it.
DROP TRIGGER IF EXISTS spool_messages_chunks ON spool_messages;
CREATE TRIGGER spool_messages_chunks AFTER DELETE ON spool_messages
    FOR EACH ROW WHEN (OLD.payload IS NULL) EXECUTE FUNCTION spool_drop_chunks();
