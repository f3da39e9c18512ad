-- Applies what time changed in a group: ended delays become ready; ended leases become ready, or
-- die when the attempts are used up, or expire past the TTL; unconsumed messages past their TTL go.
--
-- Plans: no sequential scans, so the two "anything due?" probes stay index-only scans of
-- spool_deliveries_due and spool_deliveries_ttl even when the statistics expect matches (V11).
CREATE OR REPLACE FUNCTION spool_settle(q spool_queues, p_grp bigint, p_now bigint)
 RETURNS void
 LANGUAGE plpgsql
 SET enable_seqscan TO 'off'
 SET enable_bitmapscan TO 'on'
AS $function$
DECLARE
    ids bigint[];
    keys text[];
    n int := 0;
    i int := 0;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM spool_deliveries WHERE grp_id = p_grp AND state IN (1, 3) AND avail_at <= p_now)
       AND NOT EXISTS (SELECT 1 FROM spool_deliveries WHERE grp_id = p_grp AND state IN (0, 1, 2)
                       AND expires_at <= p_now) THEN
        RETURN;
    END IF;
    -- concurrent settles of one group would only wait for each other
    IF NOT pg_try_advisory_xact_lock(-1, p_grp::int) THEN
        RETURN;
    END IF;
    IF q.max_attempts > 0 THEN
        WITH u AS (
            UPDATE spool_deliveries SET state = 5, finished_at = p_now, keep_until = p_now + q.result_ttl_ms,
                   last_error = 'max_attempts exceeded: lease expired'
            WHERE grp_id = p_grp AND state = 3 AND avail_at <= p_now AND attempts >= q.max_attempts
            RETURNING msg_id, key)
        SELECT array_agg(msg_id), array_agg(key) INTO ids, keys FROM u;
        PERFORM spool_dead_letter(q, p_grp, ids, array_fill('max_attempts exceeded: lease expired'::text,
                                  ARRAY[coalesce(cardinality(ids), 0)]), keys, p_now);
    END IF;
    UPDATE spool_deliveries SET state = 0, last_error = 'lease expired'
    WHERE grp_id = p_grp AND state = 3 AND avail_at <= p_now AND expires_at > p_now;
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE spool_deliveries SET state = 0 WHERE grp_id = p_grp AND state = 1 AND avail_at <= p_now
                                            AND expires_at > p_now;
    GET DIAGNOSTICS i = ROW_COUNT;
    n := n + i;
    LOOP
        WITH del AS (
            DELETE FROM spool_deliveries
            WHERE grp_id = p_grp AND ((state IN (0, 1, 2) AND expires_at <= p_now)
                                      OR (state = 3 AND avail_at <= p_now AND expires_at <= p_now))
            RETURNING msg_id, key)
        SELECT array_agg(msg_id), array_agg(key) FILTER (WHERE key IS NOT NULL) INTO ids, keys FROM del;
        EXIT WHEN ids IS NULL;
        PERFORM spool_drop_unheld(q.id, ids);
        PERFORM pg_notify('spool', 'd' || q.name);
        n := n + spool_promote(q.id, p_grp, keys, p_now);
        i := i + 1;
        EXIT WHEN keys IS NULL OR i > 100;
    END LOOP;
    IF n > 0 THEN
        PERFORM pg_notify('spool', 'r' || q.name);
    END IF;
END $function$;
