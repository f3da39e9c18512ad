-- Browse: p_state 0 ready, 1 delayed (timed or behind its key), 3 in flight, 5 dead letters.
-- Bodies: the lean row's own (V24) or the shared spool_messages row; dead letters are always shared.
CREATE OR REPLACE FUNCTION spool_browse(p_queue text, p_group text, p_state integer, p_limit integer, p_after bigint)
 RETURNS TABLE(msg_id bigint, state smallint, attempts integer, enqueued_at bigint, avail_at bigint, last_error text, priority smallint, key text, content_type text, headers text[], traceparent text, size bigint, payload bytea, body_queue bigint, body_id bigint)
 LANGUAGE plpgsql
AS $function$
#variable_conflict use_column
DECLARE
    q spool_queues := spool_queue_get(p_queue, false);
    g bigint := spool_group_id(q.id, p_group);
    now bigint := spool_now();
BEGIN
    PERFORM spool_settle(q, g, now);
    IF p_state = 5 THEN
        RETURN QUERY
        SELECT m.dead_src_id, 5::smallint, m.dead_attempts, m.dead_enqueued_at, 0::bigint, m.dead_reason,
               m.priority, m.key, m.content_type, m.headers, m.traceparent, m.size, m.payload, m.queue_id, m.id
        FROM spool_messages m
        WHERE m.dead_src_grp = g AND m.dead_src_id > p_after
          AND EXISTS (SELECT 1 FROM spool_deliveries x JOIN spool_groups dg ON dg.id = x.grp_id
                      WHERE dg.queue_id = m.queue_id AND dg.name = 'default' AND x.msg_id = m.id AND x.state < 4)
        ORDER BY m.dead_src_id
        LIMIT p_limit;
        RETURN;
    END IF;
    RETURN QUERY
    SELECT d.msg_id, d.state, d.attempts, d.enqueued_at, d.avail_at, d.last_error, d.priority, d.key,
           coalesce(d.content_type, m.content_type),
           CASE WHEN d.content_type IS NULL THEN m.headers ELSE d.headers END,
           CASE WHEN d.content_type IS NULL THEN m.traceparent ELSE d.traceparent END,
           CASE WHEN d.content_type IS NULL THEN m.size ELSE d.size END,
           CASE WHEN d.content_type IS NULL THEN m.payload ELSE d.payload END, q.id, d.msg_id
    FROM spool_deliveries d
    LEFT JOIN LATERAL (
        SELECT m.content_type, m.headers, m.traceparent, m.size, m.payload FROM spool_messages m
        WHERE d.content_type IS NULL AND m.queue_id = q.id AND m.id = d.msg_id OFFSET 0) m ON true
    WHERE d.grp_id = g AND d.msg_id > p_after
      AND (d.content_type IS NOT NULL OR m.content_type IS NOT NULL)
      AND CASE p_state WHEN 0 THEN d.state = 0 AND d.expires_at > now
                       WHEN 1 THEN d.state IN (1, 2)
                       ELSE d.state = 3 END
    ORDER BY d.msg_id
    LIMIT p_limit;
END $function$;
