-- Spool schema, version 4: task view, browse, redrive, queue and group administration, clean-up.

-- The task view of a message in a group (no row: MESSAGE_NOT_FOUND). has_body: the body columns are set.
CREATE FUNCTION spool_get(p_queue text, p_group text, p_id bigint)
RETURNS TABLE (state smallint, attempts int, enqueued_at bigint, avail_at bigint, expires_at bigint,
               last_error text, result bytea, result_type text, has_body boolean, priority smallint, key text,
               content_type text, headers text[], traceparent text, size bigint, payload bytea, now_ms bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    q spool_queues := spool_queue_get(p_queue, false);
    g bigint := spool_group_id(q.id, p_group);
    now bigint := spool_now();
BEGIN
    PERFORM spool_settle(q, g, now);
    RETURN QUERY
    SELECT d.state, d.attempts, d.enqueued_at, d.avail_at, d.expires_at, d.last_error, d.result, d.result_type,
           m.id IS NOT NULL, d.priority, m.key, m.content_type, m.headers, m.traceparent, m.size, m.payload, now
    FROM spool_deliveries d
    LEFT JOIN spool_messages m ON m.queue_id = q.id AND m.id = d.msg_id
    WHERE d.grp_id = g AND d.msg_id = p_id AND (d.state < 4 OR d.keep_until > now);
    IF NOT FOUND THEN
        RAISE EXCEPTION 'message % not found', spool_hex(p_id) USING ERRCODE = 'SPM01';
    END IF;
END $$;

-- Browse: p_state 0 ready, 1 delayed (timed or behind its key), 3 in flight, 5 dead letters.
CREATE FUNCTION spool_browse(p_queue text, p_group text, p_state int, p_limit int, p_after bigint)
RETURNS TABLE (msg_id bigint, state smallint, attempts int, enqueued_at bigint, avail_at bigint, last_error text,
               priority smallint, key text, content_type text, headers text[], traceparent text, size bigint,
               payload bytea, body_queue bigint, body_id bigint)
LANGUAGE plpgsql AS $$
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
    SELECT d.msg_id, d.state, d.attempts, d.enqueued_at, d.avail_at, d.last_error, d.priority, m.key,
           m.content_type, m.headers, m.traceparent, m.size, m.payload, m.queue_id, m.id
    FROM spool_deliveries d
    JOIN spool_messages m ON m.queue_id = q.id AND m.id = d.msg_id
    WHERE d.grp_id = g AND d.msg_id > p_after
      AND CASE p_state WHEN 0 THEN d.state = 0 AND d.expires_at > now
                       WHEN 1 THEN d.state IN (1, 2)
                       ELSE d.state = 3 END
    ORDER BY d.msg_id
    LIMIT p_limit;
END $$;

-- Redrive: dead letters of (queue, group) not leased in the dead-letter queue go back to that group.
CREATE FUNCTION spool_redrive(p_queue text, p_group text, p_limit int) RETURNS bigint LANGUAGE plpgsql AS $$
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
        WHERE m.dead_src_grp = g
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
END $$;

-- Creates a queue or replaces its configuration; returns whether it was created.
CREATE FUNCTION spool_put_queue(p_name text, p_vis bigint, p_max_attempts int, p_dlq text, p_bo_initial bigint,
                                p_bo_max bigint, p_bo_mult float8, p_bo_jitter boolean, p_retention bigint,
                                p_ttl bigint, p_max_bytes bigint, p_dedup bigint, p_result_ttl bigint)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    q spool_queues;
BEGIN
    UPDATE spool_queues SET vis_ms = p_vis, max_attempts = p_max_attempts, dlq = p_dlq, bo_initial_ms = p_bo_initial,
           bo_max_ms = p_bo_max, bo_mult = p_bo_mult, bo_jitter = p_bo_jitter, retention_ms = p_retention,
           ttl_ms = p_ttl, max_bytes = p_max_bytes, dedup_ms = p_dedup, result_ttl_ms = p_result_ttl
    WHERE name = p_name;
    IF FOUND THEN
        RETURN false;
    END IF;
    q := spool_queue_get(p_name, true);
    UPDATE spool_queues SET vis_ms = p_vis, max_attempts = p_max_attempts, dlq = p_dlq, bo_initial_ms = p_bo_initial,
           bo_max_ms = p_bo_max, bo_mult = p_bo_mult, bo_jitter = p_bo_jitter, retention_ms = p_retention,
           ttl_ms = p_ttl, max_bytes = p_max_bytes, dedup_ms = p_dedup, result_ttl_ms = p_result_ttl
    WHERE id = q.id;
    RETURN true;
END $$;

-- Counts of every group of a queue, default first, then by name. dead: dead letters still in a DLQ.
CREATE FUNCTION spool_stats(p_queue text)
RETURNS TABLE (grp_name text, start_kind smallint, start_ms bigint, created_at bigint, ready bigint, delayed bigint,
               in_flight bigint, dead bigint, oldest_ready_age bigint)
LANGUAGE plpgsql AS $$
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
END $$;

CREATE FUNCTION spool_delete_queue(p_queue text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    q spool_queues := spool_queue_get(p_queue, false);
BEGIN
    PERFORM 1 FROM spool_queues WHERE id = q.id FOR UPDATE;
    DELETE FROM spool_deliveries WHERE grp_id IN (SELECT id FROM spool_groups WHERE queue_id = q.id);
    DELETE FROM spool_messages WHERE queue_id = q.id;
    DELETE FROM spool_dedup WHERE queue_id = q.id;
    DELETE FROM spool_queues WHERE id = q.id;
    PERFORM pg_notify('spool', 'x' || q.name);
END $$;

CREATE FUNCTION spool_purge(p_queue text) RETURNS bigint LANGUAGE plpgsql AS $$
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
END $$;

-- Creates a named group (kind 0 earliest, 1 latest, 2 at p_ms) and gives it the messages its start
-- position covers. Returns whether it was created; CONFLICT if it exists with another start.
CREATE FUNCTION spool_put_group(p_queue text, p_group text, p_kind smallint, p_ms bigint, p_max_groups int)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    q spool_queues := spool_queue_get(p_queue, false);
    now bigint := spool_now();
    g spool_groups;
    n int;
    ids bigint[];
BEGIN
    PERFORM 1 FROM spool_queues WHERE id = q.id FOR UPDATE;
    SELECT * INTO g FROM spool_groups WHERE queue_id = q.id AND name = p_group;
    IF FOUND THEN
        IF g.start_kind = p_kind AND (p_kind <> 2 OR g.start_ms = p_ms) THEN
            RETURN false;
        END IF;
        RAISE EXCEPTION 'group % exists with another start position', p_group USING ERRCODE = 'SPC01';
    END IF;
    SELECT count(*) INTO n FROM spool_groups WHERE queue_id = q.id AND name <> 'default';
    IF n >= p_max_groups THEN
        RAISE EXCEPTION 'at most % groups per queue', p_max_groups USING ERRCODE = 'SPR01';
    END IF;
    INSERT INTO spool_groups (queue_id, name, start_kind, start_ms, created_at)
    VALUES (q.id, p_group, p_kind, CASE WHEN p_kind = 1 THEN now ELSE p_ms END, now)
    RETURNING * INTO g;
    IF p_kind <> 1 THEN
        SELECT array_agg(m.id) INTO ids FROM spool_messages m
        WHERE m.queue_id = q.id AND (p_kind = 0 OR m.enqueued_at >= p_ms)
          AND EXISTS (SELECT 1 FROM spool_deliveries x JOIN spool_groups xg ON xg.id = x.grp_id
                      WHERE xg.queue_id = q.id AND x.msg_id = m.id
                        AND (x.state < 4 OR x.finished_at + q.retention_ms > now));
        IF ids IS NOT NULL THEN
            PERFORM spool_fanout(q.id, g.id, ids, now);
            PERFORM pg_notify('spool', 'r' || q.name);
        END IF;
    END IF;
    RETURN true;
END $$;

CREATE FUNCTION spool_delete_group(p_queue text, p_group text) RETURNS void LANGUAGE plpgsql AS $$
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
END $$;

-- Clean-up, run by one server at a time: finished messages past retention and result TTL, their
-- bodies, bodies orphaned by concurrent acks of one message in two groups, old dedup ids.
CREATE FUNCTION spool_gc(p_limit int, p_orphans boolean) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    now bigint := spool_now();
    n bigint := 0;
    m bigint;
    grps bigint[];
    ids bigint[];
BEGIN
    WITH del AS (
        DELETE FROM spool_deliveries d USING (
            SELECT grp_id, msg_id FROM spool_deliveries WHERE state >= 4 AND keep_until <= now LIMIT p_limit) s
        WHERE d.grp_id = s.grp_id AND d.msg_id = s.msg_id AND d.state >= 4 AND d.keep_until <= now
        RETURNING d.grp_id, d.msg_id)
    SELECT array_agg(grp_id), array_agg(msg_id), count(*) INTO grps, ids, n FROM del;
    IF n > 0 THEN
        DELETE FROM spool_messages msg USING unnest(grps, ids) AS i(grp_id, msg_id) JOIN spool_groups g ON g.id = i.grp_id
        WHERE msg.queue_id = g.queue_id AND msg.id = i.msg_id
          AND NOT EXISTS (SELECT 1 FROM spool_deliveries x JOIN spool_groups xg ON xg.id = x.grp_id
                          WHERE xg.queue_id = msg.queue_id AND x.msg_id = msg.id);
    END IF;
    IF p_orphans THEN
        DELETE FROM spool_messages msg
        WHERE msg.enqueued_at < now - 60000
          AND NOT EXISTS (SELECT 1 FROM spool_deliveries x JOIN spool_groups xg ON xg.id = x.grp_id
                          WHERE xg.queue_id = msg.queue_id AND x.msg_id = msg.id);
        GET DIAGNOSTICS m = ROW_COUNT;
        n := n + m;
    END IF;
    DELETE FROM spool_dedup WHERE ctid IN (SELECT ctid FROM spool_dedup WHERE expires_at <= now LIMIT p_limit);
    GET DIAGNOSTICS m = ROW_COUNT;
    RETURN n + m;
END $$;
