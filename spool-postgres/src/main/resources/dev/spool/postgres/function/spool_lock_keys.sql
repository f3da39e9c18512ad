-- Keyed FIFO: takes the (queue, key) locks in one order so that concurrent writers of a key serialise.
CREATE OR REPLACE FUNCTION spool_lock_keys(p_queue bigint, p_keys text[])
 RETURNS void
 LANGUAGE sql
AS $function$
    SELECT count(pg_advisory_xact_lock(p_queue::int, s.h))::int * 0
    FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest(p_keys) k WHERE k IS NOT NULL ORDER BY 1) s
$function$;
