-- Acknowledges receipts (ids with their fences) of a group: deletes the rows (no retention, no
-- result; a lean row, V24, takes its body with it; a shared body goes when no group holds it) or
-- marks them acked, promotes the keys'
-- next messages, and answers 0 ok / 1 stale / 2 not_found per receipt.
--
-- Plans: receipts are paired with leases by spool_lock_receipts (hash join, linear in the
-- batch), then written by primary key; no sequential or bitmap scans (V7-V9), so each statement's
-- generic plan, made once per session, is the one a custom plan would be.
-- p_grp is the group id the receipts' tags were checked against (ReceiptSigner); when the group of
-- that name is another one now, every receipt is not_found and nothing changes. A clear result for an
-- encrypted queue (V27) is refused with SPE01: the caller seals it and runs the statement again.
CREATE OR REPLACE FUNCTION spool_ack(p_queue text, p_group text, p_grp bigint, p_ids bigint[], p_fences integer[], p_result bytea, p_rtype text)
 RETURNS smallint[]
 LANGUAGE plpgsql
 SET plan_cache_mode TO 'force_generic_plan'
 SET enable_seqscan TO 'off'
 SET enable_bitmapscan TO 'off'
AS $function$
DECLARE
    q spool_queues := spool_queue_get(p_queue, false);
    g bigint := spool_group_id(q.id, p_group);
    now bigint := spool_now();
    ok bigint[];
    okf int[];
    keys text[];
    held bigint[];
    live bigint[];
BEGIN
    IF g <> p_grp THEN
        -- the tags were signed for another incarnation of the group: deleted and recreated since
        RETURN array_fill(2::smallint, ARRAY[cardinality(p_ids)]);
    END IF;
    IF p_result IS NOT NULL AND q.encrypted AND coalesce(p_rtype, '') NOT LIKE ':sealed:%' THEN
        RAISE EXCEPTION 'queue % is encrypted', p_queue USING ERRCODE = 'SPE01', DETAIL = p_queue;
    END IF;
    live := spool_lock_receipts(g, p_ids, p_fences, now);
    IF p_result IS NULL AND q.retention_ms = 0 THEN
        WITH del AS (
            DELETE FROM spool_deliveries d WHERE d.grp_id = g AND d.msg_id = ANY (spool_ids(live))
            RETURNING d.msg_id, d.attempts, d.key, d.content_type IS NULL AS is_shared)
        SELECT array_agg(msg_id), array_agg(attempts), array_agg(key) FILTER (WHERE key IS NOT NULL),
               array_agg(msg_id) FILTER (WHERE is_shared)
        INTO ok, okf, keys, held FROM del;
        IF held IS NOT NULL THEN
            PERFORM spool_drop_unheld(q.id, held);
        END IF;
    ELSE
        WITH upd AS (
            UPDATE spool_deliveries d SET state = 4, finished_at = now, result = p_result, result_type = p_rtype,
                   keep_until = now + greatest(q.retention_ms, CASE WHEN p_result IS NULL THEN 0 ELSE q.result_ttl_ms END)
            WHERE d.grp_id = g AND d.msg_id = ANY (spool_ids(live))
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
END $function$;
