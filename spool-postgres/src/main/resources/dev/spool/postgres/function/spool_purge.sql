-- Drops every message of a queue in every group; returns how many bodies went (shared ones and
-- those of lean rows, V24).
CREATE OR REPLACE FUNCTION spool_purge(p_queue text)
 RETURNS bigint
 LANGUAGE plpgsql
AS $function$
DECLARE
    q spool_queues := spool_queue_get(p_queue, false);
    n bigint;
    lean bigint;
BEGIN
    PERFORM 1 FROM spool_queues WHERE id = q.id FOR UPDATE;
    WITH del AS (DELETE FROM spool_deliveries WHERE grp_id IN (SELECT id FROM spool_groups WHERE queue_id = q.id)
                 RETURNING content_type)
    SELECT count(*) FILTER (WHERE content_type IS NOT NULL) INTO lean FROM del;
    DELETE FROM spool_messages WHERE queue_id = q.id;
    GET DIAGNOSTICS n = ROW_COUNT;
    n := n + lean;
    PERFORM pg_notify('spool', 'd' || q.name);
    RETURN n;
END $function$;
