-- Pop: leases up to p_max ready messages of a group in priority, then push order.
--
-- Plans: no sequential or bitmap scans, no sorts, no hash or merge joins: the one plan left is a
-- walk of spool_deliveries_ready in delivery order that stops after p_max rows, whatever the
-- statistics say (V5); the chosen rows are leased by one primary-key scan for the array of their ids
-- (a join of the chosen rows with the table let a generic plan walk the whole group's primary key
-- and filter). The final sort has no alternative and stays (its disable_cost is why JIT must be
-- off). With one plan left, each statement's is the generic one, made once per session
-- (force_custom_plan planned every statement on every call, V5-V24).
-- Every row carries the group's id, which the receipt tags sign (ReceiptSigner), and the time of the
-- message's first delivery to the group (first_at, V17); a function's result columns cannot be
-- changed in place, hence the drop. A lean row (V24: content_type set) carries its body, which the
-- update returns; a row of the shared form reads it from spool_messages (a lateral probe that runs
-- only for such rows: OFFSET 0 keeps its condition on the outer row a one-time filter).
DROP FUNCTION IF EXISTS spool_pop(text, text, boolean, integer, bigint);
CREATE OR REPLACE FUNCTION spool_pop(p_queue text, p_group text, p_create boolean, p_max integer, p_vis bigint)
 RETURNS TABLE(msg_id bigint, attempts integer, enqueued_at bigint, lease_end bigint, priority smallint, key text, content_type text, headers text[], traceparent text, size bigint, payload bytea, grp_id bigint, first_at bigint)
 LANGUAGE plpgsql
 SET plan_cache_mode TO 'force_generic_plan'
 SET enable_seqscan TO 'off'
 SET enable_bitmapscan TO 'off'
 SET enable_sort TO 'off'
 SET enable_hashjoin TO 'off'
 SET enable_mergejoin TO 'off'
AS $function$
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
        UPDATE spool_deliveries d SET state = 3, attempts = d.attempts + 1, avail_at = now + vis,
               first_at = COALESCE(d.first_at, now)
        WHERE d.grp_id = g AND d.msg_id = ANY (ARRAY(SELECT c.msg_id FROM c))
        RETURNING d.msg_id, d.attempts, d.enqueued_at, d.avail_at, d.priority, d.first_at, d.key, d.content_type,
                  d.headers, d.traceparent, d.size, d.payload)
    SELECT u.msg_id, u.attempts, u.enqueued_at, u.avail_at, u.priority, u.key,
           coalesce(u.content_type, m.content_type),
           CASE WHEN u.content_type IS NULL THEN m.headers ELSE u.headers END,
           CASE WHEN u.content_type IS NULL THEN m.traceparent ELSE u.traceparent END,
           CASE WHEN u.content_type IS NULL THEN m.size ELSE u.size END,
           CASE WHEN u.content_type IS NULL THEN m.payload ELSE u.payload END, g, u.first_at
    FROM u LEFT JOIN LATERAL (
        SELECT m.content_type, m.headers, m.traceparent, m.size, m.payload FROM spool_messages m
        WHERE u.content_type IS NULL AND m.queue_id = q.id AND m.id = u.msg_id OFFSET 0) m ON true
    WHERE u.content_type IS NOT NULL OR m.content_type IS NOT NULL
    ORDER BY u.priority DESC, u.msg_id;
END $function$;
