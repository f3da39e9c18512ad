-- Spool schema, version 7: receipts are found by primary key, whatever the statistics say.
--
-- Under load the planner's estimates for spool_deliveries are poor: a fresh database has no
-- statistics for its first minute (autovacuum's naptime), and later a sample rarely holds leased
-- rows (state 3), so "state = 3" looks nearly empty. With such estimates it answered an ack of 100
-- receipts by walking every leased delivery of the group through spool_deliveries_due (a bitmap
-- scan, or the partial index as the outer side of a join) - O(messages in flight) per ack, 8-11 ms
-- instead of under 1 ms (seen with auto_explain in PostgresStatementsTest, -Dspool.it.explainMs=8).
-- Ack, nack and extend therefore write their state tests as "state::int = 3", which no partial
-- index predicate can be proven from, and plan without sequential and bitmap scans: the one plan
-- left is one primary-key probe per receipt. The fan-out of a push plans without sequential scans,
-- so that the "does this key already have a message" probe takes spool_deliveries_key.
--
-- The next end of a delay or lease (asked by a pop that found nothing) read every leased delivery
-- of the group (min() over a join cannot use the index order): it is now the first entry of
-- spool_deliveries_due for the group, one index probe.

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
    RETURN spool_outcomes(g, p_ids, p_fences, ok, okf, now);
END $$;

CREATE OR REPLACE FUNCTION spool_nack(p_queue text, p_group text, p_ids bigint[], p_fences int[], p_delay bigint,
                           p_reason text) RETURNS smallint[] LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan
    SET enable_seqscan = off SET enable_bitmapscan = off AS $$
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
          ON d.grp_id = g AND d.msg_id = ANY (p_ids) AND d.msg_id = r.id AND d.state::int = 3 AND d.attempts = r.f
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
        DELETE FROM spool_deliveries WHERE grp_id = g AND msg_id = ANY (ok) AND state::int = 3 AND expires_at <= now
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
              FROM spool_deliveries y WHERE y.grp_id = g AND y.msg_id = ANY (ok) AND y.state::int = 3) x
        WHERE d.grp_id = g AND d.msg_id = x.msg_id
        RETURNING d.state)
    SELECT count(*) FILTER (WHERE state = 0) INTO ready FROM u;
    IF ready > 0 THEN
        PERFORM pg_notify('spool', 'r' || q.name);
    END IF;
    RETURN spool_outcomes(g, p_ids, p_fences, ok, okf, now);
END $$;

CREATE OR REPLACE FUNCTION spool_extend(p_queue text, p_group text, p_ids bigint[], p_fences int[], p_vis bigint)
RETURNS smallint[] LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan
    SET enable_seqscan = off SET enable_bitmapscan = off AS $$
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
        WHERE d.grp_id = g AND d.msg_id = ANY (p_ids) AND d.msg_id = r.id AND d.state::int = 3 AND d.attempts = r.f
              AND d.avail_at - now > 0
        RETURNING d.msg_id, d.attempts)
    SELECT array_agg(msg_id), array_agg(attempts) INTO ok, okf FROM u;
    RETURN spool_outcomes(g, p_ids, p_fences, ok, okf, now);
END $$;

ALTER FUNCTION spool_fanout(bigint, bigint, bigint[], bigint) SET enable_seqscan = off;

CREATE OR REPLACE FUNCTION spool_next_due(p_queue text, p_group text) RETURNS bigint LANGUAGE sql STABLE
SET enable_bitmapscan = off SET enable_sort = off AS $$
    SELECT (SELECT d.avail_at FROM spool_deliveries d WHERE d.grp_id = g.id AND d.state IN (1, 3)
            ORDER BY d.avail_at LIMIT 1)
    FROM spool_groups g JOIN spool_queues q ON q.id = g.queue_id
    WHERE q.name = p_queue AND g.name = p_group
$$;
