-- Spool schema, version 8: less work per pushed and acknowledged batch.
--
-- Push inserts the bodies and their delivery rows in one statement. Before, spool_fanout read the
-- bodies just inserted back by primary key and took the keys' advisory locks a second time (push
-- holds them already); pg_stat_statements put that at about a tenth of a push. spool_fanout stays
-- for the other callers (redrive, new groups).
--
-- An ack whose receipts all applied answers "ok" for each without the outcome query (which was
-- planned and run per ack only to find that nothing was stale).

CREATE OR REPLACE FUNCTION spool_push(p_queue text, p_create boolean, p_payload bytea[], p_size bigint[], p_ctype text[],
                           p_hdrs text[], p_hfrom int[], p_hto int[], p_key text[], p_prio int[], p_trace text[],
                           p_delay bigint[], p_nbf bigint[], p_ttl bigint[], p_dedup text[],
                           OUT ids bigint[], OUT stored boolean[]) LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan SET enable_seqscan = off AS $$
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
    -- bodies and their delivery rows in one statement: the keys are locked above, so the delivery
    -- rows are built from the inserted rows instead of reading the bodies back (spool_fanout)
    WITH ins AS (
        INSERT INTO spool_messages (queue_id, id, enqueued_at, not_before, expires_at, priority, key, content_type,
                                    headers, traceparent, size, payload)
        SELECT q.id, ids[u.o], now, greatest(now + u.delay, u.nbf),
               now + CASE WHEN u.ttl > 0 THEN u.ttl ELSE q.ttl_ms END,
               u.prio, u.key, u.ctype, coalesce(p_hdrs[p_hfrom[u.o]:p_hto[u.o]], '{}'), u.trace, u.size, u.payload
        FROM unnest(p_payload, p_size, p_ctype, p_key, p_prio, p_trace, p_delay, p_nbf, p_ttl)
             WITH ORDINALITY AS u(payload, size, ctype, key, prio, trace, delay, nbf, ttl, o)
        WHERE stored[u.o]
        RETURNING id, key, priority, enqueued_at, expires_at, not_before),
    dlv AS (
        INSERT INTO spool_deliveries (grp_id, msg_id, state, priority, key, enqueued_at, expires_at, avail_at)
        SELECT x.gid, x.id,
               CASE WHEN x.key IS NOT NULL AND (x.rn > 1 OR EXISTS (
                        SELECT 1 FROM spool_deliveries d WHERE d.grp_id = x.gid AND d.key = x.key AND d.state < 4)) THEN 2
                    WHEN x.not_before > now THEN 1
                    ELSE 0 END,
               x.priority, x.key, x.enqueued_at, x.expires_at, x.not_before
        FROM (SELECT g.id AS gid, i.id, i.key, i.priority, i.enqueued_at, i.expires_at, i.not_before,
                     row_number() OVER (PARTITION BY g.id, i.key ORDER BY i.id) AS rn
              FROM ins i JOIN spool_groups g ON g.queue_id = q.id) x)
    SELECT count(*) INTO n FROM ins;
    IF n > 0 THEN
        PERFORM pg_notify('spool', 'r' || q.name);
    END IF;
END $$;

CREATE OR REPLACE FUNCTION spool_ack(p_queue text, p_group text, p_ids bigint[], p_fences int[], p_result bytea,
                          p_rtype text) RETURNS smallint[] LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan
    SET enable_seqscan = off SET enable_bitmapscan = off AS $$
DECLARE
    q spool_queues := spool_queue_get(p_queue, false);
    g bigint := spool_group_id(q.id, p_group);
    now bigint := spool_now();
    ok bigint[];
    okf int[];
    keys text[];
    single boolean;
BEGIN
    IF p_result IS NULL AND q.retention_ms = 0 THEN
        single := NOT EXISTS (SELECT 1 FROM spool_groups WHERE queue_id = q.id AND id <> g);
        WITH del AS (
            DELETE FROM spool_deliveries d USING unnest(p_ids, p_fences) AS r(id, f)
            WHERE d.grp_id = g AND d.msg_id = ANY (p_ids) AND d.msg_id = r.id AND d.state::int = 3 AND d.attempts = r.f
              AND d.avail_at - now > 0
            RETURNING d.msg_id, d.attempts, d.key),
        -- the only group of the queue: nobody else holds these bodies
        body AS (
            DELETE FROM spool_messages m USING del WHERE single AND m.queue_id = q.id AND m.id = del.msg_id)
        SELECT array_agg(msg_id), array_agg(attempts), array_agg(key) FILTER (WHERE key IS NOT NULL)
        INTO ok, okf, keys FROM del;
        IF NOT single THEN
            PERFORM spool_drop_unheld(q.id, ok);
        END IF;
    ELSE
        WITH upd AS (
            UPDATE spool_deliveries d SET state = 4, finished_at = now, result = p_result, result_type = p_rtype,
                   keep_until = now + greatest(q.retention_ms, CASE WHEN p_result IS NULL THEN 0 ELSE q.result_ttl_ms END)
            FROM unnest(p_ids, p_fences) AS r(id, f)
            WHERE d.grp_id = g AND d.msg_id = ANY (p_ids) AND d.msg_id = r.id AND d.state::int = 3 AND d.attempts = r.f
              AND d.avail_at - now > 0
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
    IF cardinality(ok) = cardinality(p_ids) THEN
        -- every receipt applied (a repeated receipt applies once, so this needs distinct receipts)
        RETURN array_fill(0::smallint, ARRAY[cardinality(ok)]);
    END IF;
    RETURN spool_outcomes(g, p_ids, p_fences, ok, okf, now);
END $$;
