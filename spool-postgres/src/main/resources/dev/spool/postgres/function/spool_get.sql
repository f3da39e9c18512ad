-- The task view of a message in a group (no row: MESSAGE_NOT_FOUND). has_body: the body columns are set.
-- The body is the lean row's own (V24) or the shared spool_messages row.
CREATE OR REPLACE FUNCTION spool_get(p_queue text, p_group text, p_id bigint)
 RETURNS TABLE(state smallint, attempts integer, enqueued_at bigint, avail_at bigint, expires_at bigint, last_error text, result bytea, result_type text, has_body boolean, priority smallint, key text, content_type text, headers text[], traceparent text, size bigint, payload bytea, now_ms bigint)
 LANGUAGE plpgsql
AS $function$
#variable_conflict use_column
DECLARE
    q spool_queues := spool_queue_get(p_queue, false);
    g bigint := spool_group_id(q.id, p_group);
    now bigint := spool_now();
BEGIN
    PERFORM spool_settle(q, g, now);
    RETURN QUERY
    SELECT d.state, d.attempts, d.enqueued_at, d.avail_at, d.expires_at, d.last_error, d.result, d.result_type,
           coalesce(d.content_type, m.content_type) IS NOT NULL, d.priority, d.key,
           coalesce(d.content_type, m.content_type),
           CASE WHEN d.content_type IS NULL THEN m.headers ELSE d.headers END,
           CASE WHEN d.content_type IS NULL THEN m.traceparent ELSE d.traceparent END,
           CASE WHEN d.content_type IS NULL THEN m.size ELSE d.size END,
           CASE WHEN d.content_type IS NULL THEN m.payload ELSE d.payload END, now
    FROM spool_deliveries d
    LEFT JOIN LATERAL (
        SELECT m.content_type, m.headers, m.traceparent, m.size, m.payload FROM spool_messages m
        WHERE d.content_type IS NULL AND m.queue_id = q.id AND m.id = d.msg_id OFFSET 0) m ON true
    WHERE d.grp_id = g AND d.msg_id = p_id AND (d.state < 4 OR d.keep_until > now);
    IF NOT FOUND THEN
        RAISE EXCEPTION 'message % not found', spool_hex(p_id) USING ERRCODE = 'SPM01';
    END IF;
END $function$;
