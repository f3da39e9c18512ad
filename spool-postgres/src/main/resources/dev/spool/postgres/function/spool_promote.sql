-- After messages of these keys finished in a group: the oldest waiting one of each key whose key has
-- no other unfinished message becomes ready (or timed). Returns how many became ready now.
--
-- Plans: see docs/postgres.md, "Query plans" (V11): each key's head is the first state-2 entry of
-- the key in spool_deliveries_key, updated by primary key; the work is bounded by the keys named.
CREATE OR REPLACE FUNCTION spool_promote(p_queue bigint, p_grp bigint, p_keys text[], p_now bigint)
 RETURNS integer
 LANGUAGE plpgsql
 SET plan_cache_mode TO 'force_custom_plan'
 SET enable_seqscan TO 'off'
 SET enable_bitmapscan TO 'off'
 SET enable_sort TO 'off'
 SET enable_hashjoin TO 'off'
 SET enable_mergejoin TO 'off'
AS $function$
DECLARE
    n int;
    heads bigint[];
BEGIN
    IF p_keys IS NULL OR cardinality(p_keys) = 0 THEN
        RETURN 0;
    END IF;
    PERFORM spool_lock_keys(p_queue, p_keys);
    heads := ARRAY(
        SELECT h.msg_id FROM (SELECT DISTINCT k FROM unnest(p_keys) AS k WHERE k IS NOT NULL) ks
        CROSS JOIN LATERAL (SELECT x.msg_id FROM spool_deliveries x
                            WHERE x.grp_id = p_grp AND x.key = ks.k AND x.state = 2
                            ORDER BY x.msg_id LIMIT 1) h);
    IF cardinality(heads) = 0 THEN
        RETURN 0;
    END IF;
    WITH u AS (
        UPDATE spool_deliveries d SET state = CASE WHEN d.avail_at > p_now THEN 1 ELSE 0 END
        FROM unnest(heads) AS h(id)
        WHERE d.grp_id = p_grp AND d.msg_id = h.id AND d.state::int = 2
          AND NOT EXISTS (SELECT 1 FROM spool_deliveries y
                          WHERE y.grp_id = p_grp AND y.key = d.key AND y.state IN (0, 1, 3))
        RETURNING d.state)
    SELECT count(*) FILTER (WHERE state = 0) INTO n FROM u;
    RETURN n;
END $function$;
