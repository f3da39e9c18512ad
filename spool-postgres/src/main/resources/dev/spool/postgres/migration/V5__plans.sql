-- Spool schema, version 5: plans of the hot path.
--
-- PL/pgSQL caches the plan of each statement and, after five runs, may switch to a generic plan
-- that ignores the parameter values. For statements keyed by an id array (ack, drop of bodies,
-- fan-out) the generic plan guesses a large share of the table and picks sequential or range
-- scans; with a backlog this made an ack of 100 receipts cost 10-30 ms instead of < 1 ms. The hot
-- functions therefore plan each statement for its actual values (planning costs ~0.1 ms).
ALTER FUNCTION spool_push(text, boolean, bytea[], bigint[], text[], text[], int[], int[], text[], int[], text[],
                          bigint[], bigint[], bigint[], text[]) SET plan_cache_mode = force_custom_plan;
ALTER FUNCTION spool_pop(text, text, boolean, int, bigint) SET plan_cache_mode = force_custom_plan;
ALTER FUNCTION spool_ack(text, text, bigint[], int[], bytea, text) SET plan_cache_mode = force_custom_plan;
ALTER FUNCTION spool_nack(text, text, bigint[], int[], bigint, text) SET plan_cache_mode = force_custom_plan;
ALTER FUNCTION spool_extend(text, text, bigint[], int[], bigint) SET plan_cache_mode = force_custom_plan;

-- Bodies no group holds any more: one primary-key probe per id (the array drives the join).
CREATE OR REPLACE FUNCTION spool_drop_unheld(p_queue bigint, p_ids bigint[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM spool_messages m
    USING (SELECT DISTINCT u.id FROM unnest(p_ids) AS u(id)) r
    WHERE m.queue_id = p_queue AND m.id = r.id
      AND NOT EXISTS (SELECT 1 FROM spool_deliveries x JOIN spool_groups g ON g.id = x.grp_id
                      WHERE g.queue_id = p_queue AND x.msg_id = m.id)
$$;

-- Outcomes by a join, not a scan of the applied receipts per receipt (that was quadratic in the
-- batch, and fused batches hold thousands of receipts).
CREATE OR REPLACE FUNCTION spool_outcomes(p_grp bigint, p_ids bigint[], p_fences int[], ok_ids bigint[],
                                          ok_fences int[], p_now bigint) RETURNS smallint[] LANGUAGE sql STABLE AS $$
    SELECT array_agg(CASE
        WHEN k.i IS NOT NULL THEN 0
        WHEN EXISTS (SELECT 1 FROM spool_deliveries x WHERE x.grp_id = p_grp AND x.msg_id = r.id
                     AND (x.state < 4 OR x.keep_until > p_now)) THEN 1
        ELSE 2 END ORDER BY r.o)::smallint[]
    FROM unnest(p_ids, p_fences) WITH ORDINALITY AS r(id, f, o)
    LEFT JOIN (SELECT DISTINCT i, f FROM unnest(ok_ids, ok_fences) AS k(i, f)) k ON k.i = r.id AND k.f = r.f
$$;
