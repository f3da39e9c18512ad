-- Counts of every group of a queue, default first, then by name. dead: dead letters still in a DLQ.
CREATE OR REPLACE FUNCTION spool_stats(p_queue text)
 RETURNS TABLE(grp_name text, start_kind smallint, start_ms bigint, created_at bigint, ready bigint, delayed bigint, in_flight bigint, dead bigint, oldest_ready_age bigint)
 LANGUAGE plpgsql
AS $function$
#variable_conflict use_column
DECLARE
    q spool_queues := spool_queue_get(p_queue, false);
    now bigint := spool_now();
    dq spool_queues;
    gid bigint;
BEGIN
    FOR gid IN SELECT id FROM spool_groups WHERE queue_id = q.id LOOP
        PERFORM spool_settle(q, gid, now);
    END LOOP;
    SELECT * INTO dq FROM spool_queues WHERE name = coalesce(q.dlq, spool_dlq_name(q.name));
    IF FOUND THEN
        PERFORM spool_settle(dq, spool_group_id(dq.id, 'default'), now);
    END IF;
    RETURN QUERY
    SELECT g.name, g.start_kind, g.start_ms, g.created_at, c.ready, c.delayed, c.in_flight,
           (SELECT count(*) FROM spool_messages m
            WHERE m.dead_src_grp = g.id
              AND EXISTS (SELECT 1 FROM spool_deliveries x JOIN spool_groups dg ON dg.id = x.grp_id
                          WHERE dg.queue_id = m.queue_id AND dg.name = 'default' AND x.msg_id = m.id
                            AND x.state < 4)),
           coalesce(now - c.oldest, 0)
    FROM spool_groups g
    CROSS JOIN LATERAL (
        SELECT count(*) FILTER (WHERE d.state = 0 AND d.expires_at > now) AS ready,
               count(*) FILTER (WHERE d.state IN (1, 2)) AS delayed,
               count(*) FILTER (WHERE d.state = 3) AS in_flight,
               min(d.enqueued_at) FILTER (WHERE d.state = 0 AND d.expires_at > now) AS oldest
        FROM spool_deliveries d WHERE d.grp_id = g.id AND d.state < 4) c
    WHERE g.queue_id = q.id
    ORDER BY g.name <> 'default', g.name;
END $function$;
