-- Spool schema, version 3: one function per Broker operation.

-- Push: all or nothing. Returns each message's id and whether it was stored (false: a dedup hit,
-- the id is the first message's). Payloads stored in chunks come with a NULL payload and their size;
-- the caller inserts the chunks in the same transaction.
CREATE FUNCTION spool_push(p_queue text, p_create boolean, p_payload bytea[], p_size bigint[], p_ctype text[],
                           p_hdrs text[], p_hfrom int[], p_hto int[], p_key text[], p_prio int[], p_trace text[],
                           p_delay bigint[], p_nbf bigint[], p_ttl bigint[], p_dedup text[],
                           OUT ids bigint[], OUT stored boolean[]) LANGUAGE plpgsql AS $$
DECLARE
    q spool_queues;
    now bigint := spool_now();
    n int := cardinality(p_size);
    big int;
    first_id bigint;
    new_ids bigint[];
BEGIN
    q := spool_queue_get(p_queue, p_create);
    PERFORM 1 FROM spool_queues WHERE id = q.id FOR KEY SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'queue % does not exist', p_queue USING ERRCODE = 'SPQ01';
    END IF;
    SELECT min(o) INTO big FROM unnest(p_size) WITH ORDINALITY AS u(s, o) WHERE s > q.max_bytes;
    IF big IS NOT NULL THEN
        RAISE EXCEPTION 'payload is larger than max_message_bytes (%)', q.max_bytes
            USING ERRCODE = 'SPT01', DETAIL = 'messages[' || (big - 1) || '].payload';
    END IF;
    -- keys first, then ids: the ids of one key follow commit order
    PERFORM spool_lock_keys(q.id, p_key);
    ids := ARRAY(SELECT nextval('spool_message_ids') FROM generate_series(1, n));
    stored := array_fill(true, ARRAY[n]);
    IF q.dedup_ms > 0 AND EXISTS (SELECT 1 FROM unnest(p_dedup) d WHERE d IS NOT NULL) THEN
        FOR i IN 1..n LOOP
            CONTINUE WHEN p_dedup[i] IS NULL;
            INSERT INTO spool_dedup AS x (queue_id, dedup_id, msg_id, expires_at)
            VALUES (q.id, p_dedup[i], ids[i], now + q.dedup_ms)
            ON CONFLICT (queue_id, dedup_id) DO UPDATE SET msg_id = EXCLUDED.msg_id, expires_at = EXCLUDED.expires_at
                WHERE x.expires_at <= now
            RETURNING x.msg_id INTO first_id;
            IF NOT FOUND THEN
                SELECT x.msg_id INTO STRICT first_id FROM spool_dedup x WHERE x.queue_id = q.id AND x.dedup_id = p_dedup[i];
                ids[i] := first_id;
                stored[i] := false;
            END IF;
        END LOOP;
    END IF;
    WITH ins AS (
        INSERT INTO spool_messages (queue_id, id, enqueued_at, not_before, expires_at, priority, key, content_type,
                                    headers, traceparent, size, payload)
        SELECT q.id, ids[u.o], now, greatest(now + u.delay, u.nbf),
               now + CASE WHEN u.ttl > 0 THEN u.ttl ELSE q.ttl_ms END,
               u.prio, u.key, u.ctype, coalesce(p_hdrs[p_hfrom[u.o]:p_hto[u.o]], '{}'), u.trace, u.size, u.payload
        FROM unnest(p_payload, p_size, p_ctype, p_key, p_prio, p_trace, p_delay, p_nbf, p_ttl)
             WITH ORDINALITY AS u(payload, size, ctype, key, prio, trace, delay, nbf, ttl, o)
        WHERE stored[u.o]
        RETURNING id)
    SELECT array_agg(id) INTO new_ids FROM ins;
    IF new_ids IS NOT NULL THEN
        PERFORM spool_fanout(q.id, NULL, new_ids, now);
        PERFORM pg_notify('spool', 'r' || q.name);
    END IF;
END $$;

-- Pop: leases up to p_max ready messages of a group in priority, then push order.
CREATE FUNCTION spool_pop(p_queue text, p_group text, p_create boolean, p_max int, p_vis bigint)
RETURNS TABLE (msg_id bigint, attempts int, enqueued_at bigint, lease_end bigint, priority smallint, key text,
               content_type text, headers text[], traceparent text, size bigint, payload bytea)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    q spool_queues;
    g bigint;
    now bigint := spool_now();
    vis bigint;
BEGIN
    q := spool_queue_get(p_queue, p_create);
    g := spool_group_id(q.id, p_group);
    PERFORM spool_settle(q, g, now);
    vis := CASE WHEN p_vis > 0 THEN p_vis ELSE q.vis_ms END;
    RETURN QUERY
    WITH c AS (
        SELECT d.msg_id FROM spool_deliveries d
        WHERE d.grp_id = g AND d.state = 0 AND d.expires_at > now
        ORDER BY d.priority DESC, d.msg_id
        LIMIT p_max
        FOR UPDATE SKIP LOCKED),
    u AS (
        UPDATE spool_deliveries d SET state = 3, attempts = d.attempts + 1, avail_at = now + vis
        FROM c WHERE d.grp_id = g AND d.msg_id = c.msg_id
        RETURNING d.msg_id, d.attempts, d.enqueued_at, d.avail_at, d.priority)
    SELECT u.msg_id, u.attempts, u.enqueued_at, u.avail_at, u.priority, m.key, m.content_type, m.headers,
           m.traceparent, m.size, m.payload
    FROM u JOIN spool_messages m ON m.queue_id = q.id AND m.id = u.msg_id
    ORDER BY u.priority DESC, u.msg_id;
END $$;

-- Outcome codes of ack, nack, extend: 0 ok, 1 stale, 2 not found.
CREATE FUNCTION spool_outcomes(p_grp bigint, p_ids bigint[], p_fences int[], ok_ids bigint[], ok_fences int[],
                               p_now bigint) RETURNS smallint[] LANGUAGE sql STABLE AS $$
    SELECT array_agg(CASE
        WHEN EXISTS (SELECT 1 FROM unnest(ok_ids, ok_fences) AS k(i, f) WHERE k.i = r.id AND k.f = r.f) THEN 0
        WHEN EXISTS (SELECT 1 FROM spool_deliveries x WHERE x.grp_id = p_grp AND x.msg_id = r.id
                     AND (x.state < 4 OR x.keep_until > p_now)) THEN 1
        ELSE 2 END ORDER BY r.o)::smallint[]
    FROM unnest(p_ids, p_fences) WITH ORDINALITY AS r(id, f, o)
$$;

CREATE FUNCTION spool_ack(p_queue text, p_group text, p_ids bigint[], p_fences int[], p_result bytea,
                          p_rtype text) RETURNS smallint[] LANGUAGE plpgsql AS $$
DECLARE
    q spool_queues := spool_queue_get(p_queue, false);
    g bigint := spool_group_id(q.id, p_group);
    now bigint := spool_now();
    ok bigint[];
    okf int[];
    keys text[];
BEGIN
    IF p_result IS NULL AND q.retention_ms = 0 THEN
        WITH del AS (
            DELETE FROM spool_deliveries d USING unnest(p_ids, p_fences) AS r(id, f)
            WHERE d.grp_id = g AND d.msg_id = r.id AND d.state = 3 AND d.attempts = r.f AND d.avail_at > now
            RETURNING d.msg_id, d.attempts, d.key)
        SELECT array_agg(msg_id), array_agg(attempts), array_agg(key) FILTER (WHERE key IS NOT NULL)
        INTO ok, okf, keys FROM del;
        PERFORM spool_drop_unheld(q.id, ok);
    ELSE
        WITH upd AS (
            UPDATE spool_deliveries d SET state = 4, finished_at = now, result = p_result, result_type = p_rtype,
                   keep_until = now + greatest(q.retention_ms, CASE WHEN p_result IS NULL THEN 0 ELSE q.result_ttl_ms END)
            FROM unnest(p_ids, p_fences) AS r(id, f)
            WHERE d.grp_id = g AND d.msg_id = r.id AND d.state = 3 AND d.attempts = r.f AND d.avail_at > now
            RETURNING d.msg_id, d.attempts, d.key)
        SELECT array_agg(msg_id), array_agg(attempts), array_agg(key) FILTER (WHERE key IS NOT NULL)
        INTO ok, okf, keys FROM upd;
    END IF;
    IF ok IS NOT NULL THEN
        PERFORM pg_notify('spool', 'd' || q.name);
        IF spool_promote(q.id, g, keys, now) > 0 THEN
            PERFORM pg_notify('spool', 'r' || q.name);
        END IF;
    END IF;
    RETURN spool_outcomes(g, p_ids, p_fences, ok, okf, now);
END $$;

-- Nack: p_delay NULL means the queue's backoff. A message on its last attempt dies; one past its TTL expires.
CREATE FUNCTION spool_nack(p_queue text, p_group text, p_ids bigint[], p_fences int[], p_delay bigint,
                           p_reason text) RETURNS smallint[] LANGUAGE plpgsql AS $$
DECLARE
    q spool_queues := spool_queue_get(p_queue, false);
    g bigint := spool_group_id(q.id, p_group);
    now bigint := spool_now();
    ok bigint[];
    okf int[];
    ids bigint[];
    keys text[];
    reason text := 'max_attempts exceeded: nacked' || coalesce(': ' || p_reason, '');
    ready int;
BEGIN
    SELECT array_agg(d.msg_id), array_agg(d.attempts) INTO ok, okf
    FROM (SELECT d.msg_id, d.attempts FROM spool_deliveries d JOIN unnest(p_ids, p_fences) AS r(id, f)
          ON d.grp_id = g AND d.msg_id = r.id AND d.state = 3 AND d.attempts = r.f AND d.avail_at > now
          ORDER BY d.msg_id FOR UPDATE OF d) d;
    IF ok IS NULL THEN
        RETURN spool_outcomes(g, p_ids, p_fences, ok, okf, now);
    END IF;
    IF q.max_attempts > 0 THEN
        WITH u AS (
            UPDATE spool_deliveries SET state = 5, finished_at = now, keep_until = now + q.result_ttl_ms,
                   last_error = reason
            WHERE grp_id = g AND msg_id = ANY (ok) AND attempts >= q.max_attempts
            RETURNING msg_id, key)
        SELECT array_agg(msg_id), array_agg(key) INTO ids, keys FROM u;
        PERFORM spool_dead_letter(q, g, ids, array_fill(reason, ARRAY[coalesce(cardinality(ids), 0)]), keys, now);
    END IF;
    WITH del AS (
        DELETE FROM spool_deliveries WHERE grp_id = g AND msg_id = ANY (ok) AND state = 3 AND expires_at <= now
        RETURNING msg_id, key)
    SELECT array_agg(msg_id), array_agg(key) FILTER (WHERE key IS NOT NULL) INTO ids, keys FROM del;
    IF ids IS NOT NULL THEN
        PERFORM spool_drop_unheld(q.id, ids);
        PERFORM spool_promote(q.id, g, keys, now);
        PERFORM pg_notify('spool', 'd' || q.name);
    END IF;
    WITH u AS (
        UPDATE spool_deliveries d SET state = CASE WHEN x.delay > 0 THEN 1 ELSE 0 END, avail_at = now + x.delay,
               last_error = coalesce(p_reason, d.last_error)
        FROM (SELECT y.msg_id, coalesce(p_delay, spool_backoff(q, y.attempts)) AS delay
              FROM spool_deliveries y WHERE y.grp_id = g AND y.msg_id = ANY (ok) AND y.state = 3) x
        WHERE d.grp_id = g AND d.msg_id = x.msg_id
        RETURNING d.state)
    SELECT count(*) FILTER (WHERE state = 0) INTO ready FROM u;
    IF ready > 0 THEN
        PERFORM pg_notify('spool', 'r' || q.name);
    END IF;
    RETURN spool_outcomes(g, p_ids, p_fences, ok, okf, now);
END $$;

CREATE FUNCTION spool_extend(p_queue text, p_group text, p_ids bigint[], p_fences int[], p_vis bigint)
RETURNS smallint[] LANGUAGE plpgsql AS $$
DECLARE
    q spool_queues := spool_queue_get(p_queue, false);
    g bigint := spool_group_id(q.id, p_group);
    now bigint := spool_now();
    ok bigint[];
    okf int[];
BEGIN
    WITH u AS (
        UPDATE spool_deliveries d SET avail_at = now + CASE WHEN p_vis > 0 THEN p_vis ELSE q.vis_ms END
        FROM unnest(p_ids, p_fences) AS r(id, f)
        WHERE d.grp_id = g AND d.msg_id = r.id AND d.state = 3 AND d.attempts = r.f AND d.avail_at > now
        RETURNING d.msg_id, d.attempts)
    SELECT array_agg(msg_id), array_agg(attempts) INTO ok, okf FROM u;
    RETURN spool_outcomes(g, p_ids, p_fences, ok, okf, now);
END $$;
