-- Outcome codes of ack, nack, extend: 0 ok, 1 stale, 2 not found.
--
-- Plans: outcomes by a join, not a scan of the applied receipts per receipt (V5).
CREATE OR REPLACE FUNCTION spool_outcomes(p_grp bigint, p_ids bigint[], p_fences integer[], ok_ids bigint[], ok_fences integer[], p_now bigint)
 RETURNS smallint[]
 LANGUAGE sql
 STABLE
AS $function$
    SELECT array_agg(CASE
        WHEN k.i IS NOT NULL THEN 0
        WHEN EXISTS (SELECT 1 FROM spool_deliveries x WHERE x.grp_id = p_grp AND x.msg_id = r.id
                     AND (x.state < 4 OR x.keep_until > p_now)) THEN 1
        ELSE 2 END ORDER BY r.o)::smallint[]
    FROM unnest(p_ids, p_fences) WITH ORDINALITY AS r(id, f, o)
    LEFT JOIN (SELECT DISTINCT i, f FROM unnest(ok_ids, ok_fences) AS k(i, f)) k ON k.i = r.id AND k.f = r.f
$function$;
