-- The ids of the live leases (state 3, lease not ended) that the receipts name with their current
-- fence, locked FOR UPDATE in id order.
--
-- Plans: only a hash join of the receipts with the rows found by primary key is left (nested
-- loops compared every receipt with every row: quadratic in fused batches), rows locked in id
-- order (V9). The state test is state::int = 3 so that no partial index can serve a walk of
-- the group's leases (V7). PL/pgSQL, not SQL: a SQL function that cannot be inlined (this one has
-- SET clauses) is parsed, analysed and planned again on every call; PL/pgSQL keeps the statement
-- and, with the settings above leaving one plan, its generic plan for the session.
CREATE OR REPLACE FUNCTION spool_lock_receipts(p_grp bigint, p_ids bigint[], p_fences integer[], p_now bigint)
 RETURNS bigint[]
 LANGUAGE plpgsql
 SET plan_cache_mode TO 'force_generic_plan'
 SET enable_nestloop TO 'off'
 SET enable_mergejoin TO 'off'
 SET enable_seqscan TO 'off'
 SET enable_bitmapscan TO 'off'
AS $function$
BEGIN
    RETURN ARRAY(
        SELECT d.msg_id FROM spool_deliveries d JOIN unnest(p_ids, p_fences) AS r(id, f)
               ON d.msg_id = r.id AND d.attempts = r.f
        WHERE d.grp_id = p_grp AND d.msg_id = ANY (p_ids) AND d.state::int = 3 AND d.avail_at - p_now > 0
        ORDER BY d.msg_id
        FOR UPDATE OF d);
END $function$;
