-- Messages that died in (q, group): their rows are already DEAD; push a copy of each to the
-- dead-letter queue with the spool-* headers, and let their keys move on. The body is the lean
-- row's own (V24) or the shared one; the copy in the dead-letter queue is always of the shared form
-- (its spool_messages row carries the dead_* columns that browse, stats and redrive read).
CREATE OR REPLACE FUNCTION spool_dead_letter(q spool_queues, p_grp bigint, p_ids bigint[], p_reasons text[], p_keys text[], p_now bigint)
 RETURNS void
 LANGUAGE plpgsql
AS $function$
DECLARE
    dq spool_queues;
    gname text;
    new_ids bigint[];
BEGIN
    IF p_ids IS NULL OR cardinality(p_ids) = 0 THEN
        RETURN;
    END IF;
    SELECT name INTO gname FROM spool_groups WHERE id = p_grp;
    dq := spool_queue_get(coalesce(q.dlq, spool_dlq_name(q.name)), true);
    WITH ins AS (
        INSERT INTO spool_messages (queue_id, id, enqueued_at, not_before, expires_at, priority, key, content_type,
                                    headers, traceparent, size, payload, dead_src_queue, dead_src_grp, dead_src_id,
                                    dead_reason, dead_attempts, dead_enqueued_at)
        SELECT dq.id, nextval('spool_message_ids'), p_now, p_now, p_now + dq.ttl_ms, d.priority, d.key,
               coalesce(d.content_type, m.content_type),
               CASE WHEN d.content_type IS NULL THEN m.headers ELSE d.headers END
                   || ARRAY['spool-dead-reason', r.reason, 'spool-source-queue', q.name,
                            'spool-source-group', gname, 'spool-source-id', spool_hex(r.id)],
               CASE WHEN d.content_type IS NULL THEN m.traceparent ELSE d.traceparent END,
               CASE WHEN d.content_type IS NULL THEN m.size ELSE d.size END,
               CASE WHEN d.content_type IS NULL THEN m.payload ELSE d.payload END,
               q.id, p_grp, r.id, r.reason, d.attempts, d.enqueued_at
        FROM (SELECT * FROM unnest(p_ids, p_reasons) AS u(id, reason) ORDER BY 1) r
        JOIN spool_deliveries d ON d.grp_id = p_grp AND d.msg_id = r.id
        LEFT JOIN LATERAL (
            SELECT m.content_type, m.headers, m.traceparent, m.size, m.payload FROM spool_messages m
            WHERE d.content_type IS NULL AND m.queue_id = q.id AND m.id = r.id OFFSET 0) m ON true
        WHERE d.content_type IS NOT NULL OR m.content_type IS NOT NULL
        ORDER BY r.id
        RETURNING id)
    SELECT array_agg(id) INTO new_ids FROM ins;
    INSERT INTO spool_chunks (msg_id, seq, data)
    SELECT m.id, c.seq, c.data
    FROM spool_messages m JOIN spool_chunks c ON c.msg_id = m.dead_src_id
    WHERE m.queue_id = dq.id AND m.id = ANY (new_ids) AND m.payload IS NULL;
    PERFORM spool_fanout(dq.id, NULL, new_ids, p_now);
    PERFORM pg_notify('spool', 'r' || dq.name);
    PERFORM pg_notify('spool', 'd' || q.name);
    PERFORM spool_promote(q.id, p_grp, p_keys, p_now);
    PERFORM pg_notify('spool', 'r' || q.name);
END $function$;
