-- Spool schema, version 6: an ack (retention 0, no result) on a queue with one group deletes the
-- delivery rows and the bodies in one statement; with more groups it still checks, per body,
-- whether another group holds it.
CREATE OR REPLACE FUNCTION spool_ack(p_queue text, p_group text, p_ids bigint[], p_fences int[], p_result bytea,
                          p_rtype text) RETURNS smallint[] LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
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
            WHERE d.grp_id = g AND d.msg_id = ANY (p_ids) AND d.msg_id = r.id AND d.state = 3 AND d.attempts = r.f
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
