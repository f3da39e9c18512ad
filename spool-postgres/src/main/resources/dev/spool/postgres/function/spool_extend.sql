-- Extends the leases named by receipts to now + p_vis (the queue's visibility when 0); outcomes
-- as spool_ack.
--
-- Plans: as spool_ack (V7, V10).
-- p_grp is the group id the receipts' tags were checked against (ReceiptSigner); when the group of
-- that name is another one now, every receipt is not_found and nothing changes.
CREATE OR REPLACE FUNCTION spool_extend(p_queue text, p_group text, p_grp bigint, p_ids bigint[], p_fences integer[], p_vis bigint)
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
    live bigint[];
BEGIN
    IF g <> p_grp THEN
        -- the tags were signed for another incarnation of the group: deleted and recreated since
        RETURN array_fill(2::smallint, ARRAY[cardinality(p_ids)]);
    END IF;
    live := spool_lock_receipts(g, p_ids, p_fences, now);
    WITH u AS (
        UPDATE spool_deliveries d SET avail_at = now + CASE WHEN p_vis > 0 THEN p_vis ELSE q.vis_ms END
        WHERE d.grp_id = g AND d.msg_id = ANY (spool_ids(live))
        RETURNING d.msg_id, d.attempts)
    SELECT array_agg(msg_id), array_agg(attempts) INTO ok, okf FROM u;
    RETURN spool_outcomes(g, p_ids, p_fences, ok, okf, now);
END $function$;
