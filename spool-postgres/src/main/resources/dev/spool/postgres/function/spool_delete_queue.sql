-- Deletes a queue: its groups, delivery rows, bodies and dedup ids.
CREATE OR REPLACE FUNCTION spool_delete_queue(p_queue text)
 RETURNS void
 LANGUAGE plpgsql
AS $function$
DECLARE
    q spool_queues := spool_queue_get(p_queue, false);
BEGIN
    PERFORM 1 FROM spool_queues WHERE id = q.id FOR UPDATE;
    DELETE FROM spool_deliveries WHERE grp_id IN (SELECT id FROM spool_groups WHERE queue_id = q.id);
    DELETE FROM spool_messages WHERE queue_id = q.id;
    DELETE FROM spool_dedup WHERE queue_id = q.id;
    DELETE FROM spool_queues WHERE id = q.id;
    PERFORM pg_notify('spool', 'x' || q.name);
END $function$;
