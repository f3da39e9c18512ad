-- Spool schema, version 5: plans of the hot path.
--
-- PL/pgSQL caches the plan of each statement and, after five runs, may switch to a generic plan
-- that ignores the parameter values. For statements keyed by an id array (ack, drop of bodies,
-- fan-out) the generic plan guesses a large share of the table and picks sequential or range
-- scans; with a backlog this made an ack of 100 receipts cost 10-30 ms instead of < 1 ms. The hot
-- functions therefore plan each statement for its actual values (planning costs ~0.1 ms).
ALTER FUNCTION spool_push(text, boolean, bytea[], bigint[], text[], text[], int[], int[], text[], int[], text[],
                          bigint[], bigint[], bigint[], text[]) SET plan_cache_mode = force_custom_plan;

-- Bodies no group holds any more: one primary-key probe per id and group. (The version before let
-- the planner probe spool_deliveries by msg_id alone, the second column of its key: a scan of the
-- whole index per message.)
CREATE OR REPLACE FUNCTION spool_drop_unheld(p_queue bigint, p_ids bigint[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM spool_messages m
    USING (SELECT DISTINCT u.id FROM unnest(p_ids) AS u(id)) r
    WHERE m.queue_id = p_queue AND m.id = r.id
      AND NOT EXISTS (SELECT 1 FROM spool_deliveries x
                      WHERE x.grp_id = ANY (ARRAY(SELECT g.id FROM spool_groups g WHERE g.queue_id = p_queue))
                        AND x.msg_id = m.id)
$$;

-- Pop: as in V3, but the TTL test is written so that no index can serve it, and bitmap scans and
-- sorts are off while it plans: the one plan left is a walk of spool_deliveries_ready in delivery
-- order that stops after p_max rows. (A queue's statistics are nearly always stale - its rows
-- churn faster than autovacuum analyses them - and with a few rows estimated the planner used to
-- fetch every ready or unfinished delivery of the group and sort them: O(backlog) per pop.)
CREATE OR REPLACE FUNCTION spool_pop(p_queue text, p_group text, p_create boolean, p_max int, p_vis bigint)
RETURNS TABLE (msg_id bigint, attempts int, enqueued_at bigint, lease_end bigint, priority smallint, key text,
               content_type text, headers text[], traceparent text, size bigint, payload bytea)
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan SET enable_bitmapscan = off SET enable_sort = off AS $$
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
        WHERE d.grp_id = g AND d.state = 0 AND d.expires_at - now > 0
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

-- Outcomes by a join, not a scan of the applied receipts per receipt (that was quadratic in the
-- batch, and fused batches hold thousands of receipts).
CREATE OR REPLACE FUNCTION spool_outcomes(p_grp bigint, p_ids bigint[], p_fences int[], ok_ids bigint[],
                                          ok_fences int[], p_now bigint) RETURNS smallint[] LANGUAGE sql STABLE AS $$
    SELECT array_agg(CASE
        WHEN k.i IS NOT NULL THEN 0
        WHEN EXISTS (SELECT 1 FROM spool_deliveries x WHERE x.grp_id = p_grp AND x.msg_id = r.id
                     AND (x.state < 4 OR x.keep_until > p_now)) THEN 1
        ELSE 2 END ORDER BY r.o)::smallint[]
    FROM unnest(p_ids, p_fences) WITH ORDINALITY AS r(id, f, o)
    LEFT JOIN (SELECT DISTINCT i, f FROM unnest(ok_ids, ok_fences) AS k(i, f)) k ON k.i = r.id AND k.f = r.f
$$;

-- Queue tables churn: every message is inserted, updated and deleted within seconds. Vacuum and
-- analyse them after a small share of changes, so that dead index entries (which every pop walks
-- past) are reclaimed soon and the statistics follow the backlog.
ALTER TABLE spool_deliveries SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000,
                                  autovacuum_vacuum_insert_scale_factor = 0.01,
                                  autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0);
ALTER TABLE spool_messages SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000,
                                autovacuum_vacuum_insert_scale_factor = 0.01,
                                autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0);

-- Clean-up as in V4, with every "does a group still hold this body" probe on the full key of
-- spool_deliveries, and the orphan sweep bounded to p_limit bodies per run.
CREATE OR REPLACE FUNCTION spool_gc(p_limit int, p_orphans boolean) RETURNS bigint LANGUAGE plpgsql AS $$
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
          AND NOT EXISTS (SELECT 1 FROM spool_deliveries x
                          WHERE x.grp_id = ANY (ARRAY(SELECT xg.id FROM spool_groups xg WHERE xg.queue_id = msg.queue_id))
                            AND x.msg_id = msg.id);
    END IF;
    IF p_orphans THEN
        DELETE FROM spool_messages msg WHERE msg.ctid IN (
            SELECT o.ctid FROM spool_messages o
            WHERE o.enqueued_at < now - 60000
              AND NOT EXISTS (SELECT 1 FROM spool_deliveries x
                              WHERE x.grp_id = ANY (ARRAY(SELECT xg.id FROM spool_groups xg WHERE xg.queue_id = o.queue_id))
                                AND x.msg_id = o.id)
            LIMIT p_limit);
        GET DIAGNOSTICS m = ROW_COUNT;
        n := n + m;
    END IF;
    DELETE FROM spool_dedup WHERE ctid IN (SELECT ctid FROM spool_dedup WHERE expires_at <= now LIMIT p_limit);
    GET DIAGNOSTICS m = ROW_COUNT;
    RETURN n + m;
END $$;

-- Ack, nack, extend as in V3, but the receipts are found by primary key (msg_id = ANY (p_ids)) and
-- the lease test is written so that no index can serve it: the planner used to walk every leased
-- delivery of the group through spool_deliveries_due (avail_at > now) and hash-join the receipts,
-- which made an ack cost O(messages in flight).
CREATE OR REPLACE FUNCTION spool_ack(p_queue text, p_group text, p_ids bigint[], p_fences int[], p_result bytea,
                          p_rtype text) RETURNS smallint[] LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
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
            WHERE d.grp_id = g AND d.msg_id = ANY (p_ids) AND d.msg_id = r.id AND d.state = 3 AND d.attempts = r.f
              AND d.avail_at - now > 0
            RETURNING d.msg_id, d.attempts, d.key)
        SELECT array_agg(msg_id), array_agg(attempts), array_agg(key) FILTER (WHERE key IS NOT NULL)
        INTO ok, okf, keys FROM del;
        PERFORM spool_drop_unheld(q.id, ok);
    ELSE
        WITH upd AS (
            UPDATE spool_deliveries d SET state = 4, finished_at = now, result = p_result, result_type = p_rtype,
                   keep_until = now + greatest(q.retention_ms, CASE WHEN p_result IS NULL THEN 0 ELSE q.result_ttl_ms END)
            FROM unnest(p_ids, p_fences) AS r(id, f)
            WHERE d.grp_id = g AND d.msg_id = ANY (p_ids) AND d.msg_id = r.id AND d.state = 3 AND d.attempts = r.f
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
    RETURN spool_outcomes(g, p_ids, p_fences, ok, okf, now);
END $$;

CREATE OR REPLACE FUNCTION spool_nack(p_queue text, p_group text, p_ids bigint[], p_fences int[], p_delay bigint,
                           p_reason text) RETURNS smallint[] LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
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
          ON d.grp_id = g AND d.msg_id = ANY (p_ids) AND d.msg_id = r.id AND d.state = 3 AND d.attempts = r.f
              AND d.avail_at - now > 0
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

CREATE OR REPLACE FUNCTION spool_extend(p_queue text, p_group text, p_ids bigint[], p_fences int[], p_vis bigint)
RETURNS smallint[] LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
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
        WHERE d.grp_id = g AND d.msg_id = ANY (p_ids) AND d.msg_id = r.id AND d.state = 3 AND d.attempts = r.f
              AND d.avail_at - now > 0
        RETURNING d.msg_id, d.attempts)
    SELECT array_agg(msg_id), array_agg(attempts) INTO ok, okf FROM u;
    RETURN spool_outcomes(g, p_ids, p_fences, ok, okf, now);
END $$;
