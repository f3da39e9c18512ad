-- Drops every message of a queue in every group; returns how many bodies went.
CREATE OR REPLACE FUNCTION spool_purge(p_queue text)
 RETURNS bigint
 LANGUAGE plpgsql
AS $function$
DECLARE
    q spool_queues := spool_queue_get(p_queue, false);
    n bigint;
BEGIN
    PERFORM 1 FROM spool_queues WHERE id = q.id FOR UPDATE;
    DELETE FROM spool_deliveries WHERE grp_id IN (SELECT id FROM spool_groups WHERE queue_id = q.id);
    DELETE FROM spool_messages WHERE queue_id = q.id;
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM pg_notify('spool', 'd' || q.name);
    RETURN n;
END $function$;
