-- Selected redrive: like spool_redrive, but only the dead letters whose source ids (the ids a browse of
-- state=dead shows) are in p_ids; other ids are skipped.
CREATE OR REPLACE FUNCTION spool_redrive_ids(p_queue text, p_group text, p_limit integer, p_ids bigint[])
 RETURNS bigint
 LANGUAGE plpgsql
AS $function$
DECLARE
    q spool_queues := spool_queue_get(p_queue, false);
    g bigint := spool_group_id(q.id, p_group);
    now bigint := spool_now();
    dead bigint[];
    new_ids bigint[];
    dq spool_queues;
BEGIN
    PERFORM 1 FROM spool_queues WHERE id = q.id FOR KEY SHARE;
    SELECT * INTO dq FROM spool_queues WHERE name = coalesce(q.dlq, spool_dlq_name(q.name));
    IF FOUND THEN
        PERFORM spool_settle(dq, spool_group_id(dq.id, 'default'), now);
    END IF;
    SELECT array_agg(s.id ORDER BY s.id) INTO dead FROM (
        SELECT m.id FROM spool_messages m
        WHERE m.dead_src_grp = g AND m.dead_src_id = ANY (p_ids)
          AND EXISTS (SELECT 1 FROM spool_deliveries x JOIN spool_groups dg ON dg.id = x.grp_id
                      WHERE dg.queue_id = m.queue_id AND dg.name = 'default' AND x.msg_id = m.id
                        AND x.state IN (0, 1, 2))
        ORDER BY m.id
        LIMIT p_limit
        FOR UPDATE OF m SKIP LOCKED) s;
    IF dead IS NULL THEN
        RETURN 0;
    END IF;
    WITH ins AS (
        INSERT INTO spool_messages (queue_id, id, enqueued_at, not_before, expires_at, priority, key, content_type,
                                    headers, traceparent, size, payload, dead_src_queue, dead_src_id)
        SELECT q.id, nextval('spool_message_ids'), now, now, now + q.ttl_ms, m.priority, m.key, m.content_type,
               coalesce((SELECT array_agg(h.v ORDER BY h.o) FROM unnest(m.headers) WITH ORDINALITY AS h(v, o)
                         WHERE m.headers[h.o - ((h.o + 1) % 2)] NOT IN
                               ('spool-dead-reason', 'spool-source-queue', 'spool-source-group', 'spool-source-id')),
                        '{}'),
               m.traceparent, m.size, m.payload, m.queue_id, m.id
        FROM spool_messages m WHERE m.id = ANY (dead) AND m.dead_src_grp = g
        ORDER BY m.id
        RETURNING id)
    SELECT array_agg(id) INTO new_ids FROM ins;
    -- dead_src_queue/dead_src_id of a redriven message point at the dead letter only until its chunks are copied
    INSERT INTO spool_chunks (msg_id, seq, data)
    SELECT m.id, c.seq, c.data
    FROM spool_messages m JOIN spool_chunks c ON c.msg_id = m.dead_src_id
    WHERE m.queue_id = q.id AND m.id = ANY (new_ids) AND m.payload IS NULL;
    UPDATE spool_messages SET dead_src_queue = NULL, dead_src_id = NULL WHERE queue_id = q.id AND id = ANY (new_ids);
    DELETE FROM spool_deliveries x USING spool_messages m, spool_groups dg
    WHERE m.id = ANY (dead) AND m.dead_src_grp = g AND dg.queue_id = m.queue_id AND x.grp_id = dg.id
      AND x.msg_id = m.id;
    DELETE FROM spool_messages m WHERE m.id = ANY (dead) AND m.dead_src_grp = g;
    PERFORM spool_fanout(q.id, g, new_ids, now);
    PERFORM pg_notify('spool', 'r' || q.name);
    RETURN cardinality(new_ids);
END $function$;
