-- Nack: p_delay NULL means the queue's backoff. A message on its last attempt dies; one past its TTL expires.
--
-- Plans: as spool_ack (V7, V10).
-- p_grp is the group id the receipts' tags were checked against (ReceiptSigner); when the group of
-- that name is another one now, every receipt is not_found and nothing changes.
CREATE OR REPLACE FUNCTION spool_nack(p_queue text, p_group text, p_grp bigint, p_ids bigint[], p_fences integer[], p_delay bigint, p_reason text)
 RETURNS smallint[]
 LANGUAGE plpgsql
 SET plan_cache_mode TO 'force_custom_plan'
 SET enable_seqscan TO 'off'
 SET enable_bitmapscan TO 'off'
AS $function$
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
    live bigint[];
BEGIN
    IF g <> p_grp THEN
        -- the tags were signed for another incarnation of the group: deleted and recreated since
        RETURN array_fill(2::smallint, ARRAY[cardinality(p_ids)]);
    END IF;
    live := spool_lock_receipts(g, p_ids, p_fences, now);
    SELECT array_agg(d.msg_id), array_agg(d.attempts) INTO ok, okf
    FROM spool_deliveries d WHERE d.grp_id = g AND d.msg_id = ANY (spool_ids(live));
    IF ok IS NULL THEN
        RETURN spool_outcomes(g, p_ids, p_fences, ok, okf, now);
    END IF;
    IF q.max_attempts > 0 THEN
        WITH u AS (
            UPDATE spool_deliveries SET state = 5, finished_at = now, keep_until = now + q.result_ttl_ms,
                   last_error = reason
            WHERE grp_id = g AND msg_id = ANY (spool_ids(ok)) AND attempts >= q.max_attempts
            RETURNING msg_id, key)
        SELECT array_agg(msg_id), array_agg(key) INTO ids, keys FROM u;
        PERFORM spool_dead_letter(q, g, ids, array_fill(reason, ARRAY[coalesce(cardinality(ids), 0)]), keys, now);
    END IF;
    WITH del AS (
        DELETE FROM spool_deliveries WHERE grp_id = g AND msg_id = ANY (spool_ids(ok)) AND state::int = 3 AND expires_at <= now
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
              FROM spool_deliveries y WHERE y.grp_id = g AND y.msg_id = ANY (spool_ids(ok)) AND y.state::int = 3) x
        WHERE d.grp_id = g AND d.msg_id = x.msg_id
        RETURNING d.state)
    SELECT count(*) FILTER (WHERE state = 0) INTO ready FROM u;
    IF ready > 0 THEN
        PERFORM pg_notify('spool', 'r' || q.name);
    END IF;
    RETURN spool_outcomes(g, p_ids, p_fences, ok, okf, now);
END $function$;
