-- Deletes a named group with its delivery rows (the default group stays).
CREATE OR REPLACE FUNCTION spool_delete_group(p_queue text, p_group text)
 RETURNS void
 LANGUAGE plpgsql
AS $function$
DECLARE
    q spool_queues := spool_queue_get(p_queue, false);
    g bigint := spool_group_id(q.id, p_group);
    ids bigint[];
BEGIN
    PERFORM 1 FROM spool_queues WHERE id = q.id FOR UPDATE;
    WITH del AS (DELETE FROM spool_deliveries WHERE grp_id = g RETURNING msg_id)
    SELECT array_agg(msg_id) INTO ids FROM del;
    DELETE FROM spool_groups WHERE id = g;
    PERFORM spool_drop_unheld(q.id, ids);
    PERFORM pg_notify('spool', 'r' || q.name);
END $function$;
