-- Nack that dead-letters at once (NackRequest.deadLetter): every live receipt's message dies with
-- p_reason, whatever attempts it has left. The dead-letter half of spool_nack without its
-- max_attempts condition. p_grp as in spool_nack: the group id the receipts' tags were checked against.
CREATE OR REPLACE FUNCTION spool_kill(p_queue text, p_group text, p_grp bigint, p_ids bigint[], p_fences integer[], p_reason text)
 RETURNS smallint[]
 LANGUAGE plpgsql
AS $function$
DECLARE
    q spool_queues := spool_queue_get(p_queue, false);
    g bigint := spool_group_id(q.id, p_group);
    now bigint := spool_now();
    ok bigint[];
    okf int[];
    ids bigint[];
    keys text[];
    reason text := coalesce(p_reason, 'dead-lettered by nack');
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
    WITH u AS (
        UPDATE spool_deliveries SET state = 5, finished_at = now, keep_until = now + q.result_ttl_ms,
               last_error = reason
        WHERE grp_id = g AND msg_id = ANY (spool_ids(ok))
        RETURNING msg_id, key)
    SELECT array_agg(msg_id), array_agg(key) INTO ids, keys FROM u;
    PERFORM spool_dead_letter(q, g, ids, array_fill(reason, ARRAY[coalesce(cardinality(ids), 0)]), keys, now);
    RETURN spool_outcomes(g, p_ids, p_fences, ok, okf, now);
END $function$;
